"""The review queue and the scan/queue commands: order, exclusions, JSON shape, escaping."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from tests.support.signal_store import T0, Builder
from vigil.config import Settings
from vigil.model import Account, Decision, ListEntry, Score, User
from vigil.scoring.queue import review_queue
from vigil.scoring.scan import run_scan
from vigil.store import Database

EVIL = "[bold]boss[/bold]<script>alert(1)</script>\u202egnp.exe"


def _store(db: Database) -> dict[str, int]:
    """Five accounts with posts: two with lexicon terms, one of them with a hostile name."""
    with db.transaction() as s:
        b = Builder(s)
        b.accounts("evil", "plain", "white", "black", "decided")
        s.execute(sa.update(Account).where(Account.id == b.ids["evil"]).values(display_name=EVIL))
        s.execute(sa.update(Account).where(Account.id == b.ids["evil"]).values(handle=EVIL[:60]))
        for name in b.ids:
            words = "baqiya #Amaq news" if name != "plain" else "lunch with friends"
            b.post(name, T0, text=f"{words} {EVIL}")
        user = User(username="rev", role="analyst")
        s.add(user)
        s.flush()
        s.add(ListEntry(account_id=b.ids["white"], kind="white", status="active"))
        s.add(ListEntry(account_id=b.ids["black"], kind="black", status="active"))
        s.add(Decision(account_id=b.ids["decided"], user_id=user.id, action="reject"))
        return dict(b.ids)


def test_scan_and_queue_commands(
    capsys: pytest.CaptureFixture[str], settings: Settings, db: Database
) -> None:
    ids = _store(db)
    env = pytest.MonkeyPatch()
    env.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    home = ["--home", str(settings.home)]
    try:
        r = run_cli(capsys, *home, "scan", "--signal", "text", "--format", "json")
        assert r.code == 0, r.err
        summary = json.loads(r.out)
        assert summary["signals"] == {"text": 5}
        assert summary["scored"] == 5
        assert summary["confirmed"] == 1

        r = run_cli(capsys, *home, "queue", "--format", "json")
        assert r.code == 0, r.err
        queue = json.loads(r.out)
        assert [q["account_id"] for q in queue] == ["a-evil", "a-plain"]
        for item in queue:
            assert set(item) == {
                "platform", "account_id", "username", "score", "signals", "linked_to"
            }  # fmt: skip
            assert item["platform"] == "x"
            assert item["linked_to"] == []
            for sig in item["signals"]:
                assert set(sig) == {"name", "value", "explanation"}
        assert queue[0]["score"] > queue[1]["score"]
        assert queue[0]["username"] == EVIL[:60]  # JSON carries the data as it is

        r = run_cli(capsys, *home, "queue", "--all", "--limit", "3", "--format", "json")
        assert len(json.loads(r.out)) == 3
        r = run_cli(capsys, *home, "queue", "--all", "--format", "json")
        assert {q["account_id"] for q in json.loads(r.out)} == {f"a-{n}" for n in ids}

        r = run_cli(capsys, *home, "queue")
        assert r.code == 0, r.err
        assert "[bold]boss[/bold]" in r.out  # shown literally, not as markup
        assert "<script>" in r.out
        assert "\u202e" not in r.out
        assert "review queue (2 accounts)" in r.out

        r = run_cli(capsys, *home, "scan")
        assert r.code == 0, r.err
        assert "score (" in r.out
    finally:
        env.undo()


def test_whitelisted_scores_are_capped(db: Database, settings: Settings) -> None:
    ids = _store(db)
    run_scan(db, settings, signals=["text"])
    with db.session() as s:
        scores = {
            i: (v, c)
            for i, v, c in s.execute(sa.select(Score.account_id, Score.value, Score.contributions))
        }
        queue = review_queue(s, limit=None)
    value, contributions = scores[ids["white"]]
    assert value <= 0.05 < scores[ids["evil"]][0]
    assert "capped" in contributions["whitelist"]["explanation"]
    assert contributions["signals"]["text"]["weight"] > 0
    assert contributions["evidence"]["posts"]
    assert ids["white"] not in {q.id for q in queue}
