"""Crash safety of publishing: `kill -9` of `vigil publish --channel reports` while it files
reports with the sim's Mastodon; after the restart every account is reported exactly once,
and `vigil publish plan` shows a person the report the kill left `sending`."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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


def test_plan_lists_reports_a_crash_left_sending(
    db: Database,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = datetime.now(UTC)
    with db.transaction() as session:
        x = platform(session, "x", "x")
        ids = {
            name: listed_account(session, x, str(700 + i), name).account_id
            for i, name in enumerate(["old\u202eevil", "fresh", "done", "retried"])
        }

        def report(name: str, status: str, created: timedelta, **request: str) -> None:
            session.add(
                Report(
                    account_id=ids[name],
                    platform_id=x.id,
                    channel="dsa_notice",
                    status=status,
                    request=dict(request),
                    created_at=now - created,
                )
            )

        report("old\u202eevil", "sending", timedelta(hours=2))  # cut by a kill long ago
        report("fresh", "sending", timedelta(seconds=5))  # a run sending it right now
        report("done", "written", timedelta(hours=2))
        # An old failed report, re-opened by a run a moment ago: still on its way.
        report("retried", "sending", timedelta(days=1), claimed_at=now.isoformat())
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("VIGIL_HOME", str(settings.home))
    out = run_cli(capsys, "publish", "plan", "--format", "json")
    assert out.code == 0, out.err
    stuck = json.loads(out.out)["stuck_reports"]
    assert [(r["account_id"], r["platform"], r["channel"]) for r in stuck] == [
        (ids["old\u202eevil"], "x", "dsa_notice")
    ]
    text = run_cli(capsys, "publish", "plan")
    assert text.code == 0, text.err
    assert "1 report(s) stuck in 'sending'" in text.out
    assert "check each on the platform" in text.out
    assert "\u202e" not in text.out  # the account's own text cannot turn the line around
    assert "old\\u202eevil" in text.out
    with db.transaction() as session:  # once a person has seen to it, it is no longer listed
        for row in session.scalars(sa.select(Report).where(Report.status == "sending")):
            row.status = "submitted"
    assert json.loads(run_cli(capsys, "publish", "plan", "-f", "json").out)["stuck_reports"] == []
