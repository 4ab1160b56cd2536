"""The closed vocabularies stored in string columns; new values need no migration."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AccountStatus",
    "AppealStatus",
    "CaseSource",
    "CaseStatus",
    "DecisionAction",
    "ListKind",
    "ListStatus",
    "TipStatus",
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


class CaseSource(StrEnum):
    """What opened a case; a tip or an appeal never lists an account by itself."""

    SCAN = "scan"
    SEED = "seed"
    TIP = "tip"
    APPEAL = "appeal"
    IMPORT = "import"
    REVIEW = "review"


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


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


class TipStatus(StrEnum):
    """A tip opens a case (queued) or joins the account's case already open (merged)."""

    QUEUED = "queued"
    MERGED = "merged"
