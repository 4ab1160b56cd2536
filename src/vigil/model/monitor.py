"""Monitoring: status observations (each check a new row), the check schedule, the control group.

Observations are never overwritten; the schedule holds one due time per watched account;
control-group membership is kept with what it was matched on, so attribution can be re-run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.model.base import Base, BigId, UTCDateTime, utcnow

__all__ = ["ControlMember", "MonitorTarget", "StatusObservation"]


class StatusObservation(Base):
    """What a platform said about an account at one time, and where we heard it."""

    __tablename__ = "status_observation"
    __table_args__ = (
        Index("ix_status_observation_account_time", "account_id", "observed_at"),
        Index("ix_status_observation_status", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    status: Mapped[str] = mapped_column(String(20))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(32))  # monitor | import | compliance
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonitorTarget(Base):
    """One watched account and when it is next due: new entries often, old ones less."""

    __tablename__ = "monitor_target"
    __table_args__ = (
        UniqueConstraint("account_id"),
        Index("ix_monitor_target_due", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    cohort: Mapped[str] = mapped_column(String(16))  # listed | control
    since: Mapped[datetime] = mapped_column(UTCDateTime)  # the age the interval grows with
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(20))
    checks: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ControlMember(Base):
    """An account scored but not listed, matched to a listed one on score, followers, age,
    platform; it leaves the group (``left_at``) if it is listed itself later."""

    __tablename__ = "control_member"
    __table_args__ = (UniqueConstraint("account_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    matched_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    index_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the listed match's listing time
    score: Mapped[float] = mapped_column(Float)
    followers: Mapped[int | None] = mapped_column(BigInteger)
    age_days: Mapped[float | None] = mapped_column(Float)
    distance: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
