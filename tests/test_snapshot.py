"""Parquet snapshots round-trip on both databases: every row, id and JSON value comes back,
files are verified against the manifest, and imports refuse a store that has data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import fresh_database_url
from tests.support.cli import run_cli
from tests.support.signal_store import T0, Builder, generated_world, import_world
from vigil.batch.snapshot import SNAPSHOT_TABLES, export_snapshot, import_snapshot
from vigil.config import Settings
from vigil.errors import ConflictError, InputError
from vigil.model import Account, AuditEvent, Base, Media, PostMedia, StatusObservation, utcnow
from vigil.store import Database, open_database

pytest.importorskip("pyarrow", reason="snapshots need pyarrow (pip install pyarrow)")


def _dump(db: Database) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with db.engine.connect() as conn:
        for name in SNAPSHOT_TABLES:
            table = Base.metadata.tables[name]
            cols = [c for c in table.c if c.name != "local_path"]
            rows = conn.execute(sa.select(*cols).order_by(*table.primary_key.columns)).all()
            out[name] = [tuple(r) for r in rows]
    return out


@pytest.fixture
def filled(db: Database, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Database:
    import_world(db, settings, generated_world(tmp_path_factory.getbasetemp()))
    with db.transaction() as s:
        account_id = s.scalar(sa.select(sa.func.min(Account.id)))
        media = Media(
            kind="photo",
            sha256="ab" * 32,
            pdq="f" * 64,
            pdq_quality=88,
            pdq_variants=[{"variant": "crop", "pdq": "0" * 64, "quality": 70}],
            local_path="/somewhere/only/here.jpg",
            width=10,
            height=20,
            fetched_at=utcnow(),
        )
        s.add(media)
        s.flush()
        first_post = s.scalar(sa.text("SELECT min(id) FROM post"))
        s.add(PostMedia(post_id=first_post, media_id=media.id))
        s.add(
            StatusObservation(
                account_id=account_id,
                status="suspended",
                observed_at=utcnow(),
                source="monitor",
                detail={"http": 403, "note": "تعليق \u202e"},
            )
        )
    return db


def test_round_trip_keeps_every_row(
    filled: Database, request: pytest.FixtureRequest, tmp_path: Path, dialect: str
) -> None:
    out = tmp_path / "snap"
    manifest = export_snapshot(filled, out, batch_rows=500)
    assert set(manifest.tables) == set(SNAPSHOT_TABLES)
    assert manifest.tables["post"]["rows"] > 1000
    assert manifest.tables["follow"]["rows"] > 0
    assert "local_path" not in manifest.tables["media"]["columns"]
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk["tables"]["account"]["sha256"] == manifest.tables["account"]["sha256"]

    target = open_database(
        Settings(database_url=fresh_database_url(request, tmp_path / "target", dialect))
    )
    try:
        imported = import_snapshot(target, out, batch_rows=700)
        assert imported.rows() == manifest.rows()
        assert _dump(target) == _dump(filled)
        with target.session() as s:
            media = s.scalars(sa.select(Media).where(Media.sha256 == "ab" * 32)).one()
            assert media.pdq_variants == [{"variant": "crop", "pdq": "0" * 64, "quality": 70}]
            assert media.local_path is None
            actions = s.scalars(sa.select(AuditEvent.action)).all()
        assert actions == ["snapshot.import"]
        with target.transaction() as s:  # sequences moved past the imported ids
            s.add(Account(platform_id=1, platform_account_id="new", handle="new"))
        again = tmp_path / "again"
        export_snapshot(target, again, batch_rows=500)
        with pytest.raises(ConflictError, match="already holds"):
            import_snapshot(target, out)
    finally:
        target.dispose()
    rows = json.loads((again / "manifest.json").read_text())["tables"]
    assert rows["post"]["sha256"] == manifest.tables["post"]["sha256"]
    assert rows["account"]["rows"] == manifest.tables["account"]["rows"] + 1


@pytest.fixture
def small(db: Database) -> Database:
    with db.transaction() as s:
        b = Builder(s)
        b.accounts("ana", "bob")
        b.follow("ana", "bob")
        b.retweet("bob", b.post("ana", T0, text="hello"), T0)
        b.mention("ana", "bob", T0)
    return db


def test_tampered_or_foreign_directories_are_refused(small: Database, tmp_path: Path) -> None:
    filled = small
    out = tmp_path / "snap"
    export_snapshot(filled, out)
    with pytest.raises(ConflictError, match="not empty"):
        export_snapshot(filled, out)
    with (out / "follow.parquet").open("ab") as fh:
        fh.write(b"x")
    with pytest.raises(InputError, match="SHA-256"):
        import_snapshot(filled, out)
    with pytest.raises(InputError, match="manifest"):
        import_snapshot(filled, tmp_path)


def test_cli_export_and_import(
    small: Database,
    settings: Settings,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    dialect: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VIGIL_HOME", str(settings.home))
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    out = tmp_path / "cli-snap"
    r = run_cli(capsys, "snapshot", "export", "--out", str(out), "--format", "json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["tables"]["account"]["rows"] > 0
    monkeypatch.setenv(
        "VIGIL_DATABASE_URL", fresh_database_url(request, tmp_path / "target", dialect)
    )
    r = run_cli(capsys, "snapshot", "import", str(out))
    assert r.code == 0, r.err
    assert "account" in r.out
    assert run_cli(capsys, "snapshot", "import", str(out)).code == 5


def _stored(db: Database, name: str) -> list[tuple[object, ...]]:
    """What the SQLite file holds, before any type processing; JSON text compared parsed
    (key order and escapes differ), SQL NULL kept apart from JSON null."""
    table = Base.metadata.tables[name]
    cols = [c for c in table.c if c.name != "local_path"]
    keys = ", ".join(c.name for c in table.primary_key.columns)
    json_at = {i for i, c in enumerate(cols) if isinstance(c.type, sa.JSON)}
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT {', '.join(c.name for c in cols)} FROM {name} ORDER BY {keys}"
        ).all()
    return [
        tuple(
            ("json", json.loads(v)) if i in json_at and v is not None else v
            for i, v in enumerate(row)
        )
        for row in rows
    ]


def _indexes(db: Database) -> list[tuple[str, str]]:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ).all()
    return [(str(name), str(sql)) for name, sql in rows]


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sqlite_bulk_path_stores_what_the_store_held(
    filled: Database, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    out = tmp_path / "snap"
    export_snapshot(filled, out, batch_rows=500)
    target = open_database(
        Settings(database_url=fresh_database_url(request, tmp_path / "target", "sqlite"))
    )
    try:
        before = _indexes(target)
        import_snapshot(target, out, batch_rows=700)
        for name in SNAPSHOT_TABLES:
            assert _stored(target, name) == _stored(filled, name), name
        assert _indexes(target) == before
        with target.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -2000
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        target.dispose()


def _rewrite(snap: Path, name: str, change: Callable[[Any], Any]) -> None:
    """Replace one table's file and fix the manifest, as a careless tool would."""
    import pyarrow.parquet as pq

    path = snap / f"{name}.parquet"
    table = change(pq.read_table(path))
    pq.write_table(table, path)
    manifest = json.loads((snap / "manifest.json").read_text())
    manifest["tables"][name]["rows"] = table.num_rows
    manifest["tables"][name]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (snap / "manifest.json").write_text(json.dumps(manifest))


def test_a_failed_import_leaves_the_store_as_it_was(
    filled: Database, request: pytest.FixtureRequest, tmp_path: Path, dialect: str
) -> None:
    import pyarrow as pa

    out = tmp_path / "snap"
    export_snapshot(filled, out, batch_rows=500)
    # Every follow twice: the unique (source, target) pair fails after posts are in.
    _rewrite(out, "follow", lambda t: pa.concat_tables([t, t]))
    target = open_database(
        Settings(database_url=fresh_database_url(request, tmp_path / "target", dialect))
    )
    try:
        before = _indexes(target) if dialect == "sqlite" else []
        with pytest.raises(InputError, match=r"follow\.parquet: rows do not fit the store"):
            import_snapshot(target, out, batch_rows=700)
        with target.engine.connect() as conn:
            for name in SNAPSHOT_TABLES:
                table = Base.metadata.tables[name]
                assert conn.scalar(sa.select(sa.func.count()).select_from(table)) == 0, name
        if dialect == "sqlite":
            assert _indexes(target) == before
        clean = tmp_path / "clean"
        export_snapshot(filled, clean)
        import_snapshot(target, clean)
        assert _dump(target) == _dump(filled)
    finally:
        target.dispose()
