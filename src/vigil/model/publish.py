"""What left Vigil: installments, publications on its channels, webhook deliveries, reports
to platforms, and confirmed URLs with the notices sent about them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.model.base import Base, BigId, UTCDateTime, utcnow

__all__ = [
    "ConfirmedUrl",
    "Installment",
    "InstallmentEntry",
    "Publication",
    "Report",
    "WebhookDelivery",
    "WebhookSubscription",
]


class Installment(Base):
    """A numbered batch of listings, or of retractions; `items` is the frozen public text."""

    __tablename__ = "installment"
    __table_args__ = (UniqueConstraint("number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # installment | retraction
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InstallmentEntry(Base):
    """Which list entry went out in which installment: once listed, once retracted at most."""

    __tablename__ = "installment_entry"
    __table_args__ = (UniqueConstraint("list_entry_id", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    installment_id: Mapped[int] = mapped_column(ForeignKey("installment.id"), index=True)
    list_entry_id: Mapped[int] = mapped_column(ForeignKey("list_entry.id"))
    kind: Mapped[str] = mapped_column(String(16))  # installment | retraction


class Publication(Base):
    """One installment or retraction sent to one channel (feed, webhook, Mastodon...)."""

    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("channel", "kind", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # installment | retraction
    number: Mapped[int] = mapped_column(Integer)
    entry_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    external_id: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Report(Base):
    """The one report of an account to its platform, and the platform's answer."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("account_id", "platform_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    channel: Mapped[str] = mapped_column(String(32))  # api | dsa_notice
    status: Mapped[str] = mapped_column(String(16), default="pending")
    external_id: Mapped[str | None] = mapped_column(String(300))
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    response: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookSubscription(Base):
    """A subscriber's endpoint; `secret` signs every delivery (HMAC-SHA256)."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (UniqueConstraint("url"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event for one subscriber; retried with backoff, `dead` after the last attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "number"),
        Index("ix_webhook_delivery_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id"))
    number: Mapped[int] = mapped_column(Integer)  # the installment number
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event: Mapped[str] = mapped_column(String(16))  # installment | retraction
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConfirmedUrl(Base):
    """A link a reviewer confirmed as propaganda; its hosting provider's notice and checks."""

    __tablename__ = "confirmed_url"
    __table_args__ = (UniqueConstraint("url"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    domain: Mapped[str] = mapped_column(String(300), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    criterion: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str] = mapped_column(String(100))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    provider: Mapped[str | None] = mapped_column(String(200))
    notice_path: Mapped[str | None] = mapped_column(Text)
    notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_check_status: Mapped[int | None] = mapped_column(Integer)
    reachable: Mapped[bool | None] = mapped_column(Boolean)
