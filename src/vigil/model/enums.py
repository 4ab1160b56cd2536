"""The closed vocabularies stored in string columns; new values need no migration."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AccountStatus",
    "CaseStatus",
    "DecisionAction",
    "ListKind",
    "ListStatus",
    "UserRole",
    "WhitelistType",
]


class AccountStatus(StrEnum):
    """What a platform said about an account when it was observed."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    NOT_FOUND = "not_found"
    PROTECTED = "protected"
    DEACTIVATED = "deactivated"
    WITHHELD = "withheld"
    DELETED = "deleted"
    TAKEN_DOWN = "taken_down"
    UNAUTHORIZED = "unauthorized"


class UserRole(StrEnum):
    ADMIN = "admin"
    LEAD = "lead"
    ANALYST = "analyst"
    VIEWER = "viewer"


class CaseStatus(StrEnum):
    OPEN = "open"
    PENDING_SECOND = "pending_second"
    ESCALATED = "escalated"
    CLOSED = "closed"


class DecisionAction(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"
    WHITELIST = "whitelist"
    ESCALATE = "escalate"
    OVERRIDE = "override"
    DELIST = "delist"


class ListKind(StrEnum):
    BLACK = "black"
    WHITE = "white"


class ListStatus(StrEnum):
    ACTIVE = "active"
    RETRACTED = "retracted"


class WhitelistType(StrEnum):
    JOURNALIST = "journalist"
    RESEARCHER = "researcher"
    NEWS_OUTLET = "news_outlet"
    PARODY = "parody"
    COUNTER_SPEECH = "counter_speech"
    MISTAKEN_IDENTITY = "mistaken_identity"
    OTHER = "other"
