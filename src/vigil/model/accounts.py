"""Platforms, the accounts on them (with every handle they had) and the people behind them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.model.base import Base, BigId, UTCDateTime, utcnow

__all__ = ["Account", "AccountHandle", "Identity", "Platform"]


class Platform(Base):
    """A network Vigil collects from: ``x``, ``mastodon:<instance>``, ``bluesky``..."""

    __tablename__ = "platform"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # x | mastodon | bluesky | telegram
    base_url: Mapped[str | None] = mapped_column(String(500))


class Identity(Base):
    """One person or organisation behind several accounts (resurgence links them)."""

    __tablename__ = "identity"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    label: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Account(Base):
    """An account, keyed by the platform's own stable id; the handle may change."""

    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("platform_id", "platform_account_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), index=True)
    platform_account_id: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str] = mapped_column(String(200), index=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    bio: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    avatar_url: Mapped[str | None] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    followers_count: Mapped[int | None] = mapped_column(BigInteger)
    following_count: Mapped[int | None] = mapped_column(BigInteger)
    posts_count: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("identity.id"), index=True)
    withheld_in: Mapped[list[str] | None] = mapped_column(JSON)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the profile columns were retrieved; NULL while the account is known only from
    # references (an author id, a mention, an error), so any full profile may fill it in.
    profile_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    platform: Mapped[Platform] = relationship()
    handles: Mapped[list[AccountHandle]] = relationship(
        back_populates="account", order_by="AccountHandle.first_seen"
    )


class AccountHandle(Base):
    """Every handle and display name an account was seen with, and when."""

    __tablename__ = "account_handle"
    __table_args__ = (UniqueConstraint("account_id", "handle"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    handle: Mapped[str] = mapped_column(String(200), index=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="handles")
