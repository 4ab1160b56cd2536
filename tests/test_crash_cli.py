"""Crash safety: `kill -9` of the real `vigil` process in the middle of an import and a scan.

On restart the work completes and the store holds exactly what an uninterrupted run leaves:
nothing lost, nothing twice. The kill comes at a random moment (seeded) after the process
has started writing, so it lands between two committed batches or inside one.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import fresh_database_url
from tests.support.cli import run_cli
from vigil.config import Settings
from vigil.model import Account, Signal
from vigil.store import Database, collect_stats, open_database

VIGIL = str(Path(sys.executable).parent / "vigil")
X_FILES = ("users.jsonl", "timelines.jsonl", "followers.jsonl", "following.jsonl")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("crash-world")
    subprocess.run(
        [VIGIL, "sim", "generate", "--out", str(out), "--accounts", "300", "--days", "20"],
        check=True,
        capture_output=True,
        env=_env(Settings(home=out / "unused")),
    )
    return out


def _env(settings: Settings) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "VIGIL_HOME": str(settings.home)}
    if settings.database_url:
        env["VIGIL_DATABASE_URL"] = settings.database_url
    return env


def _count(db: Database, model: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def kill_midway(args: list[str], settings: Settings, started: Any, rnd: random.Random) -> bool:
    """Run `vigil ARGS`, SIGKILL it once `started()` is true plus a random delay.

    Returns whether it was killed (False: it finished first, which the caller tolerates).
    """
    proc = subprocess.Popen(
        [VIGIL, *args], env=_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while proc.poll() is None and not started() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(rnd.uniform(0.0, 0.4))
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == (-signal.SIGKILL if killed else 0), proc.stderr
    return killed


def _run(args: list[str], settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    """The restart, and the reference runs: the same command, in this process (faster)."""
    with pytest.MonkeyPatch.context() as env:
        env.delenv("VIGIL_DATABASE_URL", raising=False)
        for key, value in _env(settings).items():
            env.setenv(key, value)
        result = run_cli(capsys, *args)
    assert result.code == 0, result.err


def _content(db: Database) -> dict[str, Any]:
    stats = collect_stats(db)
    return {k: stats[k] for k in ("accounts", "posts", "media", "follow_edges")} | {
        "observations": stats["status_observations"]
    }


def _signals(db: Database) -> set[tuple[str, str, float]]:
    with db.session() as session:
        rows = session.execute(
            select(Account.platform_account_id, Signal.name, Signal.value).join(
                Account, Account.id == Signal.account_id
            )
        ).all()
    return {(a, n, round(v, 9)) for a, n, v in rows}


def _twice(db: Database) -> list[Any]:
    with db.session() as session:
        return list(
            session.execute(
                select(Signal.account_id, Signal.name)
                .group_by(Signal.account_id, Signal.name)
                .having(func.count() > 1)
            ).all()
        )


@pytest.fixture
def reference(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    dialect: str,
    world: Path,
    capsys: pytest.CaptureFixture[str],
) -> Any:
    """What an uninterrupted import and scan leave in a store of the same dialect."""
    folder = tmp_path / "reference"
    ref = Settings(home=folder / "home", database_url=fresh_database_url(request, folder, dialect))
    _run(["import", "x", *_files(world)], ref, capsys)
    _run(["scan"], ref, capsys)
    ref_db = open_database(ref)
    try:
        return _content(ref_db), _signals(ref_db)
    finally:
        ref_db.dispose()


def _files(world: Path) -> list[str]:
    return [str(world / "x" / name) for name in X_FILES]


def test_import_and_scan_killed_then_restarted(
    db: Database,
    settings: Settings,
    dialect: str,
    world: Path,
    reference: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    content, signals = reference
    rnd = random.Random(f"crash-{dialect}")

    kill_midway(["import", "x", *_files(world)], settings, lambda: _count(db, Account) > 0, rnd)
    _run(["import", "x", *_files(world)], settings, capsys)  # the restart: the same command
    assert _content(db) == content  # nothing lost, nothing twice (observations included)

    kill_midway(["scan"], settings, lambda: _count(db, Signal) > 0, rnd)
    _run(["scan"], settings, capsys)
    assert _twice(db) == []  # no signal stored twice for one account
    assert _signals(db) == signals  # the same evidence as a scan never interrupted
    _run(["audit", "verify"], settings, capsys)
