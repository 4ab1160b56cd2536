"""`vigil doctor` on both databases: each check fails for its own reason, credentials are
probed against `vigil sim serve`, and the command exits 1 with one line per failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from tests.support.sim_servers import sim_servers
from vigil.config import Settings
from vigil.model import utcnow
from vigil.model.jobs import Job
from vigil.store import Database, record
from vigil.worker.doctor import Check, run_checks


@pytest.fixture(scope="module")
def sim_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with sim_servers(tmp_path_factory.mktemp("sim")) as start:
        yield start(token="good-token").url


def _key(home: Path, mode: int = 0o600) -> Path:
    (home / "keys").mkdir(parents=True, exist_ok=True)
    key = home / "keys" / "ed25519.key"
    key.write_bytes(b"\0" * 32)
    key.chmod(mode)
    (home / "keys" / "ed25519.pub").write_bytes(b"\1" * 32)
    return key


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_healthy_deployment_passes(db: Database, settings: Settings, sim_url: str) -> None:
    _key(settings.home)
    env = {
        "VIGIL_X_BEARER_TOKEN": "good-token",
        "VIGIL_X_API_BASE": sim_url,
        "VIGIL_MASTODON_TOKEN": "good-token",
        "VIGIL_MASTODON_URL": sim_url,
        "VIGIL_BLUESKY_HANDLE": "vigil-team",
        "VIGIL_BLUESKY_PASSWORD": "good-token",
        "VIGIL_BLUESKY_URL": sim_url,
    }
    checks = _by_name(run_checks(settings, env=env))
    assert {c.status for c in checks.values()} == {"ok"}, checks
    assert set(checks) == {
        "database",
        "schema",
        "clock",
        "workers",
        "keys",
        "x",
        "mastodon",
        "bluesky",
    }
    assert "good-token" not in json.dumps([c.to_dict() for c in checks.values()])


def test_bad_credentials_and_unreachable_bases_fail(settings: Settings, sim_url: str) -> None:
    env = {
        "VIGIL_X_BEARER_TOKEN": "wrong",
        "VIGIL_X_API_BASE": sim_url,
        "VIGIL_MASTODON_TOKEN": "good-token",
        "VIGIL_MASTODON_URL": "http://127.0.0.1:9",  # discard port: nothing listens
        "VIGIL_BLUESKY_PASSWORD": "good-token",  # handle missing
    }
    checks = _by_name(run_checks(settings, env=env))
    assert checks["x"].status == "fail"
    assert "refused" in checks["x"].detail
    assert checks["mastodon"].status == "fail"
    assert "unreachable" in checks["mastodon"].detail
    assert checks["bluesky"].status == "fail"
    assert "wrong" not in checks["x"].detail


def test_key_mode_missing_key_and_stale_jobs(db: Database, settings: Settings) -> None:
    checks = _by_name(run_checks(settings, env={}))
    assert checks["keys"].status == "fail"
    assert {checks[p].status for p in ("x", "mastodon", "bluesky")} == {"skip"}
    _key(settings.home, mode=0o644)
    assert "chmod 600" in _by_name(run_checks(settings, env={}))["keys"].detail
    with db.transaction() as s:
        s.add(
            Job(
                kind="noop",
                payload={},
                status="running",
                created_by="t",
                lease_expires_at=utcnow() - timedelta(hours=1),
            )
        )
    assert _by_name(run_checks(settings, env={}))["workers"].status == "warn"


def test_clock_behind_the_audit_log_fails(db: Database, settings: Settings) -> None:
    with db.transaction() as s:
        record(s, actor="t", action="test", subject="x", ts=utcnow() + timedelta(hours=2))
    clock = _by_name(run_checks(settings, env={}))["clock"]
    assert clock.status == "fail"
    assert "behind" in clock.detail


def test_unmigrated_and_unreachable_databases(db: Database, settings: Settings) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0009'"))
    schema = _by_name(run_checks(settings, env={}))["schema"]
    assert schema.status == "fail"
    assert "vigil init" in schema.detail
    if db.dialect == "postgresql":
        gone = settings.with_database(settings.effective_database_url + "_missing")
    else:
        gone = Settings(home=settings.home / "nowhere")
    checks = _by_name(run_checks(gone, env={}))
    assert checks["database"].status == "fail"
    assert checks["clock"].status == "skip"
    assert not (settings.home / "nowhere" / "vigil.db").exists()


def test_cli_exits_1_with_one_line_per_failure(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("VIGIL_X_BEARER_TOKEN", "VIGIL_MASTODON_TOKEN", "VIGIL_BLUESKY_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VIGIL_HOME", str(settings.home))
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    r = run_cli(capsys, "doctor", "--format", "json")
    assert r.code == 1
    data = json.loads(r.out)
    assert data["ok"] is False
    assert r.err.strip().splitlines() == [
        "vigil doctor: keys: " + _by_name([Check(**c) for c in data["checks"]])["keys"].detail
    ]
    _key(settings.home)
    r = run_cli(capsys, "doctor")
    assert r.code == 0
    assert "schema" in r.out
    assert r.err == ""
