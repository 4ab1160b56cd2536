"""Status observations: each check of an account is a new row, never an overwrite."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.model.base import Base, BigId, UTCDateTime, utcnow

__all__ = ["StatusObservation"]


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
