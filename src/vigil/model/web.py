"""Tables of the web workbench: server-side sessions, reviewer preferences, throttle events.

Session cookies and addresses are stored only as keyed hashes: a leaked table neither
logs anyone in nor tells who filed an appeal or a tip.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.model.base import Base, BigId, UTCDateTime, utcnow

__all__ = ["WebAttempt", "WebPreference", "WebSession"]


class WebSession(Base):
    """A logged-in browser; `token_hash` is the sha256 of the cookie, never the cookie."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebPreference(Base):
    """A reviewer's own settings; media stays blurred unless `reveal_media` is chosen."""

    __tablename__ = "web_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    reveal_media: Mapped[bool] = mapped_column(Boolean, default=False)


class WebAttempt(Base):
    """One throttled event (a login, a public appeal or tip) under a keyed hash."""

    __tablename__ = "web_attempt"
    __table_args__ = (Index("ix_web_attempt_kind_key_at", "kind", "key", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # login_user | login_addr | appeal | tip
    key: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
