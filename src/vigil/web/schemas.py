"""Pydantic models of the JSON API (what /api/openapi.json describes)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "AccountOut",
    "AppealDecisionIn",
    "AppealIn",
    "AppealOut",
    "AppealStatusOut",
    "ChallengeOut",
    "ContributionOut",
    "DecisionIn",
    "DecisionOut",
    "ListEntryOut",
    "OutcomeOut",
    "QueueItemOut",
    "QueueLinkOut",
    "ReferenceOut",
    "SignalOut",
    "TipIn",
    "UserOut",
]


class UserOut(BaseModel):
    username: str
    display_name: str | None
    role: str


class SignalOut(BaseModel):
    name: str
    value: float
    explanation: str


class QueueLinkOut(BaseModel):
    id: int
    account_id: str
    username: str
    confidence: float
    status: str


class QueueItemOut(BaseModel):
    id: int
    platform: str
    account_id: str
    username: str
    display_name: str | None
    lang: str | None
    score: float | None  # None: an open case nothing has scored yet (a tip)
    signals: list[SignalOut]
    linked_to: list[QueueLinkOut]


class ContributionOut(BaseModel):
    name: str
    value: float
    weight: float
    contribution: float
    explanation: str
    counter: bool


class DecisionOut(BaseModel):
    id: int
    action: str
    criterion: str | None
    note: str | None
    username: str
    role: str
    decided_at: datetime
    supersedes_id: int | None


class ListEntryOut(BaseModel):
    account_id: int
    platform: str
    handle: str
    kind: str
    status: str
    criterion: str | None
    whitelist_type: str | None
    source: str
    added_at: datetime
    retracted_at: datetime | None


class AccountOut(BaseModel):
    id: int
    platform: str
    platform_account_id: str
    handle: str
    display_name: str | None
    bio: str | None
    lang: str | None
    handles: list[str]
    score: float | None
    contributions: list[ContributionOut]
    signals: list[SignalOut]
    entries: list[ListEntryOut]
    decisions: list[DecisionOut]
    awaiting_second: DecisionOut | None
    media: list[str] = Field(description="Paths under /media/ of stored copies (never URLs)")


class DecisionIn(BaseModel):
    action: Literal["confirm", "reject", "whitelist", "escalate"]
    criterion: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=10_000)
    whitelist_type: str | None = Field(default=None, max_length=32)
    override: bool = False
    evidence: list[str] = Field(default_factory=list, max_length=500)


class OutcomeOut(BaseModel):
    decision_id: int
    account_id: int
    case_status: str
    listed: bool
    needs_second: bool
    message: str


class ChallengeOut(BaseModel):
    challenge: str
    difficulty: int
    expires_at: datetime


class AppealIn(BaseModel):
    platform: str = Field(max_length=100)
    account: str = Field(max_length=300, description="@handle or the platform's account id")
    text: str = Field(max_length=5000)
    contact: str | None = Field(default=None, max_length=300)
    pow_challenge: str = Field(max_length=200)
    pow_nonce: str = Field(max_length=40)


class TipIn(BaseModel):
    platform: str = Field(max_length=100)
    account: str = Field(max_length=300, description="@handle or the platform's account id")
    reason: str = Field(max_length=5000)
    pow_challenge: str = Field(max_length=200)
    pow_nonce: str = Field(max_length=40)


class ReferenceOut(BaseModel):
    reference: str


class AppealStatusOut(BaseModel):
    reference: str
    status: str
    filed_at: datetime
    decided_at: datetime | None


class AppealOut(AppealStatusOut):
    account_id: int
    platform: str
    handle: str
    text: str
    contact: str | None


class AppealDecisionIn(BaseModel):
    uphold: bool
    note: str = Field(min_length=1, max_length=10_000)
