"""Domain types and the SQLAlchemy schema shared by every stage."""

from __future__ import annotations

from vigil.model import jobs as _job_tables  # noqa: F401  (registers its tables)
from vigil.model import web as _web_tables  # noqa: F401  (registers its tables)
from vigil.model.accounts import Account, AccountHandle, Identity, Platform
from vigil.model.audit import GENESIS_HASH, AuditEvent, AuditHead
from vigil.model.banks import BankHash, HashBank, MediaMatch
from vigil.model.base import Base, UTCDateTime, utcnow
from vigil.model.content import (
    Follow,
    Media,
    Mention,
    Post,
    PostMedia,
    PostReference,
    PostVersion,
)
from vigil.model.detection import Score, Signal
from vigil.model.enums import (
    AccountStatus,
    CaseStatus,
    DecisionAction,
    ListKind,
    ListStatus,
    UserRole,
    WhitelistType,
)
from vigil.model.monitor import StatusObservation
from vigil.model.publish import Publication, Report
from vigil.model.review import Case, Decision, ListEntry, User

__all__ = [
    "GENESIS_HASH",
    "Account",
    "AccountHandle",
    "AccountStatus",
    "AuditEvent",
    "AuditHead",
    "BankHash",
    "Base",
    "Case",
    "CaseStatus",
    "Decision",
    "DecisionAction",
    "Follow",
    "HashBank",
    "Identity",
    "ListEntry",
    "ListKind",
    "ListStatus",
    "Media",
    "MediaMatch",
    "Mention",
    "Platform",
    "Post",
    "PostMedia",
    "PostReference",
    "PostVersion",
    "Publication",
    "Report",
    "Score",
    "Signal",
    "StatusObservation",
    "UTCDateTime",
    "User",
    "UserRole",
    "WhitelistType",
    "utcnow",
]
