"""Bulk writes into the store: `upsert` and `append` against the plain ORM as baseline.

On PostgreSQL (a throwaway cluster, as in the tests) `append` uses COPY; its baseline is
the same rows through executemany.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from vigil.config import Settings
from vigil.model import Account, Platform, StatusObservation
from vigil.store import Database, append, open_database, upgrade, upsert

N_ACCOUNTS = 100_000
N_OBS = 200_000
T0 = datetime(2026, 9, 1, tzinfo=UTC)


def _fresh(url: str | None, home: Path) -> Database:
    db = open_database(Settings(home=home, database_url=url))
    upgrade(db)
    return db


def _accounts(pid: int, tag: str) -> list[dict[str, Any]]:
    return [
        {"platform_id": pid, "platform_account_id": f"{tag}{i}", "handle": f"h{i}", "last_seen": T0}
        for i in range(N_ACCOUNTS)
    ]


def _measure(db: Database) -> dict[str, float]:
    with db.transaction() as s:
        pid = Platform(name="x", kind="x")
        s.add(pid)
        s.flush()
        platform_id = pid.id
    started = time.perf_counter()
    with db.transaction() as s:
        s.add_all(Account(**row) for row in _accounts(platform_id, "orm"))
    orm = time.perf_counter() - started
    started = time.perf_counter()
    with db.transaction() as s:
        upsert(
            s, Account, _accounts(platform_id, "bulk"), keys=["platform_id", "platform_account_id"]
        )
    bulk = time.perf_counter() - started
    with db.session() as s:
        acc_id = s.execute(sa.select(Account.id).limit(1)).scalar_one()
    rows = [(acc_id, "active", T0 + timedelta(seconds=i), "monitor", {}, T0) for i in range(N_OBS)]
    cols = ["account_id", "status", "observed_at", "source", "detail", "recorded_at"]
    started = time.perf_counter()
    with db.transaction() as s:
        s.execute(
            StatusObservation.__table__.insert(), [dict(zip(cols, r, strict=True)) for r in rows]
        )
    many = time.perf_counter() - started
    started = time.perf_counter()
    with db.transaction() as s:
        append(s, StatusObservation, cols, rows)
    appended = time.perf_counter() - started
    return {
        "orm_accounts_per_s": round(N_ACCOUNTS / orm),
        "upsert_accounts_per_s": round(N_ACCOUNTS / bulk),
        "upsert_vs_orm": round(orm / bulk, 2),
        "executemany_rows_per_s": round(N_OBS / many),
        "append_rows_per_s": round(N_OBS / appended),
        "append_vs_executemany": round(many / appended, 2),
    }


def run() -> dict[str, object]:
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = _fresh(None, Path(tmp))
        try:
            for k, v in _measure(db).items():
                out[f"sqlite_{k}"] = v
        finally:
            db.dispose()
    from tests.support.postgres import ThrowawayPostgres

    server = ThrowawayPostgres()
    server.start()
    try:
        db = _fresh(server.url("postgres"), Path(tempfile.gettempdir()))
        try:
            for k, v in _measure(db).items():
                out[f"postgresql_{k}"] = v
        finally:
            db.dispose()
    finally:
        server.stop()
    return out
