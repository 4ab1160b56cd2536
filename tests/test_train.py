"""`vigil train`: labels from decisions, versioned artefacts, audit, too few decisions."""

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
from vigil.model import AuditEvent, Decision, User
from vigil.scoring.scan import run_scan
from vigil.scoring.score import (
    CLASSIFIER_FEATURE,
    current_weights,
    default_weights,
    weights_version,
)
from vigil.scoring.train import decision_labels, train_models
from vigil.signals.classifier import latest_model
from vigil.store import Database

PRO = "baqiya wa tatamaddad #Amaq new release from the brothers, dawla news"
CON = "lunch with friends at the market, the weather is lovely today"


def _store(db: Database, positives: int = 6, negatives: int = 6) -> dict[str, int]:
    """Accounts with posts; confirm/reject/whitelist decisions, reversals and escalations."""
    with db.transaction() as s:
        b = Builder(s)
        pos = [f"p{i}" for i in range(positives)]
        neg = [f"n{i}" for i in range(negatives)]
        b.accounts(*pos, *neg, "flip", "esc", "unseen")
        for n, name in enumerate(pos):
            for k in range(3):
                b.post(name, T0 + timedelta(hours=k), text=f"{PRO} {n} {k}")
        for n, name in enumerate([*neg, "flip", "esc"]):
            for k in range(3):
                b.post(name, T0 + timedelta(hours=k), text=f"{CON} {n} {k}")
        user = User(username="rev", role="analyst")
        s.add(user)
        s.flush()
        for i, name in enumerate([*pos, *neg]):
            action = "confirm" if name in pos else ("whitelist" if i % 2 else "reject")
            s.add(Decision(account_id=b.ids[name], user_id=user.id, action=action, decided_at=T0))
        # A confirmation reversed later is a negative; an escalation labels nothing.
        later = T0 + timedelta(days=1)
        s.add(Decision(account_id=b.ids["flip"], user_id=user.id, action="confirm", decided_at=T0))
        s.add(
            Decision(account_id=b.ids["flip"], user_id=user.id, action="reject", decided_at=later)
        )
        s.add(Decision(account_id=b.ids["esc"], user_id=user.id, action="escalate", decided_at=T0))
        return dict(b.ids)


def test_labels_take_the_latest_labelling_decision(db: Database) -> None:
    ids = _store(db)
    with db.session() as s:
        labels = decision_labels(s)
    assert labels[ids["p0"]] is True
    assert labels[ids["n0"]] is False
    assert labels[ids["n1"]] is False
    assert labels[ids["flip"]] is False
    assert ids["esc"] not in labels
    assert ids["unseen"] not in labels
    assert sum(labels.values()) == 6
    assert len(labels) == 13


def test_train_saves_a_version_that_scans_use(db: Database, settings: Settings) -> None:
    ids = _store(db)
    run_scan(db, settings, signals=["text"])
    assert current_weights(settings) == default_weights()

    result = train_models(db, settings, actor="tester")

    assert result.positives == 6
    assert result.negatives == 7
    assert len(result.version) <= 32  # Score.model_version
    saved = json.loads(Path(result.weights_path).read_text(encoding="utf-8"))
    assert saved["version"] == result.version
    assert saved["text_model"] == result.version
    assert CLASSIFIER_FEATURE in saved["weights"]
    # Decisions say nothing about news framing: its weight stays the shipped prior's,
    # while what the decisions do show (the classifier) moves.
    prior = default_weights().weights
    assert saved["weights"]["text_news_framing"] == prior["text_news_framing"]
    assert saved["weights"]["context"] == prior["context"]
    assert saved["weights"][CLASSIFIER_FEATURE] != prior[CLASSIFIER_FEATURE]
    assert current_weights(settings).version == result.version
    assert weights_version(settings, result.version) == current_weights(settings)
    assert weights_version(settings, default_weights().version) == default_weights()
    assert weights_version(settings, "never-trained") is None
    model = latest_model(settings)
    assert model is not None
    assert model.info.version == result.version
    probs = model.predict_proba([PRO, CON])
    assert probs[0] > 0.5 > probs[1]
    with db.session() as s:
        events = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "model.train")).all()
    assert len(events) == 1
    assert events[0].subject == f"model:{result.version}"
    assert events[0].actor == "tester"
    assert PRO not in events[0].payload  # counts and versions only, never content

    summary = run_scan(db, settings, signals=["text"], weights=current_weights(settings))
    assert summary.model_version == result.version
    with db.session() as s:
        from vigil.model import Score, Signal

        version = s.scalar(sa.select(Score.model_version).where(Score.account_id == ids["p0"]))
        text = s.scalar(sa.select(Signal.evidence).where(Signal.account_id == ids["p0"]))
    assert version == result.version
    assert text is not None
    assert text["classifier"]["version"] == result.version


def test_too_few_decisions_of_a_class_is_a_clear_error(db: Database, settings: Settings) -> None:
    _store(db, positives=3, negatives=8)
    with pytest.raises(InputError, match=r"at least 5 confirmed .* 3 confirmed"):
        train_models(db, settings)
    assert current_weights(settings) == default_weights()  # nothing saved


def test_train_command(
    capsys: pytest.CaptureFixture[str], db: Database, settings: Settings
) -> None:
    _store(db, positives=2, negatives=2)
    env = pytest.MonkeyPatch()
    env.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    home = ["--home", str(settings.home)]
    try:
        r = run_cli(capsys, *home, "train")
        assert r.code == 65
        assert "at least 5 confirmed" in r.err
        r = run_cli(capsys, *home, "train", "--min-per-class", "2")
        assert r.code == 65
        assert "run `vigil scan`" in r.err
        assert run_cli(capsys, *home, "scan", "--signal", "text").code == 0
        r = run_cli(capsys, *home, "train", "--min-per-class", "2", "--format", "json")
        assert r.code == 0, r.err
        out = json.loads(r.out)
        assert out["positives"] == 2
        assert out["negatives"] == 3
        r = run_cli(capsys, *home, "train", "--min-per-class", "2")
        assert r.code == 0, r.err
        assert "run `vigil scan`" in r.out
        assert "(intercept)" in r.out
    finally:
        env.undo()
