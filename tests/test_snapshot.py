"""Parquet snapshots round-trip on both databases: every row, id and JSON value comes back,
files are verified against the manifest, and imports refuse a store that has data."""

from __future__ import annotations

import json
from pathlib import Path

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

    target = open_database(Settings(database_url=fresh_database_url(request, tmp_path, dialect)))
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
    monkeypatch.setenv("VIGIL_DATABASE_URL", fresh_database_url(request, tmp_path, dialect))
    r = run_cli(capsys, "snapshot", "import", str(out))
    assert r.code == 0, r.err
    assert "account" in r.out
    assert run_cli(capsys, "snapshot", "import", str(out)).code == 5
