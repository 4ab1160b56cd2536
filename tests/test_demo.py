"""The demo runs the flow end to end on a small synthetic world, and reuses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from vigil.analytics.report import verify_report
from vigil.config import Settings
from vigil.demo import DemoOptions, run_demo


def test_demo_collects_and_imports_a_world(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    options = DemoOptions(accounts=400, seed=3, max_accounts=30, review=20, follow_days=3)
    steps: list[str] = []
    result = run_demo(settings, options, step=steps.append)
    assert any(s.startswith("generating") for s in steps)
    by_platform = result.stats["accounts"]["by_platform"]
    assert by_platform["x"] > 30  # expanded accounts plus the followers they revealed
    assert by_platform["mastodon:mastodon.sim"] >= 400
    assert result.stats["posts"]["total"] > 0
    assert result.stats["follow_edges"]["total"] > 0
    # init, collect.run and two imported files
    assert result.audit_events == result.stats["audit_events"]["total"] >= 4
    assert result.server is None
    steps_by_name = dict(result.steps)
    print(f"\n{steps_by_name['list import']}; {steps_by_name['scan']}")
    seeds = int(steps_by_name["list import"].split(" added", 1)[0])
    assert seeds > 0
    assert "accounts scored" in steps_by_name["scan"]
    # Two demo analysts confirmed what the truth calls supporters; each listing went out.
    assert result.review is not None
    assert result.review.confirmed > 0
    black = result.stats["list_entries"]["black"]["active"]
    assert black == seeds + result.review.confirmed
    assert set(result.logins) == {"analyst-1", "analyst-2", "lead-1"}
    assert result.published["installments"][0]["entries"] >= result.review.confirmed
    assert len(result.days) == 3
    assert result.report is not None
    assert verify_report(result.report.out).ok

    again = run_demo(settings, options, step=steps.append)
    assert any(s.startswith("reusing") for s in steps)
    # Collection resumes from its checkpoint and imports are idempotent: no new rows.
    assert again.stats["accounts"] == result.stats["accounts"]
    assert again.stats["posts"] == result.stats["posts"]


def test_demo_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "home"))
    result = run_cli(capsys, "demo", "--accounts", "300", "--days", "2", "--no-serve")
    assert result.code == 0, result.err
    assert "collect x" in result.out
    assert "chain verified" in result.out
    assert "report.html" in result.out
    stats = run_cli(capsys, "stats", "--format", "json")
    assert json.loads(stats.out)["posts"]["total"] > 0
