"""The append-only audit log; each event's hash chains it to the one before."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.model.base import Base, UTCDateTime

__all__ = ["GENESIS_HASH", "AuditEvent", "AuditHead"]

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """`seq` is assigned by the writer (previous + 1) so a gap or a fork cannot go unseen."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(300), index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, stored verbatim
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row naming the last event: appends lock it, and verify catches a cut-off tail."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
