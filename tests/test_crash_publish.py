"""Crash safety of publishing: `kill -9` of `vigil publish --channel reports` while it files
reports with the sim's Mastodon; after the restart every account is reported exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.sim.conftest import SUSPENDED, build_world
from tests.support.cli import run_cli
from tests.support.publish_world import listed_account, platform
from tests.support.sim_servers import sim_servers
from vigil.config import Settings
from vigil.model import Account
from vigil.model.publish import Report
from vigil.sim.server.runner import ServerThread
from vigil.sim.world import World
from vigil.store import Database

VIGIL = str(Path(sys.executable).parent / "vigil")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory, world: World) -> Iterator[ServerThread]:
    with sim_servers(tmp_path_factory.mktemp("sim")) as start:
        yield start(world)


def _env(settings: Settings, sim: ServerThread) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "VIGIL_HOME": str(settings.home),
        "VIGIL_DATABASE_URL": settings.effective_database_url,
        "VIGIL_MASTODON_URL": sim.url,
        "VIGIL_MASTODON_TOKEN": "sim-token",
        "VIGIL_REPORT_INTERVAL": "0.25",  # paced, so that the kill lands between two reports
    }


def _received(sim: ServerThread) -> list[dict[str, object]]:
    reports = httpx.get(f"{sim.url}/_sim/reports").json()["reports"]
    return [r for r in reports if r["network"] == "mastodon"]


def test_reports_killed_then_restarted_are_filed_once(
    db: Database,
    settings: Settings,
    dialect: str,
    sim: ServerThread,
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    httpx.post(f"{sim.url}/_sim/reset")
    host = sim.url.split("://", 1)[1]
    targets = [a for a in world.accounts if a.id not in SUSPENDED][:8]
    with db.transaction() as session:
        masto = platform(session, f"mastodon:{host}", "mastodon", sim.url)
        for acc in targets:
            listed_account(session, masto, acc.id, acc.handle)

    env = _env(settings, sim)
    args = ["publish", "--channel", "reports", "--format", "json"]
    proc = subprocess.Popen([VIGIL, *args], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while proc.poll() is None and not _received(sim) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(random.Random(f"publish-{dialect}").uniform(0.0, 1.0))
    killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    before = len(_received(sim))

    for key, value in env.items():  # the restart, in this process
        monkeypatch.setenv(key, value)
    result = run_cli(capsys, *args)
    assert result.code == 0, result.err
    again = run_cli(capsys, *args)  # and once more: nothing left to send
    assert again.code == 0, again.err

    filed = Counter(str(r["target"]) for r in _received(sim) if r["accepted"])
    state = f"filed={dict(filed)} before={before} killed={killed}"
    assert max(filed.values()) == 1, state  # no report filed twice
    with db.session() as session:
        interrupted = set(
            session.scalars(
                sa.select(Account.platform_account_id)
                .join(Report, Report.account_id == Account.id)
                .where(Report.status == "sending")
            )
        )
    # None lost silently: an account not reported is the one whose request the kill cut
    # (at most once: it stays `sending`, for a person to check, rather than being resent).
    assert {acc.id for acc in targets} == set(filed) | interrupted, (state, interrupted)
    assert len(interrupted) <= (1 if killed else 0), (state, interrupted)
    assert before <= len(targets)
    assert run_cli(capsys, "audit", "verify").code == 0
