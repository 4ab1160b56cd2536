"""The command-line contract: help everywhere, exit codes, one clear line on failure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main

from tests.support.cli import run_cli
from vigil import __version__
from vigil.cli import app
from vigil.config import Settings


def _all_command_paths() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    paths: list[tuple[str, ...]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        paths.append(path)
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, (*path, name))

    walk(root, ())
    return paths


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "vigil-home"))
    return tmp_path / "vigil-home"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--version")
    assert result.code == 0
    assert result.out.strip() == f"vigil {__version__}"


@pytest.mark.parametrize("path", _all_command_paths(), ids=lambda p: " ".join(p) or "vigil")
def test_every_command_explains_itself(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, *path, "--help")
    assert result.code == 0
    assert "Usage:" in result.out
    # The first line of help text is the command's own docstring, never empty.
    body = result.out.split("Usage:", 1)[1].strip().splitlines()
    assert len([line for line in body if line.strip()]) >= 2


def test_init_twice_is_harmless(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run_cli(capsys, "init")
    assert first.code == 0, first.err
    assert "created at revision" in first.out
    assert (home / "vigil.db").exists()
    second = run_cli(capsys, "init")
    assert second.code == 0
    assert "already at revision" in second.out
    verify = run_cli(capsys, "audit", "verify")
    assert verify.code == 0
    assert "1 events" in verify.out  # the one schema migration, not two


def test_stats_json_is_a_stable_nested_object(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "init").code == 0
    result = run_cli(capsys, "stats", "--format", "json")
    assert result.code == 0
    data = json.loads(result.out)
    assert data["schema"] == 1
    assert data["database"]["dialect"] == "sqlite"
    assert data["accounts"]["total"] == 0
    assert data["status_observations"]["by_status"]["suspended"] == 0
    assert set(data["list_entries"]) == {"total", "black", "white"}
    assert data["list_entries"]["black"] == {"total": 0, "active": 0, "retracted": 0}
    assert data["audit_events"]["total"] == 1
    table = run_cli(capsys, "stats")
    assert "audit_events.total" in table.out


def test_commands_refuse_an_uninitialised_store(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "stats")
    assert result.code == 11
    assert result.err == "vigil: error: database sqlite:///" + str(home / "vigil.db") + (
        " is not initialised: run `vigil init`\n"
    )


def test_bad_database_url_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", "mysql://user:hunter2@db/vigil")
    result = run_cli(capsys, "init")
    assert result.code == 78
    assert result.err.count("\n") == 1
    assert "unsupported database 'mysql'" in result.err
    assert "hunter2" not in result.err


def test_unreachable_postgres_hides_the_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Port 1 on loopback refuses at once: nothing listens there.
    monkeypatch.setenv("VIGIL_DATABASE_URL", "postgresql+psycopg://vigil:hunter2@127.0.0.1:1/vigil")
    result = run_cli(capsys, "init")
    assert result.code in {10, 11}
    assert result.err.startswith("vigil: error: ")
    assert result.err.count("\n") == 1
    assert "hunter2" not in result.err
    assert "vigil:***@127.0.0.1:1" in result.err


def test_debug_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", "mysql://db/vigil")
    result = run_cli(capsys, "--debug", "init")
    assert result.code == 78
    assert "Traceback" in result.err


def test_unknown_command_fails(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "no-such-command")
    assert result.code == 2
    assert "No such command" in result.err


def test_console_script_runs_on_postgres(settings: Settings) -> None:
    """The installed `vigil` program, as a user runs it, on each database."""
    exe = Path(sys.executable).with_name("vigil")
    env = {"VIGIL_DATABASE_URL": settings.effective_database_url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [str(exe), "init"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "at revision" in done.stdout
    done = subprocess.run(
        [str(exe), "stats", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (
        json.loads(done.stdout)["database"]["dialect"]
        == settings.effective_database_url.split(":")[0].split("+")[0]
    )
