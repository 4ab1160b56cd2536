"""A small store for the review tests: reviewers of every role, accounts with a post,
a signal and a media match, so decisions have evidence to cite."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

from vigil.model import (
    Account,
    BankHash,
    HashBank,
    Media,
    MediaMatch,
    Platform,
    Post,
    PostMedia,
    Signal,
)
from vigil.review import users
from vigil.review.users import add_user
from vigil.store import Database

T0 = datetime(2026, 10, 1, tzinfo=UTC)

# Without passwords (argon2 is slow on purpose); tests of login set their own.
REVIEWERS = {
    "ana": "analyst",
    "bob": "analyst",
    "cy": "analyst",
    "lea": "lead",
    "adm": "admin",
    "vic": "viewer",
}


@pytest.fixture
def cheap_argon2() -> Iterator[None]:
    """Argon2id with small costs, so tests that hash many passwords stay fast."""
    patch = pytest.MonkeyPatch()
    patch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    try:
        yield
    finally:
        patch.undo()


@dataclass
class ReviewStore:
    accounts: dict[str, int] = field(default_factory=dict)
    posts: dict[str, int] = field(default_factory=dict)
    matches: dict[str, int] = field(default_factory=dict)


def build(db: Database, *handles: str, users: bool = True) -> ReviewStore:
    """Accounts on platform ``x`` (platform id ``id-HANDLE``), each with evidence."""
    if users:
        for name, role in REVIEWERS.items():
            add_user(db, name, role)
    out = ReviewStore()
    with db.transaction() as s:
        platform = Platform(name="x", kind="x")
        bank = HashBank(name="known", threshold=31)
        s.add_all([platform, bank])
        s.flush()
        bank_hash = BankHash(bank_id=bank.id, pdq="0" * 64, item="release-1")
        s.add(bank_hash)
        s.flush()
        for n, handle in enumerate(handles or ("target",)):
            account = Account(
                platform_id=platform.id,
                platform_account_id=f"id-{handle}",
                handle=handle,
                first_seen=T0,
                last_seen=T0,
            )
            s.add(account)
            s.flush()
            post = Post(
                platform_id=platform.id,
                platform_post_id=f"p-{handle}",
                account_id=account.id,
                created_at=T0,
                text="text",
                first_seen=T0,
                last_seen=T0,
            )
            media = Media(platform_id=platform.id, media_key=f"m-{n}", pdq="0" * 64)
            s.add_all([post, media])
            s.flush()
            s.add(PostMedia(post_id=post.id, media_id=media.id))
            match = MediaMatch(
                media_id=media.id,
                bank_id=bank.id,
                bank_hash_id=bank_hash.id,
                item="release-1",
                distance=3,
                matched_at=T0,
            )
            s.add(match)
            s.add(
                Signal(
                    account_id=account.id,
                    name="media",
                    version="1",
                    value=0.9,
                    explanation="1 match",
                    computed_at=T0,
                )
            )
            s.flush()
            out.accounts[handle] = account.id
            out.posts[handle] = post.id
            out.matches[handle] = match.id
    return out
