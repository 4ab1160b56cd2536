"""The store contract, run on SQLite and on a real PostgreSQL server alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from vigil.model import (
    Account,
    AccountHandle,
    Follow,
    Platform,
    Post,
    PostVersion,
    Signal,
    StatusObservation,
)
from vigil.store import Database, append, current_revision, head_revision, upsert

T0 = datetime(2026, 9, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _platform(db: Database, name: str = "x") -> int:
    with db.transaction() as session:
        platform = Platform(name=name, kind=name)
        session.add(platform)
        session.flush()
        return platform.id


def test_schema_is_at_head(db: Database) -> None:
    assert current_revision(db) == head_revision()


def test_account_round_trip_keeps_aware_times_and_unicode(db: Database) -> None:
    pid = _platform(db)
    name = "<script>alert(1)</script> \u202eevil \u0627\u0644\u062f\u0648\u0644\u0629"
    with db.transaction() as session:
        acc = Account(
            platform_id=pid,
            platform_account_id="1234567890123456789",
            handle="someone",
            display_name=name,
            created_at=T0,
            followers_count=10**12,
            withheld_in=["DE", "FR"],
        )
        session.add(acc)
    with db.session() as session:
        got = session.execute(sa.select(Account)).scalar_one()
    assert got.display_name == name
    assert got.created_at == T0
    assert got.created_at is not None
    assert got.created_at.tzinfo is not None
    assert got.followers_count == 10**12
    assert got.withheld_in == ["DE", "FR"]


def test_naive_datetimes_are_refused(db: Database) -> None:
    pid = _platform(db)
    with pytest.raises(sa.exc.StatementError), db.transaction() as session:
        session.add(
            Account(
                platform_id=pid,
                platform_account_id="1",
                handle="a",
                created_at=datetime(2026, 1, 1),
            )
        )


def test_account_is_unique_per_platform_id(db: Database) -> None:
    x = _platform(db, "x")
    m = _platform(db, "mastodon")
    with db.transaction() as session:
        session.add(Account(platform_id=x, platform_account_id="42", handle="a"))
        session.add(Account(platform_id=m, platform_account_id="42", handle="a"))
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(Account(platform_id=x, platform_account_id="42", handle="renamed"))


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(Follow(source_id=999, target_id=998))
        session.flush()


def test_handle_history_and_post_versions(db: Database) -> None:
    pid = _platform(db)
    with db.transaction() as session:
        acc = Account(platform_id=pid, platform_account_id="7", handle="new_name")
        session.add(acc)
        session.flush()
        session.add_all(
            [
                AccountHandle(account_id=acc.id, handle="old_name", first_seen=T0, last_seen=T0),
                AccountHandle(
                    account_id=acc.id,
                    handle="new_name",
                    first_seen=T0 + timedelta(days=3),
                    last_seen=T0 + timedelta(days=3),
                ),
            ]
        )
        post = Post(platform_id=pid, platform_post_id="p1", account_id=acc.id, text="v2")
        session.add(post)
        session.flush()
        session.add_all(
            [
                PostVersion(post_id=post.id, platform_version_id="p0", text="v1", created_at=T0),
                PostVersion(
                    post_id=post.id,
                    platform_version_id="p1",
                    text="v2",
                    created_at=T0 + timedelta(minutes=5),
                ),
            ]
        )
    with db.session() as session:
        acc = session.execute(sa.select(Account)).scalar_one()
        assert [h.handle for h in acc.handles] == ["old_name", "new_name"]
        post = session.execute(sa.select(Post)).scalar_one()
        assert [v.text for v in post.versions] == ["v1", "v2"]


def test_upsert_returns_ids_in_input_order_and_updates(db: Database) -> None:
    pid = _platform(db)
    rows = [
        {"platform_id": pid, "platform_account_id": str(i), "handle": f"h{i}", "last_seen": T0}
        for i in range(2500)
    ]
    with db.transaction() as session:
        first = upsert(
            session,
            Account,
            rows,
            keys=["platform_id", "platform_account_id"],
            update=["handle", "last_seen"],
            returning=["id", "platform_account_id"],
        )
    assert [r.platform_account_id for r in first] == [str(i) for i in range(2500)]
    ids = {r.platform_account_id: r.id for r in first}
    later = T0 + timedelta(days=1)
    again = [
        {
            "platform_id": pid,
            "platform_account_id": str(i),
            "handle": f"renamed{i}",
            "last_seen": later,
        }
        for i in (7, 3000, 2)
    ]
    with db.transaction() as session:
        second = upsert(
            session,
            Account,
            again,
            keys=["platform_id", "platform_account_id"],
            update=["handle", "last_seen"],
            returning=["id", "platform_account_id"],
        )
    assert [r.platform_account_id for r in second] == ["7", "3000", "2"]
    assert second[0].id == ids["7"]
    assert second[2].id == ids["2"]
    assert second[1].id not in ids.values()
    with db.session() as session:
        count = session.execute(sa.select(sa.func.count(Account.id))).scalar_one()
        renamed = session.execute(
            sa.select(Account.handle, Account.last_seen).where(Account.platform_account_id == "7")
        ).one()
    assert count == 2501
    assert renamed.handle == "renamed7"
    assert renamed.last_seen == later


def test_upsert_do_nothing_keeps_existing_rows(db: Database) -> None:
    pid = _platform(db)
    with db.transaction() as session:
        upsert(
            session,
            Account,
            [{"platform_id": pid, "platform_account_id": "1", "handle": "first"}],
            keys=["platform_id", "platform_account_id"],
        )
        upsert(
            session,
            Account,
            [{"platform_id": pid, "platform_account_id": "1", "handle": "second"}],
            keys=["platform_id", "platform_account_id"],
        )
    with db.session() as session:
        assert session.execute(sa.select(Account.handle)).scalars().all() == ["first"]


def test_append_streams_rows_with_json_and_times(db: Database) -> None:
    pid = _platform(db)
    with db.transaction() as session:
        acc = Account(platform_id=pid, platform_account_id="1", handle="a")
        session.add(acc)
        session.flush()
        n = append(
            session,
            StatusObservation,
            ["account_id", "status", "observed_at", "source", "detail", "recorded_at"],
            (
                (
                    acc.id,
                    "suspended" if i % 2 else "active",
                    T0 + timedelta(hours=i),
                    "monitor",
                    {"raw": {"title": "Forbidden", "i": i}},
                    T0,
                )
                for i in range(5000)
            ),
        )
        m = append(
            session,
            Signal,
            ["account_id", "name", "version", "value", "explanation", "evidence", "computed_at"],
            [(acc.id, "text", "1", 0.5, "matched 'x'", {"posts": [1, 2]}, T0)],
        )
    assert (n, m) == (5000, 1)
    with db.session() as session:
        rows = (
            session.execute(sa.select(StatusObservation).order_by(StatusObservation.observed_at))
            .scalars()
            .all()
        )
        signal = session.execute(sa.select(Signal)).scalar_one()
    assert len(rows) == 5000
    assert rows[1].status == "suspended"
    assert rows[1].detail == {"raw": {"title": "Forbidden", "i": 1}}
    assert rows[-1].observed_at == T0 + timedelta(hours=4999)
    assert signal.evidence == {"posts": [1, 2]}


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_sqlite_runs_in_wal_mode(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
