"""Users: roles, argon2 password hashes, hashed API tokens, disabling, audit events."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.support.review_store import cheap_argon2  # noqa: F401  (fixture)
from vigil.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from vigil.model import AuditEvent, User, UserRole
from vigil.review.users import (
    add_user,
    authenticate,
    can_decide,
    can_override,
    create_api_token,
    disable_user,
    get_user,
    list_users,
    set_password,
    user_for_token,
)
from vigil.store import Database

PASSWORD = "correct horse battery"
FAST = pytest.mark.usefixtures("cheap_argon2")


@FAST
def test_passwords_are_argon2_hashes_and_authenticate(db: Database) -> None:
    user_id = add_user(db, "ana", "analyst", PASSWORD, display_name="Ana")
    with db.session() as s:
        stored = s.get(User, user_id)
        assert stored is not None
        assert stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
    view = authenticate(db, "ana", PASSWORD)
    assert view is not None
    assert (view.username, view.role, view.active, view.display_name) == (
        "ana",
        UserRole.ANALYST,
        True,
        "Ana",
    )
    assert authenticate(db, "ana", "wrong password") is None
    assert authenticate(db, "nobody", PASSWORD) is None
    set_password(db, "ana", "another long password")
    assert authenticate(db, "ana", PASSWORD) is None
    assert authenticate(db, "ana", "another long password") is not None


def test_the_shipped_hash_cost() -> None:
    # argon2id, 64 MiB, 3 passes: RFC 9106's second recommended (low-memory) choice.
    from vigil.review.users import _hasher

    hashed = _hasher.hash(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert _hasher.verify(hashed, PASSWORD)


@FAST
def test_disabled_users_cannot_log_in_use_tokens_or_decide(db: Database) -> None:
    add_user(db, "bob", "lead", PASSWORD)
    token = create_api_token(db, "bob")
    assert token.startswith("vgl_")
    assert user_for_token(db, token) == get_user(db, "bob")
    assert user_for_token(db, token + "x") is None
    with db.session() as s:
        hashed = s.scalars(sa.select(User.api_token_hash).where(User.username == "bob")).one()
    assert hashed is not None
    assert token not in hashed
    disable_user(db, "bob")
    assert authenticate(db, "bob", PASSWORD) is None
    assert user_for_token(db, token) is None
    assert get_user(db, "bob").active is False
    with pytest.raises(PermissionDeniedError):
        create_api_token(db, "bob")


@FAST
def test_a_new_token_replaces_the_old_one(db: Database) -> None:
    add_user(db, "cy", "analyst")
    first = create_api_token(db, "cy")
    second = create_api_token(db, "cy")
    assert user_for_token(db, first) is None
    assert user_for_token(db, second) is not None


@FAST
def test_bad_input_and_duplicates_are_refused(db: Database) -> None:
    add_user(db, "ana", "analyst")
    with pytest.raises(ConflictError):
        add_user(db, "ana", "lead")
    with pytest.raises(InputError, match="role"):
        add_user(db, "zed", "superuser")
    with pytest.raises(InputError, match="password"):
        add_user(db, "zed", "viewer", "short")
    with pytest.raises(InputError, match="username"):
        add_user(db, "<script>", "viewer")
    with pytest.raises(NotFoundError):
        disable_user(db, "nobody")
    assert [u.username for u in list_users(db)] == ["ana"]


def test_roles_rank() -> None:
    assert [can_decide(r) for r in ("viewer", "analyst", "lead", "admin")] == [
        False,
        True,
        True,
        True,
    ]
    assert [can_override(r) for r in ("viewer", "analyst", "lead", "admin")] == [
        False,
        False,
        True,
        True,
    ]


@FAST
def test_user_changes_are_audited_without_secrets(db: Database) -> None:
    add_user(db, "ana", "analyst", PASSWORD)
    create_api_token(db, "ana")
    disable_user(db, "ana")
    with db.session() as s:
        events = s.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()
    actions = [e.action for e in events]
    assert actions == ["user.add", "user.token", "user.disable"]
    assert all(PASSWORD not in e.payload for e in events)
    assert json.loads(events[0].payload) == {"role": "analyst", "has_password": True}
