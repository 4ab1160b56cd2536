"""Signal rows computed from stored data, the scores that combine them, resurgence links
between accounts, and the watermarks that let a scan compute only what changed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.model.base import Base, BigId, UTCDateTime, utcnow

__all__ = ["AccountLink", "LinkStatus", "ScanState", "Score", "Signal"]


class Signal(Base):
    """One piece of evidence about an account from one signal plugin, with its explanation."""

    __tablename__ = "signal"
    __table_args__ = (Index("ix_signal_account_name", "account_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Score(Base):
    """The current calibrated score of an account and the contributions behind it."""

    __tablename__ = "score"
    # (value, account_id): the review queue walks scores in order and checks exclusions on
    # account_id without reading the table (migration 0011).
    __table_args__ = (
        UniqueConstraint("account_id"),
        Index("ix_score_value_account", "value", "account_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    value: Mapped[float] = mapped_column(Float, index=True)
    model_version: Mapped[str] = mapped_column(String(32))
    contributions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class AccountLink(Base):
    """A proposed link: `new_account` looks like `prior_account`, an account suspended earlier.

    Proposed links are derived (a scan replaces them); a reviewer's confirmation or rejection
    is not, so confirmed and rejected links stay and a rejected pair is not proposed again.
    """

    __tablename__ = "account_link"
    __table_args__ = (UniqueConstraint("new_account_id", "prior_account_id", "method"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    new_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    prior_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    method: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=LinkStatus.PROPOSED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScanState(Base):
    """Where the last scan of one step (a signal, or scoring) stopped: the plugin version,
    the highest row id it had seen of each table, and a fingerprint of the lists."""

    __tablename__ = "scan_state"
    __table_args__ = (UniqueConstraint("step"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    step: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    marks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
