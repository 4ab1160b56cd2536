"""Tips from the public, and the proof-of-work throttle that the public forms ask for.

A tip only opens a case with source ``tip`` (reviewers decide as for any account); it
never lists. The proof of work is hashcash-like and stateless: a signed challenge, and a
nonce such that ``sha256(challenge + ":" + nonce)`` starts with `difficulty` zero bits.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import MutableSet
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.errors import InputError, NotFoundError
from vigil.model import Account, Case, Platform, utcnow
from vigil.model.enums import CaseSource, TipStatus
from vigil.model.review import Tip
from vigil.review.appeals import new_reference
from vigil.review.cases import begin_write, current_case, open_case
from vigil.review.fields import clean_line, clean_text
from vigil.store import Database, record

__all__ = [
    "Challenge",
    "TipView",
    "leading_zero_bits",
    "list_tips",
    "open_tip_cases",
    "pow_challenge",
    "solve_pow",
    "submit_tip",
    "verify_pow",
]

log = logging.getLogger(__name__)

MAX_REASON = 5000
MAX_ACCOUNT = 190  # fits the 200-character handle and id columns, with an "@"
CHALLENGE_TTL = 600  # seconds a challenge stays valid
TIP_PRIORITY = 1  # above a plain scan, below a threat to life


@dataclass(frozen=True, slots=True)
class Challenge:
    token: str
    difficulty: int
    expires_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "challenge": self.token,
            "difficulty": self.difficulty,
            "expires_at": self.expires_at.isoformat(),
        }


def _key(secret: bytes | str) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _mac(secret: bytes | str, body: str) -> str:
    return hmac.new(_key(secret), body.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def pow_challenge(
    secret: bytes | str,
    *,
    difficulty: int | None = None,
    settings: Settings | None = None,
    now: float | None = None,
) -> Challenge:
    """A signed challenge; `difficulty` defaults to `settings.pow_difficulty` (16)."""
    bits = (
        difficulty if difficulty is not None else (settings or Settings.from_env()).pow_difficulty
    )
    if not 0 <= bits <= 32:
        raise InputError("proof-of-work difficulty is 0 to 32 bits", field="difficulty")
    issued = int(now if now is not None else time.time())
    body = f"{issued}.{bits}.{secrets.token_hex(8)}"
    token = f"{body}.{_mac(secret, body)}"
    return Challenge(token, bits, datetime.fromtimestamp(issued + CHALLENGE_TTL, UTC))


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def _digest(token: str, nonce: str) -> bytes:
    return hashlib.sha256(f"{token}:{nonce}".encode()).digest()


def solve_pow(token: str, difficulty: int) -> str:
    """The first nonce that satisfies the challenge (what the form's script computes)."""
    nonce = 0
    while leading_zero_bits(_digest(token, str(nonce))) < difficulty:
        nonce += 1
    return str(nonce)


def verify_pow(
    secret: bytes | str,
    token: str,
    nonce: str,
    *,
    min_difficulty: int = 0,
    now: float | None = None,
    max_age: int = CHALLENGE_TTL,
    seen: MutableSet[str] | None = None,
) -> bool:
    """True if the challenge is ours, fresh, solved, and (with `seen`) not used before."""
    parts = token.split(".")
    if len(parts) != 4 or len(nonce) > 32 or not parts[0].isdigit() or not parts[1].isdigit():
        return False
    body = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _mac(secret, body)):
        return False
    issued, bits = int(parts[0]), int(parts[1])
    age = (now if now is not None else time.time()) - issued
    if bits < min_difficulty or not -60 <= age <= max_age:
        return False
    if leading_zero_bits(_digest(token, nonce)) < bits:
        return False
    if seen is not None:
        # A solved challenge buys one submission; the caller's set remembers it.
        if token in seen:
            return False
        seen.add(token)
    return True


@dataclass(frozen=True, slots=True)
class TipView:
    reference: str
    platform: str
    account_ref: str
    account_id: int | None
    reason: str
    status: str
    case_id: int | None
    submitted_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "platform": self.platform,
            "account": self.account_ref,
            "account_id": self.account_id,
            "reason": self.reason,
            "status": self.status,
            "case_id": self.case_id,
            "submitted_at": self.submitted_at.isoformat(),
        }


def _find_or_placeholder(session: Session, platform_id: int, account: str) -> Account:
    handle = account[1:] if account.startswith("@") else None
    stmt = sa.select(Account).where(Account.platform_id == platform_id)
    found = None
    if handle is None:
        found = session.scalars(stmt.where(Account.platform_account_id == account)).first()
    if found is None:
        name = (handle or account).lower()
        found = session.scalars(
            stmt.where(sa.func.lower(Account.handle) == name).order_by(Account.id)
        ).first()
    if found is not None:
        return found
    # Unknown yet: a placeholder (as list imports make) that collection fills in later.
    now = utcnow()
    placeholder = Account(
        platform_id=platform_id,
        platform_account_id=f"@{handle}" if handle else account,
        handle=handle or account,
        first_seen=now,
        last_seen=now,
    )
    session.add(placeholder)
    session.flush()
    return placeholder


def submit_tip(db: Database, *, platform: str, account: str, reason: str) -> str:
    """Record a tip and put the account in the review queue (source ``tip``); a reference."""
    key = clean_line(account, field="account", max_len=MAX_ACCOUNT)
    why = (clean_text(reason, field="reason", max_len=MAX_REASON) or "").strip()
    name = clean_line(platform, field="platform", max_len=100)
    if any(c.isspace() for c in key) or key == "@":
        raise InputError("give the account as @handle or its platform id", field="account")
    if not why:
        raise InputError("a tip needs a reason", field="reason")
    if len(why) > MAX_REASON:
        raise InputError(f"a reason is at most {MAX_REASON} characters", field="reason")
    with db.transaction() as session:
        begin_write(session)
        platform_id = session.scalar(sa.select(Platform.id).where(Platform.name == name))
        if platform_id is None:
            raise NotFoundError(f"Vigil does not cover a platform named {name[:40]!r}")
        target = _find_or_placeholder(session, int(platform_id), key)
        existing = current_case(session, target.id)
        case = open_case(session, target.id, source=CaseSource.TIP, priority=TIP_PRIORITY)
        reference = new_reference("TIP")
        while session.scalar(sa.select(Tip.id).where(Tip.reference == reference)):
            reference = new_reference("TIP")
        status = TipStatus.MERGED if existing is not None else TipStatus.QUEUED
        session.add(
            Tip(
                reference=reference,
                platform=name,
                account_ref=key,
                account_id=target.id,
                reason=why,
                status=status,
                case_id=case.id,
                submitted_at=utcnow(),
            )
        )
        session.flush()
        record(
            session,
            actor="public",
            action="tip.submit",
            subject=f"account:{target.id}",
            payload={"reference": reference, "case_id": case.id, "status": status},
        )
    log.info("tip about account %s (%s)", target.id, status)
    return reference


def list_tips(db: Database, *, limit: int = 100) -> list[TipView]:
    """Tips, newest first."""
    with db.session() as session:
        rows = session.scalars(
            sa.select(Tip).order_by(Tip.submitted_at.desc(), Tip.id.desc()).limit(limit)
        ).all()
        return [
            TipView(
                t.reference,
                t.platform,
                t.account_ref,
                t.account_id,
                t.reason,
                t.status,
                t.case_id,
                t.submitted_at,
            )
            for t in rows
        ]


def open_tip_cases(db: Database) -> list[int]:
    """Accounts with an open case that a tip opened (for a queue that also shows these)."""
    with db.session() as session:
        return list(
            session.scalars(
                sa.select(Case.account_id)
                .where(Case.source == CaseSource.TIP, Case.status != "closed")
                .order_by(Case.priority.desc(), Case.opened_at)
            )
        )
