"""People who use Vigil: roles, argon2 password hashes, hashed API tokens, disabling.

Passwords and tokens are never stored or logged in clear; a token is random (256 bits),
so a SHA-256 of it is enough to look it up and useless to whoever reads the table.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from vigil.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from vigil.model import User, UserRole, utcnow
from vigil.review.fields import clean_text
from vigil.store import Database, record

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "ROLE_RANK",
    "UserView",
    "acting_user",
    "add_user",
    "authenticate",
    "can_decide",
    "can_override",
    "create_api_token",
    "disable_user",
    "get_user",
    "list_users",
    "role_at_least",
    "set_password",
    "user_for_token",
]

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "vgl_"  # noqa: S105  (a marker, not a secret)
ROLE_RANK = {UserRole.VIEWER: 0, UserRole.ANALYST: 1, UserRole.LEAD: 2, UserRole.ADMIN: 3}

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so both paths take the same time
    (made on first use: hashing at import would slow every command down)."""
    return _hasher.hash("vigil-no-such-user")


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    username: str
    display_name: str | None
    role: UserRole
    active: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "role": str(self.role),
            "active": self.active,
        }


def _view(user: User) -> UserView:
    return UserView(user.id, user.username, user.display_name, UserRole(user.role), user.active)


def _role(role: str | UserRole) -> UserRole:
    try:
        return UserRole(str(role).lower())
    except ValueError:
        names = ", ".join(r.value for r in UserRole)
        raise InputError(f"unknown role {role!r} (one of: {names})", field="role") from None


def role_at_least(role: str | UserRole, minimum: UserRole) -> bool:
    return ROLE_RANK[_role(role)] >= ROLE_RANK[minimum]


def can_decide(role: str | UserRole) -> bool:
    """Analysts and above may confirm, reject, whitelist and escalate."""
    return role_at_least(role, UserRole.ANALYST)


def can_override(role: str | UserRole) -> bool:
    """Leads and admins may list on one confirmation, decide appeals and escalated cases."""
    return role_at_least(role, UserRole.LEAD)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def _check_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > 100 or not all(c.isalnum() or c in "._-@" for c in name):
        raise InputError("a username is 1 to 100 letters, digits or . _ - @", field="username")
    return name


def _plausible(username: str) -> bool:
    # Checked before any query: PostgreSQL refuses NUL in text, and longer names never exist.
    return 0 < len(username) <= 100 and "\x00" not in username


def _find(session: Session, username: str) -> User:
    user = None
    if _plausible(username):
        user = session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


def acting_user(session: Session, username: str) -> User:
    """The active user acting now; PermissionDeniedError if disabled."""
    user = _find(session, username)
    if not user.active:
        raise PermissionDeniedError(f"user {username!r} is disabled")
    return user


def add_user(
    db: Database,
    username: str,
    role: str | UserRole,
    password: str | None = None,
    display_name: str | None = None,
    *,
    actor: str = "cli",
) -> int:
    """Create a user (without a password they can only use an API token); returns its id."""
    name = _check_username(username)
    checked = _role(role)
    shown = clean_text(display_name, field="display_name", max_len=200)
    if password is not None:
        _check_password(password)
    with db.transaction() as session:
        if session.scalar(sa.select(User.id).where(User.username == name)) is not None:
            raise ConflictError(f"user {name!r} already exists")
        user = User(
            username=name,
            display_name=shown,
            role=checked.value,
            password_hash=_hasher.hash(password) if password is not None else None,
            active=True,
        )
        session.add(user)
        session.flush()
        record(
            session,
            actor=actor,
            action="user.add",
            subject=f"user:{name}",
            payload={"role": checked.value, "has_password": password is not None},
        )
        log.info("added user %s with role %s", user.id, checked.value)
        return user.id


def list_users(db: Database) -> list[UserView]:
    with db.session() as session:
        return [_view(u) for u in session.scalars(sa.select(User).order_by(User.username))]


def get_user(db: Database, username: str) -> UserView:
    with db.session() as session:
        return _view(_find(session, username))


def disable_user(db: Database, username: str, *, actor: str = "cli") -> None:
    """Disable a user: no login, no token, no decisions; their past decisions stay."""
    with db.transaction() as session:
        user = _find(session, username)
        if not user.active:
            return
        user.active = False
        user.disabled_at = utcnow()
        record(session, actor=actor, action="user.disable", subject=f"user:{username}")


def set_password(db: Database, username: str, password: str, *, actor: str = "cli") -> None:
    _check_password(password)
    with db.transaction() as session:
        user = _find(session, username)
        user.password_hash = _hasher.hash(password)
        record(session, actor=actor, action="user.password", subject=f"user:{username}")


def authenticate(db: Database, username: str, password: str) -> UserView | None:
    """The user if the password matches and the user is active, else None."""
    with db.transaction() as session:
        user = None
        if _plausible(username):
            user = session.scalars(sa.select(User).where(User.username == username)).first()
        stored = user.password_hash if user is not None and user.active else None
        try:
            _hasher.verify(stored or _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if user is None or stored is None:
            return None
        if _hasher.check_needs_rehash(stored):
            user.password_hash = _hasher.hash(password)
        return _view(user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(db: Database, username: str, *, actor: str = "cli") -> str:
    """A new API token for the user (replacing any earlier one); shown once, stored hashed."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as session:
        user = acting_user(session, username)
        user.api_token_hash = _token_hash(token)
        record(session, actor=actor, action="user.token", subject=f"user:{username}")
    return token


def user_for_token(db: Database, token: str) -> UserView | None:
    """The active user holding this API token, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with db.session() as session:
        user = session.scalars(
            sa.select(User).where(User.api_token_hash == _token_hash(token))
        ).first()
        if user is None or not user.active:
            return None
        return _view(user)
