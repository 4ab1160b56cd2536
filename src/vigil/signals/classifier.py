"""The learned text layer: character n-grams and logistic regression, from reviewers' decisions.

Character n-grams over normalised text work across Arabic, English and French without a
tokeniser; models are versioned files under ``$VIGIL_HOME/models/``, the newest one used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sklearn.feature_extraction.text import HashingVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from vigil.config import Settings
from vigil.errors import InputError
from vigil.model import Post
from vigil.signals.normalise import normalise
from vigil.store import Database

__all__ = [
    "ModelInfo",
    "TextModel",
    "fit",
    "latest_model",
    "load_model",
    "train",
    "train_from_labels",
]

log = logging.getLogger(__name__)

_PREFIX = "text-"
_N_FEATURES = 2**18


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What a saved model is: its version, file, and what it was trained on."""

    version: str
    path: str
    trained_at: str
    texts: int
    positives: int
    accounts: int = 0


def _vectorizer() -> HashingVectorizer:
    # Stateless: nothing to fit or store, the same features at training and scoring time.
    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        n_features=_N_FEATURES,
        alternate_sign=False,
        norm="l2",
    )


class TextModel:
    """A trained classifier with its `ModelInfo`; texts are normalised before vectorising."""

    def __init__(self, clf: LogisticRegression, info: ModelInfo) -> None:
        self.clf = clf
        self.info = info
        self._vec = _vectorizer()

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Probability that each text is a supporter's."""
        if not texts:
            return np.zeros(0)
        x = self._vec.transform([normalise(t) for t in texts])
        return np.asarray(self.clf.predict_proba(x)[:, 1], dtype=np.float64)


def models_dir(settings: Settings) -> Path:
    return settings.home / "models"


def fit(texts: Sequence[str], labels: Sequence[bool]) -> LogisticRegression:
    """The classifier alone, unsaved (for out-of-fold predictions while training)."""
    x = _vectorizer().transform([normalise(t) for t in texts])
    # Balanced: supporters are a small minority of what reviewers see.
    clf = LogisticRegression(C=4.0, class_weight="balanced", solver="liblinear")
    clf.fit(x, np.asarray(labels, dtype=bool))
    return clf


def train(
    texts: Sequence[str],
    labels: Sequence[bool],
    settings: Settings,
    *,
    accounts: int = 0,
    version: str | None = None,
) -> ModelInfo:
    """Fit on `texts` and `labels`, save under ``$VIGIL_HOME/models/``; needs both classes."""
    if len(texts) != len(labels):
        raise InputError(f"{len(texts)} texts but {len(labels)} labels")
    positives = sum(bool(y) for y in labels)
    if positives == 0 or positives == len(labels):
        raise InputError("training needs texts of both classes (supporter and not)")
    clf = fit(texts, labels)
    now = datetime.now(UTC)
    digest = hashlib.sha256(pickle.dumps(clf.coef_)).hexdigest()[:8]
    version = version or f"{now:%Y%m%dT%H%M%S}-{digest}"
    out = models_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{_PREFIX}{version}.pkl"
    info = ModelInfo(version, str(path), now.isoformat(), len(texts), positives, accounts)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump({"clf": clf, "info": asdict(info)}, f)
    tmp.replace(path)
    path.with_suffix(".json").write_text(json.dumps(asdict(info), indent=2), encoding="utf-8")
    log.info("trained text model %s on %s texts (%s positive)", version, len(texts), positives)
    return info


def load_model(path: Path) -> TextModel:
    # Models are files this installation wrote itself under $VIGIL_HOME, never downloads.
    with path.open("rb") as f:
        data = pickle.load(f)  # noqa: S301
    return TextModel(data["clf"], ModelInfo(**data["info"]))


def latest_model(settings: Settings) -> TextModel | None:
    """The newest saved model, or None when none was trained yet."""
    folder = models_dir(settings)
    if not folder.is_dir():
        return None
    paths = sorted(folder.glob(f"{_PREFIX}*.pkl"))
    return load_model(paths[-1]) if paths else None


def train_from_labels(db: Database, settings: Settings, labels: Mapping[int, bool]) -> ModelInfo:
    """Train on the stored posts of reviewed accounts, each post labelled as its account."""
    texts: list[str] = []
    ys: list[bool] = []
    ids = list(labels)
    with db.session() as s:
        for i in range(0, len(ids), 5000):
            chunk = ids[i : i + 5000]
            query = sa.select(Post.account_id, Post.text).where(
                Post.account_id.in_(chunk), Post.text.is_not(None)
            )
            for account_id, text in s.execute(query):
                texts.append(text or "")
                ys.append(bool(labels[account_id]))
    return train(texts, ys, settings, accounts=len(ids))
