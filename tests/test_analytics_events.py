"""From observations to events, follow-up times and waves, on hand-made cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from vigil.analytics.dataset import AccountRow, Dataset, ObservationRow, read_dataset, write_dataset
from vigil.analytics.events import courses
from vigil.analytics.survival import durations, km_summary
from vigil.analytics.waves import BurstRule, daily_counts, detect_waves
from vigil.errors import InputError

T = datetime(2026, 1, 1, tzinfo=UTC)
D = timedelta(days=1)


def _obs(key: str, *pairs: tuple[int, str]) -> list[ObservationRow]:
    return [ObservationRow(key, T + d * D, status, "monitor") for d, status in pairs]


def test_action_is_placed_between_the_last_check_up_and_the_first_down() -> None:
    rows = [
        *_obs("a", (0, "active"), (2, "active"), (4, "suspended"), (5, "suspended")),
        *_obs("b", (0, "active"), (3, "deleted"), (4, "suspended")),  # gone its own way first
        *_obs("c", (0, "active"), (1, "suspended"), (6, "active")),  # reinstated
        *_obs("d", (1, "suspended")),  # first check after listing at day 0 finds it gone
    ]
    c = courses(rows, {"a": T, "b": T, "c": T, "d": T})
    assert c["a"].action_at == T + 3 * D
    assert c["b"].action_at is None
    assert c["b"].exit_at == T + 1.5 * D
    assert c["c"].reinstated
    assert c["d"].action_at == T + 0.5 * D


def test_follow_up_censors_and_leaves_out_accounts_gone_at_listing() -> None:
    rows = [
        *_obs("up", (0, "active"), (10, "active")),
        *_obs("gone", (0, "active"), (2, "suspended")),
        *_obs("before", (0, "suspended")),
        *_obs("exit", (0, "active"), (4, "not_found")),
    ]
    accounts = [
        AccountRow(k, "x", "listed", k, listed_at=T) for k in ("up", "gone", "before", "exit")
    ]
    c = courses(rows, {a.key: T for a in accounts})
    got = {d.key: (d.days, d.event) for d in durations(accounts, c, lambda a: a.listed_at)}
    assert got == {"up": (10.0, False), "gone": (1.0, True), "exit": (2.0, False)}
    summary = km_summary(list(durations(accounts, c, lambda a: a.listed_at)))
    assert summary["n"] == 3
    assert summary["events"] == 1
    assert summary["gone_by_2d"] == round(1 / 3, 4)
    assert summary["gone_by_90d"] is None  # nobody was followed that long
    assert summary["median_days"] is None  # never reached half


def test_waves_are_bursts_above_the_recent_baseline() -> None:
    counts = [1, 0, 2, 1, 1, 0, 1, 2, 1, 9, 12, 1, 0, 1, 1, 1, 3, 1, 30, 0]
    series = [(date(2026, 1, 1) + timedelta(days=i), n) for i, n in enumerate(counts)]
    waves = detect_waves(series)
    assert [(w["first_day"], w["days"], w["actions"]) for w in waves] == [
        ("2026-01-10", 2, 21),
        ("2026-01-19", 1, 30),
    ]
    # Without a week of history there is no baseline to be far above.
    assert detect_waves([*series[:5], (date(2026, 1, 6), 50)]) == []
    assert detect_waves(series, BurstRule(min_count=40)) == []
    events = [T + timedelta(hours=5), T + timedelta(days=2, hours=23)]
    assert daily_counts(events) == [(T.date(), 1), (T.date() + D, 0), (T.date() + 2 * D, 1)]


def test_the_export_reads_back_and_names_bad_lines(tmp_path: Path) -> None:
    ds = Dataset(
        accounts=[
            AccountRow(
                "a1", "x", "listed", "i1", handle="h", listed_at=T, routes=("lexicon",), followers=3
            ),
            AccountRow("a2", "x", "control", "a2", index_at=T, matched_to="a1"),
        ],
        observations=_obs("a1", (0, "active"), (1, "suspended")),
    )
    write_dataset(ds, tmp_path)
    back = read_dataset(tmp_path)
    assert back.accounts == ds.accounts
    assert back.observations == ds.observations
    path = tmp_path / "observations.csv"
    path.write_text(path.read_text().replace("2026-01-02T00:00:00.000000+00:00", "yesterday"))
    with pytest.raises(InputError, match=r"observations.csv:3 field 'observed_at'"):
        read_dataset(tmp_path)
