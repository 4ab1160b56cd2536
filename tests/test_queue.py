"""The review queue and the scan/queue commands: order, exclusions, JSON shape, escaping."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from tests.support.review_store import build
from tests.support.signal_store import T0, Builder
from vigil.config import Settings
from vigil.model import Account, Decision, ListEntry, Score, Signal, User
from vigil.review.cases import open_case
from vigil.review.decisions import decide
from vigil.review.users import get_user
from vigil.scoring.queue import QueueQuery, review_queue
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


TWO = Settings(confirmations_required=2)


def _reviewed(db: Database) -> dict[str, int]:
    """Scored accounts with a pending, an escalated and a rejected case, and an unscored tip."""
    ids = build(db, "pending", "escalated", "rejected", "fr", "low", "tip").accounts
    scores = {"pending": 0.9, "escalated": 0.85, "rejected": 0.8, "fr": 0.7, "low": 0.2}
    with db.transaction() as s:
        for handle, value in scores.items():
            text = {"text": {"value": 0.8, "explanation": "terms", "contribution": 1.0}}
            s.add(
                Score(
                    account_id=ids[handle],
                    value=value,
                    model_version="t",
                    contributions={"signals": text if handle == "fr" else {}},
                )
            )
        s.add(Signal(account_id=ids["low"], name="network", version="1", value=0.7, explanation=""))
        s.execute(sa.update(Account).where(Account.id == ids["fr"]).values(lang="fr"))
        open_case(s, ids["tip"], source="tip")
    decide(db, "x:@pending", action="confirm", user="ana", criterion="threat", settings=TWO)
    decide(db, "x:@escalated", action="escalate", user="ana", note="unsure", settings=TWO)
    decide(db, "x:@rejected", action="reject", user="ana", note="news", settings=TWO)
    return ids


def test_queue_follows_role_and_own_confirmations(db: Database) -> None:
    ids = _reviewed(db)
    names = {v: k for k, v in ids.items()}
    ana, bob = get_user(db, "ana").id, get_user(db, "bob").id

    def queue(**kw: object) -> list[str]:
        with db.session() as s:
            return [names[i.id] for i in review_queue(s, limit=None, **kw)]  # type: ignore[arg-type]

    # Tips have no score to rank by, so they come first; score shown as missing.
    assert queue(user_id=ana) == ["tip", "fr", "low"]
    assert queue(user_id=bob) == ["tip", "pending", "fr", "low"]
    assert queue(user_id=bob, pending_first=True) == ["pending", "tip", "fr", "low"]
    assert queue(role="lead", user_id=None) == ["tip", "pending", "escalated", "fr", "low"]
    assert set(queue(everything=True)) == set(ids)
    with db.session() as s:
        items = {i.id: i for i in review_queue(s, limit=None, user_id=bob)}
    assert items[ids["pending"]].pending_second
    tip = items[ids["tip"]]
    assert (tip.scored, tip.to_dict()["score"], tip.signals) == (False, None, [])
    assert items[ids["fr"]].to_dict()["score"] == 0.7


def test_queue_filters_sort_and_pages_in_sql(db: Database) -> None:
    ids = _reviewed(db)
    names = {v: k for k, v in ids.items()}
    bob = get_user(db, "bob").id

    def queue(limit: int | None = None, offset: int = 0, **kw: object) -> list[str]:
        q = QueueQuery(role="analyst", user_id=bob, pending_first=True, **kw)  # type: ignore[arg-type]
        with db.session() as s:
            return [names[i.id] for i in review_queue(s, limit=limit, offset=offset, query=q)]

    assert queue() == ["pending", "tip", "fr", "low"]
    assert queue(limit=2, offset=1) == ["tip", "fr"]
    assert queue(limit=2, offset=3) == ["low"]
    assert queue(lang="fr") == ["fr"]
    assert queue(platform="x", min_score=0.5) == ["pending", "fr"]
    assert queue(max_score=0.5) == ["tip", "low"]
    assert queue(platform="mastodon") == []
    assert queue(signal="text") == ["fr"]  # from the score's contributions
    assert queue(signal="network") == ["low"]  # from a Signal row
    assert queue(signal="media") == ["pending", "fr", "low"]  # every account has one
    assert queue(sort="score_asc") == ["pending", "tip", "low", "fr"]
    assert queue(sort="handle") == ["pending", "fr", "low", "tip"]
    assert queue(sort="handle", limit=1, offset=1) == ["fr"]


def test_queue_command_as_a_user(
    capsys: pytest.CaptureFixture[str], settings: Settings, db: Database
) -> None:
    _reviewed(db)
    env = pytest.MonkeyPatch()
    env.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    home = ["--home", str(settings.home)]
    try:
        r = run_cli(capsys, *home, "queue", "--as", "bob", "--format", "json")
        assert r.code == 0, r.err
        assert [q["account_id"] for q in json.loads(r.out)][:2] == ["id-pending", "id-tip"]
        r = run_cli(capsys, *home, "queue", "--as", "ana", "--format", "json")
        assert "id-pending" not in {q["account_id"] for q in json.loads(r.out)}
        r = run_cli(capsys, *home, "queue", "--as", "bob")
        assert "awaiting a second reviewer" in r.out
        r = run_cli(capsys, *home, "queue", "--as", "nobody")
        assert r.code != 0
    finally:
        env.undo()
