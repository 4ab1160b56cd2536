"""Writes batches of normalised records into the store, one transaction a batch.

Loading is idempotent: rows are keyed by platform ids and merged on conflict, observations
are deduplicated, so the same records twice change nothing. A newer retrieval updates an
account's current fields; its handles and a post's edit versions are kept as history.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, exists, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from vigil.errors import StoreError
from vigil.model import Follow, Mention, Platform, Post, PostMedia, PostReference
from vigil.platforms.account_writer import AccountWriter
from vigil.platforms.media_link import MediaLinker
from vigil.platforms.merge_sql import earliest, fill_blank, latest, merge_rows
from vigil.platforms.observations import write_observations
from vigil.platforms.post_writer import known_posts, write_links, write_media, write_posts
from vigil.platforms.record_batch import Batch
from vigil.platforms.records import PlatformSpec, Record
from vigil.store import Database, upsert
from vigil.store.database import driver_message

__all__ = ["Batch", "LoadReport", "Loader"]

log = logging.getLogger(__name__)

_REFERENCE_COLUMNS = (
    "post_id",
    "kind",
    "target_platform_post_id",
    "target_post_id",
    "target_account_id",
)
SQLITE_CACHE_KIB = 32768  # page cache of the loader's connection: 32 MiB, whatever the file


@dataclass(slots=True)
class LoadReport:
    """What a load could not place: statements about ids the store does not know."""

    unresolved: int = 0
    observations: int = 0

    def add(self, other: LoadReport) -> None:
        self.unresolved += other.unresolved
        self.observations += other.observations


class Loader:
    """Stores records of one platform; `finish` resolves edges to posts stored later.

    Inside ``with`` a loader keeps one connection (a warm SQLite page cache) and holds newer
    profiles of accounts it already wrote until `flush`, `finish` or the end of the block.
    Outside ``with`` every batch is complete in the store when `load` returns.
    """

    def __init__(
        self, db: Database, platform: PlatformSpec, *, media: MediaLinker | None = None
    ) -> None:
        self.db = db
        self.platform = platform
        self.media = media
        self._connection: Connection | None = None
        self._managed = False
        with db.transaction() as session:
            upsert(
                session,
                Platform,
                [{"name": platform.name, "kind": platform.kind, "base_url": platform.base_url}],
                keys=["name"],
            )
            self.platform_id: int = session.execute(
                select(Platform.id).where(Platform.name == platform.name)
            ).scalar_one()
        self._accounts = AccountWriter(self.platform_id)

    def __enter__(self) -> Loader:
        self._managed = True
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is None:
            self.close()
        elif self._connection is not None:  # failed: release without writing more
            self._connection.close()
            self._connection = None
        self._managed = False

    def flush(self) -> None:
        """Write what is held in memory (newer profiles of accounts already stored)."""
        with self._transaction() as session:
            self._accounts.flush(session)

    def close(self) -> None:
        """Flush and release the connection."""
        self.flush()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        if not self._managed:
            with self.db.transaction() as session:
                yield session
            return
        if self._connection is None:
            self._connection = self.db.engine.connect()
            if self.db.dialect == "sqlite":
                self._connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
                # Checkpoint the WAL every ~40 MB instead of 4: pages written by several
                # batches reach the database file once.
                self._connection.exec_driver_sql("PRAGMA wal_autocheckpoint=10000")
                self._connection.commit()
        try:
            with self._connection.begin(), Session(bind=self._connection) as session:
                yield session
        except OperationalError as exc:
            raise StoreError(
                f"database error on {self.db.url_for_humans}: {driver_message(exc)}"
            ) from exc

    def load(self, records: Iterable[Record] | Batch) -> LoadReport:
        """Store one batch in one transaction."""
        batch = records if isinstance(records, Batch) else Batch.of(records)
        with self._transaction() as session:
            accounts, handles = self._accounts.write(
                session,
                batch.accounts,
                batch.posts,
                batch.follows,
                batch.statuses,
                batch.placeholders,
            )
            media = write_media(session, self.platform_id, batch.media, batch.posts, self.media)
            posts = write_posts(session, self.platform_id, batch.posts, accounts)
            self._edges(session, batch, accounts, handles, posts, media)
            write_links(session, batch.posts, posts)
            self._follows(session, batch, accounts)
            written, unresolved = write_observations(
                session, self.platform_id, batch.statuses, accounts, handles, posts
            )
            if not self._managed:
                self._accounts.flush(session)
        return LoadReport(unresolved=unresolved, observations=written)

    def finish(self) -> int:
        """Flush, then point references at posts that arrived after them; returns how many."""
        self.flush()
        ref: Table = PostReference.__table__  # type: ignore[assignment]
        post: Table = Post.__table__  # type: ignore[assignment]
        target = post.alias("target")
        source = post.alias("source")
        match = (target.c.platform_id == self.platform_id) & (
            target.c.platform_post_id == ref.c.target_platform_post_id
        )
        stmt = (
            update(ref)
            .where(
                ref.c.target_post_id.is_(None),
                exists().where(
                    source.c.id == ref.c.post_id, source.c.platform_id == self.platform_id
                ),
                exists().where(match),
            )
            .values(
                target_post_id=select(target.c.id).where(match).scalar_subquery(),
                target_account_id=func.coalesce(
                    ref.c.target_account_id,
                    select(target.c.account_id).where(match).scalar_subquery(),
                ),
            )
        )
        with self._transaction() as session:
            result = session.execute(stmt)
        resolved = int(getattr(result, "rowcount", 0) or 0)
        log.debug("resolved %s references to posts stored later", resolved)
        return resolved

    # -- edges ----------------------------------------------------------------------------

    def _edges(
        self,
        session: Session,
        b: Batch,
        accounts: Mapping[str, int],
        handles: Mapping[str, str],
        posts: dict[str, tuple[int, int]],
        media: Mapping[str, int],
    ) -> None:
        targets = {
            r.target_post_id for p in b.posts for r in p.references if r.target_post_id not in posts
        }
        if targets:
            posts.update(known_posts(session, self.platform_id, sorted(targets)))
        refs: dict[tuple[int, str, str], tuple[Any, ...]] = {}
        mentions: dict[tuple[int, str], tuple[int, str, int]] = {}
        attached: set[tuple[int, int]] = set()
        for p in b.posts:
            if not (p.references or p.mentions or p.media_keys):
                continue
            post_id = posts[p.version_id][0]
            for r in p.references:
                target = posts.get(r.target_post_id)
                if r.target_account_id:
                    target_account: int | None = accounts[r.target_account_id]
                else:
                    target_account = target[1] if target else None
                refs[(post_id, r.kind, r.target_post_id)] = (
                    post_id,
                    r.kind,
                    r.target_post_id,
                    target[0] if target else None,
                    target_account,
                )
            for m in p.mentions:
                pid = m.account_id or handles[m.handle.lower()]
                mentions[(post_id, m.handle)] = (post_id, m.handle, accounts[pid])
            if p.media_keys:
                attached.update((post_id, media[k]) for k in p.media_keys)
        merge_rows(
            session,
            PostReference.__table__,  # type: ignore[arg-type]
            [refs[k] for k in sorted(refs)],
            keys=["post_id", "kind", "target_platform_post_id"],
            set_=lambda x, t: {
                "target_post_id": fill_blank(x, t, "target_post_id"),
                "target_account_id": fill_blank(x, t, "target_account_id"),
            },
            columns=_REFERENCE_COLUMNS,
        )
        merge_rows(
            session,
            Mention.__table__,  # type: ignore[arg-type]
            [mentions[k] for k in sorted(mentions)],
            keys=["post_id", "handle"],
            set_=lambda x, t: {"account_id": fill_blank(x, t, "account_id")},
            columns=("post_id", "handle", "account_id"),
        )
        merge_rows(
            session,
            PostMedia.__table__,  # type: ignore[arg-type]
            sorted(attached),
            keys=["post_id", "media_id"],
            set_=None,
            columns=("post_id", "media_id"),
        )

    def _follows(self, session: Session, b: Batch, accounts: Mapping[str, int]) -> None:
        rows: dict[tuple[int, int], dict[str, Any]] = {}
        for f in b.follows:
            key = (accounts[f.source_account_id], accounts[f.target_account_id])
            held = rows.get(key)
            if held is None:
                rows[key] = {
                    "source_id": key[0],
                    "target_id": key[1],
                    "first_seen": f.seen_at,
                    "last_seen": f.seen_at,
                }
            else:
                held["first_seen"] = min(held["first_seen"], f.seen_at)
                held["last_seen"] = max(held["last_seen"], f.seen_at)
        merge_rows(
            session,
            Follow.__table__,  # type: ignore[arg-type]
            [rows[k] for k in sorted(rows)],
            keys=["source_id", "target_id"],
            set_=lambda x, t: {
                "first_seen": earliest(x, t, "first_seen"),
                "last_seen": latest(x, t, "last_seen"),
            },
        )
