"""Profiles the parse process holds back: the store learns all the same, and when it should.

Users on page after page, their handles going back and forth and display names changing on
their own, pages out of time order: each handle's earliest and latest sighting and newest
display name, each account's newest profile and earliest sighting must all reach the store.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.import_pages import (
    T0,
    dump,
    page,
    spawned_fixture,  # noqa: F401  (fixture "spawned")
    store_fixture,  # noqa: F401  (fixture "store")
)
from vigil.model import Account, AccountHandle
from vigil.platforms import profile_hold
from vigil.platforms.file_imports import import_x_files
from vigil.platforms.line_reader import LineReader
from vigil.platforms.loader import Loader
from vigil.platforms.profile_hold import ProfileHold
from vigil.platforms.record_batch import Batch
from vigil.platforms.x_files import X_PLATFORM, XLineParser

PAGES = 40
USERS = 12


def _when(n: int) -> datetime:
    return T0 + timedelta(minutes=(n * 7 + 20) % PAGES)  # out of order, each its own time


def _handle(u: int, n: int) -> str:
    return f"u{u}_{(n // 4) % 2 if u % 4 else 0}"  # some back and forth between two


def _name(u: int, n: int) -> str:
    return f"Name {u} {n // 3}"  # changes apart from the handle


def _page(n: int) -> dict[str, Any]:
    users = [u for u in range(USERS) if (u + n) % 3]  # not every user on every page
    when = _when(n)
    return {
        "data": [
            {
                "id": str(7000 + n * USERS + u),
                "author_id": str(800 + u),
                "text": f"note {n} {u}",
                "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "edit_history_tweet_ids": [str(7000 + n * USERS + u)],
            }
            for u in users
        ],
        "includes": {
            "users": [
                {"id": str(800 + u), "username": _handle(u, n), "name": _name(u, n)} for u in users
            ]
        },
        "__twarc": {
            "url": "https://api.twitter.com/2/tweets/search/all",
            "retrieved_at": str(when),
        },
    }


def _file(path: Path, *, by_handle: bool = False) -> Path:
    rng = random.Random(3)
    with path.open("w") as out:
        for n in range(PAGES):
            out.write(json.dumps(_page(n)) + "\n")
            if by_handle and n % 9 == 4:  # mentions naming only a handle, now and then
                out.write(json.dumps(page(n, rng, by_handle=True)) + "\n")
    return path


def _expected_handles() -> dict[tuple[str, str], tuple[str, datetime, datetime]]:
    """(account, handle) -> (newest display name, first seen, last seen), from the pages."""
    out: dict[tuple[str, str], tuple[str, datetime, datetime]] = {}
    for n in sorted(range(PAGES), key=_when):
        for u in range(USERS):
            if (u + n) % 3:
                key = (str(800 + u), _handle(u, n))
                first = out[key][1] if key in out else _when(n)
                out[key] = (_name(u, n), first, _when(n))
    return out


def _stored_handles(db: Any) -> dict[tuple[str, str], tuple[str, datetime, datetime]]:
    with db.session() as session:
        rows = session.execute(
            sa.select(
                Account.platform_account_id,
                AccountHandle.handle,
                AccountHandle.display_name,
                AccountHandle.first_seen,
                AccountHandle.last_seen,
            ).join(Account, Account.id == AccountHandle.account_id)
        ).all()
    return {(r[0], r[1]): (r[2], _utc(r[3]), _utc(r[4])) for r in rows}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=T0.tzinfo)


@pytest.mark.parametrize("by_handle", [False, True])
def test_the_parse_process_sends_every_handle_name_and_time(
    store: Any, tmp_path: Path, spawned: list[Any], by_handle: bool
) -> None:
    data = _file(tmp_path / "pages.jsonl", by_handle=by_handle)
    serial_settings, serial_db = store("serial")
    apart_settings, apart_db = store("apart")
    import_x_files(serial_db, serial_settings, [data], batch_records=25, parse_apart=False)
    import_x_files(apart_db, apart_settings, [data], batch_records=25, parse_apart=True)
    assert len(spawned) == 1
    assert dump(apart_db) == dump(serial_db)
    stored = {k: v for k, v in _stored_handles(apart_db).items() if k[0].startswith("8")}
    assert stored == _expected_handles()
    with apart_db.session() as session:
        accounts = {
            a.platform_account_id: a
            for a in session.scalars(sa.select(Account).where(Account.handle.like("u%")))
        }
    for u in range(USERS):
        shown = [n for n in range(PAGES) if (u + n) % 3]
        last = max(shown, key=_when)
        account = accounts[str(800 + u)]
        assert (account.handle, account.display_name) == (_handle(u, last), _name(u, last))
        assert _utc(account.first_seen) == min(map(_when, shown))


def _batches(path: Path) -> list[Batch]:
    parser = XLineParser(fallback_time=T0)
    with path.open("rb") as stream:
        return [c.batch for c in LineReader(parser, 25).stream(stream) if c.batch is not None]


@pytest.mark.parametrize(("by_handle", "limit"), [(False, 100_000), (True, 100_000), (False, 30)])
def test_held_profiles_store_what_every_profile_stores(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by_handle: bool, limit: int
) -> None:
    """Held back, sent before a batch with handles to resolve and once the writer could
    flush (a low `limit`): the same rows, row ids and handle history as every profile."""
    monkeypatch.setattr(profile_hold, "_RENAMED_MERGE", 3)  # merged as they come
    data = _file(tmp_path / "pages.jsonl", by_handle=by_handle)
    _, whole_db = store("whole")
    _, held_db = store("held")
    with Loader(whole_db, X_PLATFORM) as loader:
        loader._accounts.pending_limit = limit
        for batch in _batches(data):
            loader.load(batch)
    hold = ProfileHold(None, limit=limit)
    sent = 0
    with Loader(held_db, X_PLATFORM) as loader:
        loader._accounts.pending_limit = limit
        for batch in _batches(data):
            held, rest = hold.take(batch)
            for b in (held, rest):
                if b is not None:
                    sent += len(b.accounts)
                    loader.load(b)
        last = hold.release()
        if last is not None:
            sent += len(last.accounts)
            loader.load(last)
    assert dump(held_db) == dump(whole_db)
    everyone = sum(len(b.accounts) for b in _batches(data))
    assert sent < everyone * (0.9 if limit > 100 else 1)  # it did hold some back
    assert not hold.holding if limit < 100 else hold.holding
