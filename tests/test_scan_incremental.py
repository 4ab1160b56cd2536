"""Incremental scans: nothing changed, nothing computed; a change rescans just the accounts
it touched (whole-graph signals in full); `--full` recomputes everything."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from tests.support.signal_store import T0, Builder, minutes
from vigil.config import Settings
from vigil.model import ListEntry, Signal
from vigil.model.detection import ScanState
from vigil.scoring.scan import run_scan
from vigil.store import Database

PER_ACCOUNT = ("behaviour", "context", "media", "text")
WHOLE_GRAPH = ("coordination", "network", "resurgence")


def _store(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        b = Builder(s)
        b.accounts("a", "b", "c", "d", created=T0)
        for name in b.ids:
            b.post(name, T0 + minutes(5), text=f"{name}: baqiya #Amaq news")
        b.follow("a", "b", "c")
        s.add(ListEntry(account_id=b.ids["d"], kind="black", status="active"))
        return dict(b.ids)


def _text_rows(db: Database) -> dict[int, tuple[int, object]]:
    with db.session() as s:
        rows = s.execute(
            sa.select(Signal.account_id, Signal.id, Signal.computed_at).where(Signal.name == "text")
        ).all()
    return {a: (i, t) for a, i, t in rows}


def test_unchanged_store_does_no_work_and_changes_rescan_their_accounts(
    db: Database, settings: Settings
) -> None:
    ids = _store(db)
    first = run_scan(db, settings)
    assert set(first.modes.values()) == {"full"}
    assert first.signals["text"] == 4
    before = _text_rows(db)

    second = run_scan(db, settings)
    assert set(second.modes.values()) == {"skipped"}
    assert sum(second.signals.values()) == 0
    assert second.scored == 0
    assert _text_rows(db) == before  # not rewritten

    # A new post by "b": per-account signals look at "b" alone, graph signals recompute.
    with db.transaction() as s:
        b = Builder.__new__(Builder)
        b.s, b.ids, b.platform_id = s, dict(ids), _platform(db)
        b._post_ids = iter(range(5000, 5010))
        b.post("b", T0 + minutes(60), text="b: another #Amaq post")
    third = run_scan(db, settings)
    for name in PER_ACCOUNT:
        assert third.modes[name] == "incremental", name
        assert third.accounts[name] == 1, name
    for name in WHOLE_GRAPH:
        assert third.modes[name] == "full", name
    assert third.modes["score"] == "full"
    after = _text_rows(db)
    assert after[ids["a"]] == before[ids["a"]]  # untouched
    assert after[ids["b"]] != before[ids["b"]]  # recomputed
    assert set(after) == set(before)

    # A new follow touches both ends.
    with db.transaction() as s:
        s.execute(
            sa.insert(ListEntry).values(
                account_id=ids["c"], kind="white", status="active", source="test"
            )
        )
    fourth = run_scan(db, settings)
    # The lists changed: every listed account is looked at again, and scores are redone.
    assert fourth.accounts["text"] == 2
    assert fourth.modes["score"] == "full"

    # A retraction changes a row in place and is still seen.
    with db.transaction() as s:
        s.execute(
            sa.update(ListEntry).where(ListEntry.account_id == ids["c"]).values(status="retracted")
        )
    assert run_scan(db, settings).modes["context"] == "incremental"
    assert run_scan(db, settings).modes["context"] == "skipped"

    # A new plugin version recomputes that signal in full.
    with db.transaction() as s:
        s.execute(sa.update(ScanState).where(ScanState.step == "signal:text").values(version="0"))
    redo = run_scan(db, settings)
    assert redo.modes["text"] == "full"
    assert redo.modes["behaviour"] == "skipped"

    assert set(run_scan(db, settings, full=True).modes.values()) == {"full"}


def _platform(db: Database) -> int:
    from vigil.model import Platform

    with db.session() as s:
        return int(s.scalar(sa.select(Platform.id)) or 0)


def test_follow_rescans_both_ends(db: Database, settings: Settings) -> None:
    ids = _store(db)
    run_scan(db, settings)
    with db.transaction() as s:
        from vigil.model import Follow

        s.add(Follow(source_id=ids["c"], target_id=ids["d"]))
    summary = run_scan(db, settings)
    assert summary.modes["behaviour"] == "incremental"
    assert summary.accounts["behaviour"] == 2


def test_scan_full_option(
    capsys: pytest.CaptureFixture[str], settings: Settings, db: Database
) -> None:
    _store(db)
    env = pytest.MonkeyPatch()
    env.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    home = ["--home", str(settings.home)]
    try:
        r = run_cli(capsys, *home, "scan", "--format", "json")
        assert r.code == 0, r.err
        r = run_cli(capsys, *home, "scan", "--format", "json")
        assert set(json.loads(r.out)["modes"].values()) == {"skipped"}
        r = run_cli(capsys, *home, "scan", "--full", "--format", "json")
        assert set(json.loads(r.out)["modes"].values()) == {"full"}
        r = run_cli(capsys, *home, "scan")
        assert r.code == 0, r.err
        assert "skipped" in r.out
    finally:
        env.undo()
