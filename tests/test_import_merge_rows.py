"""The import's merging upserts: many rows a statement on SQLite, the same rows as executemany."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from vigil.model import Account, Follow, Platform
from vigil.platforms.account_rows import ACCOUNT_COLUMNS, account_merge, stub_row
from vigil.platforms.merge_sql import MULTI_ROW_MAX, earliest, latest, merge_rows, select_in
from vigil.store import Database

T0 = datetime(2024, 1, 1, tzinfo=UTC)
N = 2 * MULTI_ROW_MAX + 517  # full statements, smaller powers of two, and an executemany tail


def _platform(db: Database) -> int:
    with db.transaction() as s:
        s.add(Platform(name="x", kind="x"))
    with db.session() as s:
        return int(s.execute(sa.select(Platform.id)).scalar_one())


def test_thousands_of_rows_are_written_and_merged_once_each(db: Database) -> None:
    platform = _platform(db)
    table: sa.Table = Account.__table__  # type: ignore[assignment]
    rows = [stub_row(platform, f"{i:05d}", "", T0 + timedelta(seconds=i)) for i in range(N)]
    with db.transaction() as s:
        ids = merge_rows(
            s,
            table,
            rows,
            keys=["platform_id", "platform_account_id"],
            set_=account_merge,
            returning=["id", "handle"],
            columns=ACCOUNT_COLUMNS,
        )
    assert len(ids) == N
    # Again with earlier sightings and handles: first_seen moves back, blank handles fill.
    again = [stub_row(platform, f"{i:05d}", f"h{i}", T0 - timedelta(days=1)) for i in range(N)]
    with db.transaction() as s:
        merge_rows(
            s,
            table,
            again,
            keys=["platform_id", "platform_account_id"],
            set_=account_merge,
            columns=ACCOUNT_COLUMNS,
        )
        found = select_in(
            s,
            table,
            ("platform_account_id", "id", "handle"),
            {"platform_id": platform},
            "platform_account_id",
            [f"{i:05d}" for i in range(N)],
        )
    assert sorted((pid, row_id) for pid, row_id, _ in found) == sorted(
        (pid, row[0]) for pid, row in ids.items()
    )
    assert {handle for _, _, handle in found} == {f"h{i}" for i in range(N)}
    with db.session() as s:
        first = s.execute(sa.select(sa.func.max(Account.first_seen))).scalar_one()
        count = s.execute(sa.select(sa.func.count()).select_from(Account)).scalar_one()
    assert count == N
    assert first == T0 - timedelta(days=1)


def test_mapping_rows_and_a_repeated_merge(db: Database) -> None:
    platform = _platform(db)
    accounts: sa.Table = Account.__table__  # type: ignore[assignment]
    with db.transaction() as s:
        ids = merge_rows(
            s,
            accounts,
            [stub_row(platform, str(i), "", T0) for i in range(40)],
            keys=["platform_id", "platform_account_id"],
            set_=account_merge,
            returning=["id"],
            columns=ACCOUNT_COLUMNS,
        )
    pairs = [(ids[str(i)][0], ids[str((i + 1) % 40)][0]) for i in range(40)]
    follow: sa.Table = Follow.__table__  # type: ignore[assignment]

    def write(seen: datetime) -> None:
        rows = [
            {"source_id": a, "target_id": b, "first_seen": seen, "last_seen": seen}
            for a, b in pairs
        ]
        with db.transaction() as s:
            merge_rows(
                s,
                follow,
                rows,
                keys=["source_id", "target_id"],
                set_=lambda x, t: {
                    "first_seen": earliest(x, t, "first_seen"),
                    "last_seen": latest(x, t, "last_seen"),
                },
            )

    write(T0)
    write(T0 + timedelta(hours=1))
    write(T0 - timedelta(hours=1))
    with db.session() as s:
        spans = set(s.execute(sa.select(Follow.first_seen, Follow.last_seen)).all())
    assert spans == {(T0 - timedelta(hours=1), T0 + timedelta(hours=1))}
