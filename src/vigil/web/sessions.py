"""Server-side sessions: a random cookie whose sha256 names a row; rotated at every login.

Also the signed-in reviewer as the web layer sees them (`WebUser`) and their preferences.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import User, UserRole, utcnow
from vigil.model.web import WebPreference, WebSession

__all__ = [
    "ROLE_RANK",
    "WebUser",
    "end_session",
    "load_session",
    "set_reveal_media",
    "start_session",
    "token_hash",
]

ROLE_RANK = {UserRole.VIEWER: 0, UserRole.ANALYST: 1, UserRole.LEAD: 2, UserRole.ADMIN: 3}
# Writing last_seen on every request would serialise readers on SQLite; once a minute is enough.
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class WebUser:
    """The reviewer behind a request; `csrf_token` is empty for API-token requests."""

    id: int
    username: str
    display_name: str | None
    role: UserRole
    csrf_token: str = ""
    reveal_media: bool = False

    def at_least(self, role: UserRole) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _reveal(session: Session, user_id: int) -> bool:
    pref = session.get(WebPreference, user_id)
    return bool(pref and pref.reveal_media)


def web_user(session: Session, user: User, csrf: str = "") -> WebUser:
    return WebUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=UserRole(user.role),
        csrf_token=csrf,
        reveal_media=_reveal(session, user.id),
    )


def start_session(
    session: Session, user_id: int, *, hours: float, previous: str | None = None
) -> str:
    """A new session for `user_id`; the previous cookie's session (if any) is ended first,
    so a cookie planted before login never becomes a logged-in one."""
    now = utcnow()
    if previous:
        end_session(session, previous)
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token


def load_session(session: Session, token: str) -> WebUser | None:
    """The active user of a live session cookie, or None (expired, ended, disabled)."""
    now = utcnow()
    row = session.execute(
        sa.select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == token_hash(token), WebSession.ended_at.is_(None))
    ).first()
    if row is None:
        return None
    web, user = row
    if web.expires_at <= now or not user.active:
        return None
    if now - web.last_seen_at > _TOUCH_EVERY:
        web.last_seen_at = now
        session.commit()
    return web_user(session, user, web.csrf_token)


def end_session(session: Session, token: str) -> None:
    session.execute(
        sa.update(WebSession)
        .where(WebSession.token_hash == token_hash(token), WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def set_reveal_media(session: Session, user_id: int, reveal: bool) -> None:
    pref = session.get(WebPreference, user_id)
    if pref is None:
        session.add(WebPreference(user_id=user_id, reveal_media=reveal))
    else:
        pref.reveal_media = reveal
