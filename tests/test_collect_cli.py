"""`vigil collect` end to end against a sim server: output, exit codes, resume, no secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sim.conftest import TARGET
from tests.support.cli import run_cli
from tests.support.sim_servers import sim_servers

TOKEN = "sim-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with sim_servers(tmp_path_factory.mktemp("sim")) as start:
        yield start(x_rate_limits={"following": 1})


@pytest.fixture
def home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    for name in ("VIGIL_DATABASE_URL", "VIGIL_HOME", "VIGIL_X_BEARER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "home"
    assert run_cli(capsys, "--home", str(path), "init").code == 0
    return path


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    path = tmp_path / "seeds.csv"
    path.write_text(
        "platform,account_id,username,criterion\n"
        f"x,{TARGET},User00,prior_list\n"
        "x,,user_05,prior_list\n"
        "mastodon,42,someone,prior_list\n"
        "bluesky,did:plc:abc,,prior_list\n",
        encoding="utf-8",
    )
    return path


def test_collect_prints_a_json_summary_without_the_token(
    home: Path,
    seeds: Path,
    server: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VIGIL_X_BEARER_TOKEN", TOKEN)
    args = ["--home", str(home), "collect", "x", "--seeds", str(seeds)]
    args += ["--api-base", server.url, "--depth", "0", "--advance-sim-clock", "--format", "json"]
    result = run_cli(capsys, *args)
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["completed"] is True
    assert summary["seeds"] == 2, "the other platforms' rows are skipped"
    assert summary["accounts_expanded"] == 2
    assert summary["records"]["posts"] > 0
    assert TOKEN not in result.out + result.err
    stats = json.loads(run_cli(capsys, "--home", str(home), "stats", "--format", "json").out)
    assert stats["audit_events"]["total"] == 2, "the schema migration and this run"
    table = run_cli(capsys, *args[:-2])
    assert table.code == 0
    assert "accounts_expanded" in table.out


def test_rate_limit_on_a_frozen_clock_stops_then_resumes(
    home: Path,
    seeds: Path,
    server: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import httpx

    httpx.post(f"{server.url}/_sim/reset").raise_for_status()
    monkeypatch.setenv("VIGIL_X_BEARER_TOKEN", TOKEN)
    args = ["--home", str(home), "collect", "x", "--seeds", str(seeds), "--api-base", server.url]
    args += ["--depth", "0", "--no-media", "--format", "json"]
    stopped = run_cli(capsys, *args)
    assert stopped.code == 21, stopped.err
    assert "clock does not move" in stopped.err
    resumed = run_cli(capsys, *args, "--advance-sim-clock")
    assert resumed.code == 0, resumed.err
    summary = json.loads(resumed.out)
    assert summary["resumed"] is True
    assert summary["completed"] is True


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["collect", "x"], 78, "VIGIL_X_BEARER_TOKEN"),
        (["collect", "myspace"], 78, "unknown platform 'myspace'"),
        (["collect", "mastodon"], 78, "--api-base"),
        (["collect", "bluesky", "--login", "me.bsky.social"], 78, "both"),
    ],
)
def test_configuration_errors_are_one_line(
    home: Path,
    seeds: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    message: str,
) -> None:
    result = run_cli(capsys, "--home", str(home), *argv, "--seeds", str(seeds))
    assert result.code == code
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_bad_seed_files_are_input_errors(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIGIL_X_BEARER_TOKEN", TOKEN)
    other = tmp_path / "other.csv"
    other.write_text("platform,account_id\nmastodon,1\n", encoding="utf-8")
    no_column = tmp_path / "bad.csv"
    no_column.write_text("id,name\n1,a\n", encoding="utf-8")
    base = ["--home", str(home), "collect", "x", "--seeds"]
    result = run_cli(capsys, *base, str(other))
    assert result.code == 65
    assert "no seeds for platform x (it lists mastodon)" in result.err
    result = run_cli(capsys, *base, str(no_column))
    assert result.code == 65
    assert "account_id or a username column" in result.err
    assert run_cli(capsys, *base, str(tmp_path / "missing.csv")).code == 4


def test_an_uninitialised_store_is_refused(
    tmp_path: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    monkeypatch.setenv("VIGIL_X_BEARER_TOKEN", TOKEN)
    result = run_cli(
        capsys, "--home", str(tmp_path / "fresh"), "collect", "x", "--seeds", str(seeds)
    )
    assert result.code == 11
    assert "vigil init" in result.err
