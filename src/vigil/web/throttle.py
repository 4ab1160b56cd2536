"""Throttles kept in the store: login failures per username and per address, and public
submissions (appeals, tips) per address. Keys are keyed hashes, never raw names or IPs."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import utcnow
from vigil.model.web import WebAttempt
from vigil.web.settings import WebSettings

__all__ = ["Throttled", "check_login", "check_public", "note", "note_login", "throttle_key"]


class Throttled(Exception):
    """Too many attempts; the app answers 429 with Retry-After."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def throttle_key(settings: WebSettings, kind: str, value: str) -> str:
    return hmac.new(settings.secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _count(session: Session, kind: str, key: str, window: timedelta, *, failures: bool) -> int:
    since = utcnow() - window
    stmt = sa.select(sa.func.count()).where(
        WebAttempt.kind == kind, WebAttempt.key == key, WebAttempt.at >= since
    )
    if failures:
        last_ok = sa.select(sa.func.max(WebAttempt.at)).where(
            WebAttempt.kind == kind, WebAttempt.key == key, WebAttempt.success.is_(True)
        )
        stmt = stmt.where(
            WebAttempt.success.is_(False),
            WebAttempt.at > sa.func.coalesce(last_ok.scalar_subquery(), since),
        )
    return int(session.scalar(stmt) or 0)


def note(session: Session, kind: str, key: str, *, success: bool) -> None:
    session.add(WebAttempt(kind=kind, key=key, success=success, at=utcnow()))


def check_login(settings: WebSettings, session: Session, username: str, address: str) -> None:
    """Refuse before the password is even checked when either limit is reached."""
    window = timedelta(minutes=settings.login_window_minutes)
    retry = int(window.total_seconds())
    user_key = throttle_key(settings, "login_user", username.strip().lower())
    if _count(session, "login_user", user_key, window, failures=True) >= (
        settings.login_max_failures_per_user
    ):
        raise Throttled("too many failed logins for this user: try again later", retry)
    addr_key = throttle_key(settings, "login_addr", address)
    if _count(session, "login_addr", addr_key, window, failures=True) >= (
        settings.login_max_failures_per_address
    ):
        raise Throttled("too many failed logins from this address: try again later", retry)


def note_login(
    settings: WebSettings, session: Session, username: str, address: str, *, success: bool
) -> None:
    note(session, "login_user", throttle_key(settings, "login_user", username.strip().lower()),
         success=success)  # fmt: skip
    note(session, "login_addr", throttle_key(settings, "login_addr", address), success=success)


def check_public(settings: WebSettings, session: Session, kind: str, address: str) -> str:
    """Refuse a public submission over the hourly limit; returns the key to note it under."""
    key = throttle_key(settings, kind, address)
    if _count(session, kind, key, timedelta(hours=1), failures=False) >= (
        settings.public_max_per_hour
    ):
        raise Throttled("too many submissions from this address: try again in an hour", 3600)
    return key
