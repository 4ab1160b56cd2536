"""People and their decisions: users, cases, decisions as events, list entries, appeals, tips."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.model.base import Base, BigId, UTCDateTime, utcnow

__all__ = ["Appeal", "Case", "Decision", "ListEntry", "Tip", "User"]


class User(Base):
    """A person using Vigil; passwords and API tokens are stored only as hashes."""

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    api_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Case(Base):
    """One account under review; opened by a scan, a seed list, a tip or an appeal."""

    __tablename__ = "review_case"  # "case" is an SQL keyword
    __table_args__ = (Index("ix_review_case_account_status", "account_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    source: Mapped[str] = mapped_column(String(32))  # scan | seed | tip | appeal | import
    priority: Mapped[int] = mapped_column(Integer, default=0)
    threat_to_life: Mapped[bool] = mapped_column(Boolean, default=False)
    threat_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The action that closed it: confirm, override, reject, whitelist, delist.
    resolution: Mapped[str | None] = mapped_column(String(16))


class Decision(Base):
    """A reviewer's decision: an event; a later one supersedes, nothing is overwritten."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("review_case.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(16))
    criterion: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The inclusion policy (review/data/policy.json) the criterion was read against.
    policy_version: Mapped[str | None] = mapped_column(String(32))


class ListEntry(Base):
    """An account on the blacklist or whitelist; retraction is a status, never a delete."""

    __tablename__ = "list_entry"
    __table_args__ = (Index("ix_list_entry_account_kind", "account_id", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    kind: Mapped[str] = mapped_column(String(8))  # black | white
    status: Mapped[str] = mapped_column(String(16), default="active")
    criterion: Mapped[str | None] = mapped_column(String(32))
    whitelist_type: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(100), default="review")
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retraction_reason: Mapped[str | None] = mapped_column(Text)
    retraction_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))


class Appeal(Base):
    """A public request to delist an account, followed by its reference; a lead decides."""

    __tablename__ = "appeal"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entry.id"))
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))


class Tip(Base):
    """An account submitted by the public with a reason; it only ever opens a case."""

    __tablename__ = "tip"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    platform: Mapped[str] = mapped_column(String(100))
    account_ref: Mapped[str] = mapped_column(String(300))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("review_case.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
