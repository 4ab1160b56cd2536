"""`vigil monitor` on the command line against `vigil sim serve`, and its interval option."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.monitor_world import build, list_on_x
from tests.support.sim_servers import sim_servers
from vigil.cli.monitor import parse_every
from vigil.config import Settings
from vigil.errors import InputError
from vigil.store import Database


def test_monitor_command_checks_what_is_due(
    db: Database,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup = build(n_listed=120, n_pool=0, seed=31)
    with db.transaction() as s:
        list_on_x(s, setup.listed)
    monkeypatch.setenv("VIGIL_HOME", str(settings.home))
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("VIGIL_X_BEARER_TOKEN", "sim-token")
    with sim_servers(tmp_path / "sim") as start:
        server = start(setup.world, x_rate_limits={"users_lookup": 1})
        args = ["monitor", "--platform", "x", "--api-base", server.url, "--advance-sim-clock"]
        first = run_cli(capsys, *args, "--format", "json")
        assert first.code == 0, first.err
        summary = json.loads(first.out)
        assert summary["checked"] == 120
        assert summary["api"]["rate_limit_waits"] == 1
        assert sum(summary["statuses"].values()) == 120
        again = run_cli(capsys, *args)
        assert again.code == 0
        assert "0 of 0 due accounts checked" in again.out


def test_every_takes_seconds_to_days() -> None:
    assert parse_every("1h") == timedelta(hours=1)
    assert parse_every("30m") == timedelta(minutes=30)
    assert parse_every("1.5d") == timedelta(days=1.5)
    with pytest.raises(InputError, match="--every"):
        parse_every("hourly")
