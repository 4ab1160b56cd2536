"""Hand-built stores for the signal tests: accounts, follows, posts, retweets, mentions,
and a small generated world imported through the X importer."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.model import Account, Follow, Mention, Platform, Post, PostReference
from vigil.store import Database

T0 = datetime(2026, 9, 1, tzinfo=UTC)


class Builder:
    """Adds rows in one session; account names are handles, returned ids are store ids."""

    def __init__(self, session: Session) -> None:
        self.s = session
        platform = Platform(name="x", kind="x")
        session.add(platform)
        session.flush()
        self.platform_id = platform.id
        self.ids: dict[str, int] = {}
        self._post_ids = itertools.count(1000)

    def accounts(self, *names: str, created: datetime | None = None) -> list[int]:
        rows = [
            Account(
                platform_id=self.platform_id,
                platform_account_id=f"a-{n}",
                handle=n,
                created_at=created,
            )
            for n in names
        ]
        self.s.add_all(rows)
        self.s.flush()
        self.ids.update((n, r.id) for n, r in zip(names, rows, strict=True))
        return [r.id for r in rows]

    def follow(self, source: str, *targets: str) -> None:
        self.s.add_all(Follow(source_id=self.ids[source], target_id=self.ids[t]) for t in targets)
        self.s.flush()

    def post(
        self, author: str, at: datetime, *, kind: str = "original", text: str | None = None
    ) -> Post:
        post = Post(
            platform_id=self.platform_id,
            platform_post_id=str(next(self._post_ids)),
            account_id=self.ids[author],
            created_at=at,
            kind=kind,
            text=text,
        )
        self.s.add(post)
        self.s.flush()
        return post

    def retweet(self, author: str, target: Post, at: datetime) -> Post:
        post = self.post(author, at, kind="retweet", text="RT")
        self.s.add(
            PostReference(
                post_id=post.id,
                kind="retweeted",
                target_platform_post_id=target.platform_post_id,
                target_post_id=target.id,
                target_account_id=target.account_id,
            )
        )
        self.s.flush()
        return post

    def mention(self, author: str, target: str, at: datetime) -> None:
        post = self.post(author, at, text=f"@{target} hello")
        self.s.add(Mention(post_id=post.id, handle=target, account_id=self.ids[target]))
        self.s.flush()


def import_world(db: Database, settings: Settings, world: Path) -> frozenset[int]:
    """Import the world's X files; returns the store ids of the accounts in seeds.csv."""
    from vigil.platforms.file_imports import import_x_files

    import_x_files(db, settings, sorted((world / "x").glob("*.jsonl")))
    with (world / "seeds.csv").open(encoding="utf-8") as fh:
        seeds = [row["account_id"] for row in csv.DictReader(fh)]
    with db.session() as s:
        found = s.scalars(sa.select(Account.id).where(Account.platform_account_id.in_(seeds)))
        return frozenset(found)


def roles_by_store_id(db: Database, truth: dict[str, object]) -> dict[int, str]:
    """Store account id -> its role in the world's truth.json."""
    accounts = truth["accounts"]
    assert isinstance(accounts, list)
    role = {a["id"]: a["role"] for a in accounts}
    with db.session() as s:
        rows = s.execute(sa.select(Account.id, Account.platform_account_id)).all()
    return {i: role[p] for i, p in rows if p in role}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


_WORLDS: dict[int, Path] = {}
WORLD_ACCOUNTS = 800


def generated_world(root: Path, seed: int = 7) -> Path:
    """A generated world of 800 accounts, written once per test session under `root`."""
    if seed not in _WORLDS:
        from vigil.sim.generate import WorldParams
        from vigil.sim.output import generate_to_dir

        out = root / f"world-{seed}"
        generate_to_dir(out, WorldParams(accounts=WORLD_ACCOUNTS, seed=seed))
        _WORLDS[seed] = out
    return _WORLDS[seed]
