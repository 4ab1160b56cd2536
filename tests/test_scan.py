"""Scan and score on a generated world: seeds listed, signals computed, supporters on top."""

from __future__ import annotations

import json
import math
import statistics

import pytest
import sqlalchemy as sa

from tests.support.signal_store import generated_world, import_world, roles_by_store_id
from vigil.config import Settings
from vigil.errors import ConfigError, InputError
from vigil.model import AuditEvent, ListEntry, Score, Signal, utcnow
from vigil.review.seeds import import_list
from vigil.scoring.queue import review_queue
from vigil.scoring.scan import run_scan
from vigil.scoring.score import Weights, default_weights, fit_weights, score_accounts
from vigil.store import Database


def test_default_weights_are_a_logistic_model() -> None:
    w = default_weights()
    assert w.version
    assert w.weights["text_counter"] < 0 < w.weights["text"]
    assert w.probability({}) == pytest.approx(1 / (1 + math.exp(-w.intercept)))
    assert w.probability({"text": 1.0}) > w.probability({"text": 1.0, "text_counter": 1.0})
    assert Weights.from_dict(w.to_dict()) == w


def test_unknown_signal_is_refused_before_any_work(db: Database, settings: Settings) -> None:
    with pytest.raises(ConfigError, match="nope"):
        run_scan(db, settings, signals=["nope"])
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_world_scan_puts_supporters_above_ordinary_users(
    db: Database, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    world = generated_world(tmp_path_factory.getbasetemp())
    seeds = import_world(db, settings, world)
    with db.transaction() as s:
        listed = import_list(s, world / "seeds.csv", source="prior-list")
    assert (listed.added, listed.placeholders) == (len(seeds), 0)
    steps: list[str] = []
    summary = run_scan(db, settings, progress=steps.append)
    assert steps == [
        "behaviour", "context", "coordination", "media", "network", "resurgence", "text", "score"
    ]  # fmt: skip
    assert summary.confirmed == len(seeds)
    assert summary.scored > 0
    assert summary.signals["network"] > 0
    roles = roles_by_store_id(db, json.loads((world / "truth.json").read_text()))
    with db.session() as s:
        scores = dict(s.execute(sa.select(Score.account_id, Score.value)).all())
        signalled = set(s.scalars(sa.select(Signal.account_id)))
        [event] = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "scan.run")).all()
    assert set(scores) == signalled  # no signals, no score
    payload = json.loads(event.payload)
    assert set(payload["seconds"]) == {*summary.signals, "score"}
    by_role: dict[str, list[float]] = {}
    for account_id, value in scores.items():
        if account_id not in seeds:
            by_role.setdefault(roles.get(account_id, "?"), []).append(value)
    means = {k: round(statistics.fmean(v), 3) for k, v in sorted(by_role.items())}
    print(f"\nscore by role (mean, {len(seeds)} seeds left out): {means}")
    assert statistics.fmean(by_role["supporter"]) > statistics.fmean(by_role["ordinary"]) + 0.2

    with db.session() as s:
        queue = review_queue(s, limit=None)
    assert not {q.id for q in queue} & seeds  # already listed
    assert [q.score for q in queue] == sorted((q.score for q in queue), reverse=True)
    top = queue[0]
    print(f"queue head: {[(roles.get(q.id), q.score) for q in queue[:10]]}")
    assert top.signals
    assert all(link.confidence >= 0.5 for link in top.linked_to)

    # Whitelisting the top account caps its score and takes it out of the queue.
    with db.transaction() as s:
        s.add(ListEntry(account_id=top.id, kind="white", status="active", source="test"))
    with db.transaction() as s:
        score_accounts(s, now=utcnow())
    with db.session() as s:
        capped = s.scalars(sa.select(Score).where(Score.account_id == top.id)).one()
        queue2 = review_queue(s, limit=None)
        everything = review_queue(s, limit=None, everything=True)
    assert capped.value <= default_weights().whitelist_cap < top.score
    assert capped.contributions["whitelist"]["uncapped"] == pytest.approx(top.score, abs=1e-3)
    assert top.id not in {q.id for q in queue2}
    assert {top.id} | seeds <= {q.id for q in everything}

    labels = {i: roles.get(i) == "supporter" for i in scores}
    fitted = fit_weights(db, labels, version="fit-test")
    print(f"fitted weights: {fitted.intercept:.2f} {fitted.weights}")
    assert fitted.version == "fit-test"
    assert set(default_weights().weights) <= set(fitted.weights)
    with db.transaction() as s:
        score_accounts(s, now=utcnow(), weights=fitted)
    with db.session() as s:
        refit = dict(s.execute(sa.select(Score.account_id, Score.value)).all())
    sup = [v for i, v in refit.items() if roles.get(i) == "supporter"]
    ordinary = [v for i, v in refit.items() if roles.get(i) == "ordinary"]
    assert statistics.fmean(sup) > statistics.fmean(ordinary)


def test_fit_needs_both_classes(db: Database) -> None:
    with pytest.raises(InputError, match="both classes"):
        fit_weights(db, {1: True})
