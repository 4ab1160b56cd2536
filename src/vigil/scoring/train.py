"""`train_models`: refit the text classifier and the score weights from reviewers' decisions.

Labels are the latest labelling decision per account (confirm: supporter; reject, whitelist,
delist: not). Both artefacts share one version, saved under ``$VIGIL_HOME/models/``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.errors import InputError
from vigil.model import Decision, Post
from vigil.scoring.score import CLASSIFIER_FEATURE, fit_weights, save_weights
from vigil.signals import classifier
from vigil.store import Database, record

__all__ = [
    "LABEL_ACTIONS",
    "MIN_PER_CLASS",
    "TrainResult",
    "decision_labels",
    "out_of_fold",
    "train_models",
]

log = logging.getLogger(__name__)

# Escalations say nothing about the account yet, so they do not label it.
LABEL_ACTIONS: dict[str, bool] = {
    "confirm": True,
    "override": True,  # a lead's single confirmation lists the account too
    "reject": False,
    "whitelist": False,
    "delist": False,
}
MIN_PER_CLASS = 5
FOLDS = 5
_CHUNK = 5000


@dataclass(slots=True)
class TrainResult:
    """What `vigil train` made: one version for the weights and the text model."""

    version: str
    positives: int
    negatives: int
    accounts_fitted: int
    texts: int
    intercept: float
    weights: dict[str, float] = field(default_factory=dict)
    weights_path: str = ""
    text_model_path: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "positives": self.positives,
            "negatives": self.negatives,
            "accounts_fitted": self.accounts_fitted,
            "texts": self.texts,
            "intercept": self.intercept,
            "weights": dict(self.weights),
            "weights_path": self.weights_path,
            "text_model_path": self.text_model_path,
        }


def decision_labels(session: Session) -> dict[int, bool]:
    """Account id -> supporter or not, from the latest labelling decision of each account."""
    stmt = (
        sa.select(Decision.account_id, Decision.action)
        .where(Decision.action.in_(list(LABEL_ACTIONS)))
        .order_by(Decision.decided_at, Decision.id)
    )
    # Ordered by time: a later decision (a reversal, an upheld appeal) overwrites.
    return {int(a): LABEL_ACTIONS[action] for a, action in session.execute(stmt)}


def _texts(session: Session, ids: Sequence[int]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for i in range(0, len(ids), _CHUNK):
        stmt = (
            sa.select(Post.account_id, Post.text)
            .where(Post.account_id.in_(ids[i : i + _CHUNK]), Post.text.is_not(None))
            .order_by(Post.account_id, Post.id)
        )
        out.extend((int(a), t or "") for a, t in session.execute(stmt))
    return out


def _folds(labels: Mapping[int, bool], k: int) -> dict[int, int]:
    """Account -> fold, dealt round-robin within each class so every fold holds both."""
    fold: dict[int, int] = {}
    for cls in (True, False):
        members = sorted(a for a, y in labels.items() if y is cls)
        for n, a in enumerate(members):
            fold[a] = n % k
    return fold


def out_of_fold(
    texts: Sequence[tuple[int, str]], labels: Mapping[int, bool], k: int = FOLDS
) -> dict[int, float]:
    """Each labelled account's mean classifier probability from a model that never saw it.

    Fitting the score weights on in-sample probabilities would overrate the classifier."""
    fold = _folds(labels, k)
    accounts = np.array([a for a, _ in texts])
    which = np.array([fold[a] for a in accounts])
    ys = [labels[a] for a, _ in texts]
    out: dict[int, float] = {}
    for f in range(k):
        train_idx = np.flatnonzero(which != f).tolist()
        test_idx = np.flatnonzero(which == f).tolist()
        if not len(test_idx) or len({ys[i] for i in train_idx}) < 2:
            continue
        clf = classifier.fit([texts[i][1] for i in train_idx], [ys[i] for i in train_idx])
        model = classifier.TextModel(clf, classifier.ModelInfo("oof", "", "", 0, 0))
        probs = model.predict_proba([texts[i][1] for i in test_idx])
        sums: dict[int, list[float]] = {}
        for i, p in zip(test_idx, probs.tolist(), strict=True):
            sums.setdefault(int(accounts[i]), []).append(p)
        out.update((a, float(np.mean(v))) for a, v in sums.items())
    return out


def _version(labels: Mapping[int, bool], now: datetime) -> str:
    digest = hashlib.sha256(repr(sorted(labels.items())).encode()).hexdigest()[:6]
    return f"{now:%Y%m%dT%H%M%S}-{digest}"  # 22 characters: fits Score.model_version


def train_models(
    db: Database,
    settings: Settings,
    *,
    actor: str = "cli",
    min_per_class: int = MIN_PER_CLASS,
) -> TrainResult:
    """Fit and save the text classifier and the score weights from reviewed decisions."""
    with db.session() as session:
        labels = decision_labels(session)
        positives = sum(labels.values())
        negatives = len(labels) - positives
        if positives < min_per_class or negatives < min_per_class:
            raise InputError(
                f"training needs at least {min_per_class} confirmed and {min_per_class} "
                f"rejected or whitelisted accounts; the decisions give {positives} confirmed "
                f"and {negatives} rejected or whitelisted"
            )
        texts = _texts(session, sorted(labels))
    with_text = {a for a, _ in texts}
    text_labels = {a: labels[a] for a in with_text}
    if sum(text_labels.values()) in (0, len(text_labels)):
        raise InputError("training needs posts with text from accounts of both classes")
    version = _version(labels, datetime.now(UTC))
    oof = out_of_fold(texts, text_labels, k=min(FOLDS, min_per_class))
    info = classifier.train(
        [t for _, t in texts],
        [labels[a] for a, _ in texts],
        settings,
        accounts=len(with_text),
        version=version,
    )
    overrides = {a: {CLASSIFIER_FEATURE: p} for a, p in oof.items()}
    weights = fit_weights(db, labels, version=version, overrides=overrides)
    path = save_weights(
        settings,
        weights,
        {"text_model": info.version, "positives": positives, "negatives": negatives},
    )
    result = TrainResult(
        version=version,
        positives=positives,
        negatives=negatives,
        accounts_fitted=len(labels),
        texts=len(texts),
        intercept=round(weights.intercept, 6),
        weights=dict(weights.weights),
        weights_path=str(path),
        text_model_path=info.path,
    )
    with db.transaction() as session:
        # Counts and the version only: no account-written text in the audit log.
        payload = {k: v for k, v in result.to_dict().items() if k != "weights"}
        record(
            session, actor=actor, action="model.train", subject=f"model:{version}", payload=payload
        )
    log.info("trained version %s on %s/%s accounts", version, positives, negatives)
    return result
