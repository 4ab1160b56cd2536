"""X API v2 pages made up for import tests, and views of what an import stored.

Pages rename users every third page, edit tweets and (optionally) mention handles without
ids; the views read stores back whole or by the platforms' ids, and processes from /proc.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import fresh_database_url
from tests.support.data import X_API_DATA
from vigil.config import Settings
from vigil.model import Account, AccountHandle, Post
from vigil.model.base import Base
from vigil.platforms import importer, parse_worker
from vigil.platforms.import_summary import ImportSummary
from vigil.store import Database, open_database

T0 = datetime(2024, 5, 1, tzinfo=UTC)
# Columns the store fills with the time of writing, not with anything imported.
WRITE_TIMES = {"recorded_at", "fetched_at"}


def user(uid: int, handle: str, when: datetime) -> dict[str, Any]:
    return {
        "id": str(900 + uid),
        "username": handle,
        "name": f"Name {handle}",
        "description": "notes",
        "created_at": "2015-05-18T13:02:24.000Z",
        "public_metrics": {"followers_count": uid, "following_count": 1, "tweet_count": 2},
        "withheld": {"country_codes": ["DE"]} if uid % 7 == 0 else None,
    }


def page(
    n: int, rng: random.Random, *, tweets: int = 20, users: int = 30, by_handle: bool = True
) -> dict[str, Any]:
    """A search page; users change handle every few pages, tweets get edited, and (with
    `by_handle`) a third of the mentions name a handle without an id."""
    when = T0 + timedelta(minutes=n)
    data = []
    named: set[int] = set()
    for i in range(tweets):
        tid = 5000 + n * tweets + i
        author = rng.randrange(users)
        mentioned = rng.randrange(users)
        named.update((author, mentioned))
        history = [str(tid)]
        if i == 0 and n > 0:  # an edit of the second tweet of the page before
            history = [str(5000 + (n - 1) * tweets + 1), str(tid)]
        tweet: dict[str, Any] = {
            "id": str(tid),
            "author_id": str(900 + author),
            "text": f"@h{mentioned}_{n // 3} report {tid} https://t.co/x{tid % 5}",
            "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "edit_history_tweet_ids": history,
            "entities": {
                "mentions": [
                    {"start": 0, "end": 5, "username": f"h{mentioned}_{n // 3}"}
                    | ({"id": str(900 + mentioned)} if tid % 3 or not by_handle else {})
                ],
                "urls": [
                    {
                        "start": 20,
                        "end": 30,
                        "url": f"https://t.co/x{tid % 5}",
                        "expanded_url": f"https://news{tid % 5}.example/a",
                    }
                ],
            },
            "attachments": {"media_keys": [f"3_{tid}"]} if tid % 4 == 0 else {},
        }
        if tid % 5 == 0 and tid > 5000:
            tweet["referenced_tweets"] = [{"type": "quoted", "id": str(tid - 1)}]
        data.append(tweet)
    return {
        "data": data,
        "includes": {"users": [user(u, f"h{u}_{n // 3}", when) for u in sorted(named)]},
        "__twarc": {
            "url": "https://api.twitter.com/2/tweets/search/all",
            "retrieved_at": str(when),
        },
    }


def followers(n: int, users: int = 30) -> dict[str, Any]:
    """Who follows account 900 + n, as a page of users."""
    when = T0 + timedelta(minutes=n, seconds=30)
    listed = [user(u, f"h{u}_{n // 3}", when) for u in range(n % 3, users, 3)]
    url = f"https://api.twitter.com/2/users/{900 + n}/followers?max_results=1000"
    return {"data": listed, "__twarc": {"url": url, "retrieved_at": f"{when}"}}


def mixed_file(path: Path, pages: int) -> Path:
    """Shared samples, generated pages and follower lists, a blank line, lines to quarantine."""
    rng = random.Random(4)
    with path.open("wb") as out:
        for sample in sorted(X_API_DATA.glob("*.jsonl")):
            out.write(sample.read_bytes().rstrip(b"\n") + b"\n")
        for n in range(pages):
            out.write(json.dumps(page(n, rng)).encode() + b"\n")
            if n % 10 == 0:
                out.write(json.dumps(followers(n)).encode() + b"\n")
            if n == pages // 2:
                out.write(b'\n{"hello": "world"}\n\xff\xfe not text\n{"data": [1]\n')
    return path


def profile_handles(path: Path, uid: str) -> set[str]:
    found = set()
    for line in path.read_bytes().splitlines():
        try:
            page = json.loads(line)
        except ValueError:
            continue
        users = page.get("includes", {}).get("users", []) if isinstance(page, dict) else []
        found |= {u["username"] for u in users if u["id"] == uid}
    return found


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table an import writes, row ids included (the order of writes)."""
    out = {}
    with db.session() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in ("audit_event", "audit_head"):  # their hashes cover times
                continue
            columns = [c for c in table.columns if c.name not in WRITE_TIMES]
            rows = session.execute(sa.select(*columns).order_by(*table.primary_key)).all()
            if rows:
                out[table.name] = [tuple(r) for r in rows]
    return out


def quarantined(summary: ImportSummary) -> list[dict[str, Any]]:
    found = []
    for f in summary.files:
        if f.quarantine_file:
            found += [json.loads(line) for line in Path(f.quarantine_file).read_text().splitlines()]
    return found


def summary_of(summary: ImportSummary) -> dict[str, Any]:
    out = summary.to_dict()
    for f in out["files"]:
        del f["seconds"], f["quarantine_file"]
    return out


def content(db: Database) -> dict[str, set[tuple[Any, ...]]]:
    """What an import stored, by the platforms' ids (row ids differ after a rolled-back batch)."""
    with db.session() as s:
        return {
            "accounts": set(
                s.execute(
                    sa.select(
                        Account.platform_account_id,
                        Account.handle,
                        Account.display_name,
                        Account.first_seen,
                        Account.last_seen,
                        Account.profile_seen_at,
                    )
                ).all()
            ),
            "handles": set(
                s.execute(
                    sa.select(
                        Account.platform_account_id,
                        AccountHandle.handle,
                        AccountHandle.first_seen,
                        AccountHandle.last_seen,
                    ).join(Account, Account.id == AccountHandle.account_id)
                ).all()
            ),
            "posts": set(
                s.execute(
                    sa.select(
                        Post.platform_post_id,
                        Post.text,
                        Post.version_count,
                        Post.first_seen,
                        Post.last_seen,
                    )
                ).all()
            ),
        }


def children(pid: int) -> list[int]:
    return [c for c in processes() if stat(c)[1] == pid]


def processes() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def stat(pid: int) -> tuple[str, int]:
    """A process's state letter and parent id ("" and 0 once it is gone)."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return "", 0
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    return stat(pid)[0] not in ("", "Z")  # a zombie has ended, only not been waited for


@pytest.fixture(name="store")
def store_fixture(request: pytest.FixtureRequest, tmp_path: Path, dialect: str) -> Iterator[Any]:
    """Makes fresh stores of the test's dialect: (settings, database)."""
    opened: list[Database] = []

    def make(name: str) -> tuple[Settings, Database]:
        folder = tmp_path / name
        url = fresh_database_url(request, folder, dialect)
        settings = Settings(home=folder / "home", database_url=url)
        db = open_database(settings)
        opened.append(db)
        return settings, db

    yield make
    for db in opened:
        db.dispose()


@pytest.fixture(name="spawned")
def spawned_fixture(monkeypatch: pytest.MonkeyPatch) -> list[parse_worker.ParseProcess]:
    """The parse processes the importer starts."""
    started: list[parse_worker.ParseProcess] = []

    class Recorded(parse_worker.ParseProcess):
        def __enter__(self) -> parse_worker.ParseProcess:
            started.append(self)
            return super().__enter__()

    monkeypatch.setattr(importer, "ParseProcess", Recorded)
    return started
