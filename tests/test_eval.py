"""`vigil eval`: metrics against a truth file, on a hand-built store with known scores."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from tests.support.signal_store import T0, Builder
from vigil.config import Settings
from vigil.errors import InputError
from vigil.model import Account, AccountStatus, Post, Score, StatusObservation
from vigil.model import detection as detection_models
from vigil.scoring.evaluation import classification_metrics, evaluate, link_metrics, load_truth
from vigil.store import Database

# name: (role, lang, score); "seed" is a seed, "ghost" known only from references.
ACCOUNTS = {
    "s1": ("supporter", "ar", 0.95),
    "s2": ("supporter", "ar", 0.9),
    "s3": ("supporter", "fr", 0.7),
    "s4": ("supporter", "en", 0.2),
    "seed": ("supporter", "ar", 0.99),
    "ghost": ("supporter", "ar", 0.0),
    "j1": ("journalist", "en", 0.8),
    "j2": ("journalist", "ar", 0.1),
    "r1": ("researcher", "en", 0.3),
    "p1": ("parody", "ar", 0.4),
    "c1": ("counter_speech", "ar", 0.1),
    "o1": ("ordinary", "ar", 0.6),
    "o2": ("ordinary", "ar", 0.05),
    "o3": ("ordinary", "en", 0.01),
    "o4": ("ordinary", "fr", 0.0),
}


def _world(db: Database, tmp_path: Path) -> Path:
    with db.transaction() as s:
        b = Builder(s)
        b.accounts(*ACCOUNTS)
        for name, (_, _, score) in ACCOUNTS.items():
            if name == "ghost":
                continue
            b.post(name, T0, text="hello")
            s.add(Score(account_id=b.ids[name], value=score, model_version="v-test"))
    truth = {
        "start": T0.isoformat(),
        "end": T0.isoformat(),
        "seeds": ["a-seed"],
        "accounts": [
            {"id": f"a-{n}", "role": r, "lang": lang, "returned_from": None}
            for n, (r, lang, _) in ACCOUNTS.items()
        ],
    }
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(truth), encoding="utf-8")
    return path


def test_metrics_over_seen_accounts_without_seeds(db: Database, tmp_path: Path) -> None:
    truth = load_truth(_world(db, tmp_path))
    with db.session() as s:
        ev = evaluate(s, truth, threshold=0.5)
    assert ev.accounts == 13
    assert ev.supporters == 4
    assert ev.seeds_excluded == 1
    assert ev.unseen_supporters == 1
    assert ev.model_versions == ["v-test"]
    d = ev.detection
    # At 0.5: s1, s2, s3 found, s4 missed; j1 and o1 wrongly flagged.
    assert (d["tp"], d["fp"], d["fn"]) == (3, 2, 1)
    assert d["precision"] == pytest.approx(0.6)
    assert d["recall"] == pytest.approx(0.75)
    assert d["f1"] == pytest.approx(2 * 0.6 * 0.75 / 1.35, abs=1e-4)
    # Recall 0.9 needs s4 (0.2): 4 supporters among the 8 accounts scored >= 0.2.
    assert d["precision_at_recall_0_9"] == pytest.approx(0.5)
    assert d["threshold_at_recall_0_9"] == pytest.approx(0.2)
    fpr = ev.protected
    assert fpr["journalist"] == {"accounts": 2, "flagged": 1, "fpr": 0.5}
    assert fpr["ordinary_ar"] == {"accounts": 2, "flagged": 1, "fpr": 0.5}
    assert fpr["researcher"]["fpr"] == 0.0
    assert fpr["news_outlet"]["fpr"] is None
    assert ev.links["available"] is True


def test_accounts_gone_without_a_post_are_not_measured(db: Database, tmp_path: Path) -> None:
    """A profile looked up before a suspension is no post to review; once the account is
    seen back up, or when it posted, it counts again."""
    path = _world(db, tmp_path)
    with db.transaction() as s:
        platform_id = s.scalar(sa.select(Account.platform_id).limit(1))
        gone, back, posted = (
            Account(
                platform_id=platform_id, platform_account_id=f"a-{n}", handle=n, profile_seen_at=T0
            )
            for n in ("g1", "g2", "g3")
        )
        s.add_all([gone, back, posted])
        s.flush()
        s.add(
            Post(
                platform_id=platform_id,
                platform_post_id="9001",
                account_id=posted.id,
                created_at=T0,
                kind="original",
                text="hello",
            )
        )
        observations = [
            (gone, AccountStatus.ACTIVE, 0),
            (gone, AccountStatus.SUSPENDED, 1),
            (back, AccountStatus.SUSPENDED, 0),
            (back, AccountStatus.ACTIVE, 1),
            (posted, AccountStatus.SUSPENDED, 1),
        ]
        s.add_all(
            StatusObservation(
                account_id=a.id, status=st, observed_at=T0 + timedelta(hours=h), source="import"
            )
            for a, st, h in observations
        )
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["accounts"] += [
        {"id": f"a-{n}", "role": "supporter", "lang": "ar", "returned_from": None}
        for n in ("g1", "g2", "g3")
    ]
    path.write_text(json.dumps(doc), encoding="utf-8")
    with db.session() as s:
        ev = evaluate(s, load_truth(path), threshold=0.5)
    assert "a-g1" not in ev.scores
    assert {"a-g2", "a-g3"} <= set(ev.scores)
    assert ev.supporters == 6
    assert ev.unseen_supporters == 2  # the ghost and g1


def test_resurgence_link_precision_and_recall(db: Database, tmp_path: Path) -> None:
    path = _world(db, tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    returns = {"a-s2": "a-s1", "a-s3": "a-seed"}  # s2 returns as s1's new account, s3 as seed's
    person = {"a-s2": "p1", "a-s1": "p1", "a-s3": "p2", "a-seed": "p2"}
    for a in doc["accounts"]:
        a["returned_from"] = returns.get(a["id"])
        a["identity"] = person.get(a["id"], a["id"])
        # s1 is suspended 7 h after s2's first post (T0, the world's start).
        a["suspended_at"] = (T0 + timedelta(hours=7)).isoformat() if a["id"] == "a-s1" else None
    path.write_text(json.dumps(doc), encoding="utf-8")
    link = detection_models.AccountLink
    with db.transaction() as s:
        ids = dict(s.execute(sa.select(Account.platform_account_id, Account.id)).all())

        def add(new: str, prior: str, status: str = "proposed") -> None:
            s.add(
                link(
                    new_account_id=ids[new],
                    prior_account_id=ids[prior],
                    confidence=0.9,
                    method="test",
                    version="1",
                    status=status,
                )
            )

        add("a-s2", "a-s1")  # right
        add("a-j1", "a-s1")  # wrong
        add("a-o1", "a-s4", status="rejected")  # rejected by a reviewer: not counted
    with db.session() as s:
        links = evaluate(s, load_truth(path)).links
    assert links["proposed"] == 2
    assert links["expected"] == 2
    assert links["correct"] == 1
    assert links["precision"] == 0.5
    assert links["recall"] == 0.5
    # Linked at the first 6-hour scan step after both the first post and the suspension.
    assert links["time_to_link"]["links"] == 1
    assert links["time_to_link"]["median_hours"] == 12.0
    with db.session() as s:
        daily = link_metrics(s, load_truth(path), step_hours=24.0)["time_to_link"]
    assert daily["median_hours"] == 24.0


def test_pr_auc_and_ties() -> None:
    perfect = classification_metrics([True, True, False, False], [0.9, 0.8, 0.2, 0.1], 0.5)
    assert perfect["pr_auc"] == 1.0
    assert perfect["precision_at_recall_0_9"] == 1.0
    # A tie between a supporter and another account cannot be split by any threshold.
    tied = classification_metrics([True, False, False], [0.5, 0.5, 0.1], 0.5)
    assert tied["precision_at_recall_0_9"] == 0.5
    assert tied["threshold_at_recall_0_9"] == 0.5


def test_bad_truth_file_and_other_world(db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.json"):
        load_truth(bad)
    path = _world(db, tmp_path)
    with db.transaction() as s:
        s.execute(sa.update(Account).values(platform_account_id=Account.handle + "-other"))
    with db.session() as s, pytest.raises(InputError, match="no stored account"):
        evaluate(s, load_truth(path))


def test_eval_command(
    capsys: pytest.CaptureFixture[str], db: Database, settings: Settings, tmp_path: Path
) -> None:
    path = _world(db, tmp_path)
    env = pytest.MonkeyPatch()
    env.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    home = ["--home", str(settings.home)]
    try:
        r = run_cli(capsys, *home, "eval", "--truth", str(path), "--format", "json")
        assert r.code == 0, r.err
        out = json.loads(r.out)
        assert out["detection"]["recall"] == 0.75
        assert set(out["protected_fpr"]) >= {"journalist", "researcher", "parody"}
        assert {"counter_speech", "ordinary_ar"} <= set(out["protected_fpr"])
        assert "resurgence_links" in out
        assert "time_to_queue" in out
        r = run_cli(capsys, *home, "eval", "--truth", str(path), "--threshold", "0.1")
        assert r.code == 0, r.err
        assert "FPR journalist" in r.out
        assert "precision_at_recall_0_9" in r.out
        r = run_cli(capsys, *home, "eval", "--truth", str(tmp_path / "missing.json"))
        assert r.code == 65
    finally:
        env.undo()


def test_time_to_queue_replays_the_world_in_steps(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    from datetime import timedelta

    from vigil.model import Signal
    from vigil.scoring.evaluation import add_time_to_queue
    from vigil.scoring.score import default_weights

    with db.transaction() as s:
        b = Builder(s)
        b.accounts("early", "late", "quiet", "j")
        # "late" posts ordinary things first; its markers come on day 2.
        b.post("early", T0 + timedelta(hours=2), text="the dawla #amaq amaq news agency")
        b.post("late", T0 + timedelta(hours=5), text="lunch with friends")
        b.post("late", T0 + timedelta(hours=30), text="the dawla #amaq amaq news agency")
        b.post("quiet", T0 + timedelta(hours=1), text="lunch with friends")
        b.post("j", T0 + timedelta(hours=1), text="lunch with friends")
        for name in ("early", "late", "quiet"):
            s.add(Score(account_id=b.ids[name], value=0.9, model_version="v-test"))
    accounts = {"early": "supporter", "late": "supporter", "quiet": "supporter", "j": "journalist"}
    truth_doc = {
        "start": T0.isoformat(),
        "end": (T0 + timedelta(days=3)).isoformat(),
        "seeds": [],
        "accounts": [
            {"id": f"a-{n}", "role": r, "lang": "en", "returned_from": None}
            for n, r in accounts.items()
        ],
    }
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(truth_doc), encoding="utf-8")
    truth = load_truth(path)
    with db.session() as s:
        ev = evaluate(s, truth)
        before = s.scalar(sa.select(sa.func.count()).select_from(Signal))
    add_time_to_queue(db, settings, truth, ev, weights=default_weights(), step_hours=24)
    ttq = ev.time_to_queue
    assert ttq["steps"] == 3
    # early: first post 02:00, queued at the 24 h step; late: first post 05:00, markers at
    # 30 h, queued at the 48 h step; quiet never qualifies.
    assert ttq["accounts"] == 2
    assert ttq["never_queued"] == 1
    assert ttq["median_hours"] == pytest.approx(((24 - 2) + (48 - 5)) / 2)
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Signal)) == before
