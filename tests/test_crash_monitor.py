"""Crash safety of monitoring: `kill -9` of `vigil monitor` against the sim's X API midway;
the restart checks what is left, and every listed account ends with one observation."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.cli import run_cli
from tests.support.monitor_world import build, list_on_x
from tests.support.sim_servers import sim_servers
from vigil.config import Settings
from vigil.model.monitor import StatusObservation
from vigil.store import Database

VIGIL = str(Path(sys.executable).parent / "vigil")
pytestmark = pytest.mark.slow
LISTED = 600


def _observations(db: Database) -> dict[int, int]:
    with db.session() as session:
        rows = session.execute(
            select(StatusObservation.account_id, func.count())
            .where(StatusObservation.source == "monitor")
            .group_by(StatusObservation.account_id)
        ).all()
    return {int(a): int(n) for a, n in rows}


def test_monitor_killed_then_restarted_checks_each_account_once(
    db: Database,
    settings: Settings,
    dialect: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup = build(n_listed=LISTED, n_pool=0, seed=7)
    with db.transaction() as s:
        list_on_x(s, setup.listed)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "VIGIL_HOME": str(settings.home),
        "VIGIL_DATABASE_URL": settings.effective_database_url,
        "VIGIL_X_BEARER_TOKEN": "sim-token",
    }
    with sim_servers(tmp_path / "sim") as start:
        server = start(setup.world, x_rate_limits={"users_lookup": 2})
        args = ["monitor", "--platform", "x", "--api-base", server.url, "--advance-sim-clock"]
        proc = subprocess.Popen([VIGIL, *args], env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while proc.poll() is None and not _observations(db) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(random.Random(f"monitor-{dialect}").uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        partial = sum(_observations(db).values())

        for key, value in env.items():  # the restart, in this process
            monkeypatch.setenv(key, value)
        first = run_cli(capsys, *args)
        assert first.code == 0, first.err
        again = run_cli(capsys, *args)
        assert again.code == 0, again.err
        assert "0 of 0 due accounts checked" in again.out  # nothing left over
    seen = _observations(db)
    assert len(seen) == LISTED  # none lost
    assert set(seen.values()) == {1}  # none checked twice in the round
    assert partial <= LISTED
    assert run_cli(capsys, "audit", "verify").code == 0
