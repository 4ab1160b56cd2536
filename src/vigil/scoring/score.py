"""Scores: each account's latest signal values combined into a calibrated probability.

``p = sigmoid(b0 + sum_i w_i * x_i)``, weights shipped as data (``data/weights.json``) until
reviewers' decisions refit them with `fit_weights`; whitelisted accounts are capped low.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.errors import InputError
from vigil.model import ListEntry, ListKind, ListStatus, Score, Signal
from vigil.scoring.features import CLASSIFIER_FEATURE, COUNTER_FEATURE, derived_features
from vigil.store import Database, upsert

__all__ = [
    "CLASSIFIER_FEATURE",
    "COUNTER_FEATURE",
    "Weights",
    "account_features",
    "current_weights",
    "default_weights",
    "features_of",
    "fit_weights",
    "save_weights",
    "score_accounts",
    "weights_version",
]

log = logging.getLogger(__name__)

WEIGHTS_PREFIX = "weights-"
# How firmly a refit holds to the prior weights (L2 on each weight's change): reviewed
# accounts are too biased a sample to learn counter-evidence weights from scratch.
PRIOR_STRENGTH = 10.0
TOP_EVIDENCE = 10


@dataclass(frozen=True, slots=True)
class Weights:
    """A logistic model over signal values: `intercept` is b0, `weights` {feature: w}."""

    version: str
    intercept: float
    weights: dict[str, float]
    whitelist_cap: float = 0.05

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.intercept + sum(w * features.get(k, 0.0) for k, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "intercept": self.intercept,
            "weights": dict(self.weights),
            "whitelist_cap": self.whitelist_cap,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "weights") -> Weights:
        try:
            return cls(
                version=str(data["version"]),
                intercept=float(data["intercept"]),
                weights={str(k): float(v) for k, v in dict(data["weights"]).items()},
                whitelist_cap=float(data.get("whitelist_cap", 0.05)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a weights file: {exc}", source=source) from exc


def default_weights() -> Weights:
    """The weights shipped with Vigil (hand-set priors, see ``data/weights.json``)."""
    ref = resources.files("vigil.scoring").joinpath("data/weights.json")
    return Weights.from_dict(json.loads(ref.read_text(encoding="utf-8")), "weights.json")


def weights_dir(settings: Settings) -> Path:
    return settings.home / "models"


def save_weights(
    settings: Settings, weights: Weights, extra: Mapping[str, Any] | None = None
) -> Path:
    """Write `weights` as ``$VIGIL_HOME/models/weights-<version>.json``."""
    folder = weights_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{WEIGHTS_PREFIX}{weights.version}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({**weights.to_dict(), **(extra or {})}, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def weights_version(settings: Settings, version: str) -> Weights | None:
    """The weights saved (or shipped) as `version`, None when this installation has none."""
    shipped = default_weights()
    if version == shipped.version:
        return shipped
    path = weights_dir(settings) / f"{WEIGHTS_PREFIX}{version}.json"
    if not path.is_file():
        return None
    return Weights.from_dict(json.loads(path.read_text(encoding="utf-8")), str(path))


def current_weights(settings: Settings | None) -> Weights:
    """The newest weights `vigil train` saved under $VIGIL_HOME, else the shipped default.

    Versions start with the training time, so the newest sorts last."""
    if settings is not None:
        folder = weights_dir(settings)
        paths = sorted(folder.glob(f"{WEIGHTS_PREFIX}*.json")) if folder.is_dir() else []
        if paths:
            data = json.loads(paths[-1].read_text(encoding="utf-8"))
            return Weights.from_dict(data, str(paths[-1]))
    return default_weights()


@dataclass(slots=True)
class _Evidence:
    features: dict[str, float] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)
    posts: list[int] = field(default_factory=list)
    media: list[int] = field(default_factory=list)


def _ids(value: Any) -> list[int]:
    return [int(v) for v in value if isinstance(v, int)] if isinstance(value, list) else []


def _add(ev: _Evidence, name: str, value: float, explanation: str, evidence: Any) -> None:
    ev.features[name] = float(value)
    ev.explanations[name] = explanation
    evidence = evidence or {}
    ev.posts.extend(_ids(evidence.get("posts")))
    ev.media.extend(_ids(evidence.get("media")))
    for feature, (fvalue, text) in derived_features(name, evidence).items():
        ev.features[feature] = fvalue
        ev.explanations[feature] = text


def features_of(rows: Iterable[tuple[int, str, float, str, Any]]) -> dict[int, _Evidence]:
    """Features from (account id, signal name, value, explanation, evidence) rows; a later
    row of the same signal overwrites an earlier one."""
    out: dict[int, _Evidence] = {}
    for account_id, name, value, explanation, evidence in rows:
        _add(out.setdefault(int(account_id), _Evidence()), name, value, explanation, evidence)
    return out


def account_features(session: Session) -> dict[int, _Evidence]:
    """Per account with any signal row: its latest value of each signal, and evidence ids."""
    stmt = sa.select(
        Signal.account_id, Signal.name, Signal.value, Signal.explanation, Signal.evidence
    ).order_by(Signal.account_id, Signal.computed_at, Signal.id)
    # Ordered by time, so a later row of the same signal overwrites an earlier one.
    return features_of(session.execute(stmt))


def _whitelisted(session: Session) -> set[int]:
    stmt = sa.select(ListEntry.account_id).where(
        ListEntry.kind == ListKind.WHITE, ListEntry.status == ListStatus.ACTIVE
    )
    return {int(i) for i in session.scalars(stmt)}


def _contributions(ev: _Evidence, weights: Weights, p: float, whitelisted: bool) -> dict[str, Any]:
    signals: dict[str, Any] = {}
    for name, value in sorted(ev.features.items()):
        w = weights.weights.get(name, 0.0)
        signals[name] = {
            "value": round(value, 6),
            "weight": w,
            "contribution": round(w * value, 6),
            "explanation": ev.explanations.get(name, ""),
        }
    out: dict[str, Any] = {
        "intercept": weights.intercept,
        "signals": signals,
        "evidence": {
            "posts": list(dict.fromkeys(ev.posts))[:TOP_EVIDENCE],
            "media": list(dict.fromkeys(ev.media))[:TOP_EVIDENCE],
        },
    }
    if whitelisted:
        out["whitelist"] = {
            "cap": weights.whitelist_cap,
            "uncapped": round(p, 6),
            "explanation": f"on the whitelist: score capped at {weights.whitelist_cap:g}",
        }
    return out


def score_accounts(session: Session, *, now: datetime, weights: Weights | None = None) -> int:
    """Replace every account's Score from its signals; accounts without signals get none."""
    weights = weights or default_weights()
    evidence = account_features(session)
    white = _whitelisted(session)
    rows: list[dict[str, Any]] = []
    for account_id, ev in sorted(evidence.items()):
        p = weights.probability(ev.features)
        capped = min(p, weights.whitelist_cap) if account_id in white else p
        rows.append(
            {
                "account_id": account_id,
                "value": round(capped, 6),
                "model_version": weights.version,
                "contributions": _contributions(ev, weights, p, account_id in white),
                "computed_at": now,
            }
        )
    # Scores are derived: a score whose account lost every signal row is stale, not history.
    stale = sa.delete(Score)
    if evidence:
        existing = set(session.scalars(sa.select(Score.account_id)))
        gone = sorted(existing - set(evidence))
        for i in range(0, len(gone), 5000):
            session.execute(stale.where(Score.account_id.in_(gone[i : i + 5000])))
    else:
        session.execute(stale)
    upsert(
        session,
        Score,
        rows,
        keys=["account_id"],
        update=["value", "model_version", "contributions", "computed_at"],
    )
    return len(rows)


def fit_weights(
    db: Database,
    labels: Mapping[int, bool],
    *,
    version: str | None = None,
    overrides: Mapping[int, Mapping[str, float]] | None = None,
    prior: Weights | None = None,
    strength: float = PRIOR_STRENGTH,
) -> Weights:
    """Refit the logistic weights on labelled accounts (True: confirmed supporter).

    Features are the current signal values (0 where a signal has no row), replaced by
    `overrides` where given (`vigil train` passes out-of-fold classifier probabilities, so
    the classifier's weight is not learnt from texts it was trained on). Reviewed accounts
    are a biased sample (the head of the queue, few journalists or parody accounts), so the
    fit moves away from `prior` (the shipped weights by default) only as far as the decisions
    demand: an L2 penalty of `strength` on the change of each weight, the intercept free.
    Both classes must be present; they are balanced because confirmed accounts are rare.
    """
    from scipy.optimize import minimize  # type: ignore[import-untyped]

    with db.session() as session:
        evidence = account_features(session)
    ids = [i for i in labels if i in evidence]
    y = np.array([bool(labels[i]) for i in ids], dtype=float)
    if len(set(y.tolist())) < 2:
        raise InputError(
            "fitting needs labelled accounts of both classes with signals (run `vigil scan`)"
        )
    base = prior or default_weights()
    extra = overrides or {}
    rows = [{**evidence[i].features, **extra.get(i, {})} for i in ids]
    names = sorted({k for r in rows for k in r} | set(base.weights))
    x = np.array([[r.get(n, 0.0) for n in names] for r in rows])
    w0 = np.array([base.weights.get(n, 0.0) for n in names])
    positives = y.sum()
    sample = np.where(y > 0, len(y) / (2 * positives), len(y) / (2 * (len(y) - positives)))

    def loss(p: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        delta, shift = p[:-1], p[-1]
        z = x @ (w0 + delta) + base.intercept + shift
        residual = sample * (1.0 / (1.0 + np.exp(-z)) - y)
        value = float(
            (sample * (np.logaddexp(0.0, z) - y * z)).sum() + strength / 2 * delta @ delta
        )
        return value, np.r_[x.T @ residual + strength * delta, residual.sum()]

    fitted = minimize(loss, np.zeros(len(names) + 1), jac=True, method="L-BFGS-B").x
    log.info("fitted weights on %s accounts, %s features", len(ids), len(names))
    return Weights(
        version=version or f"fit-{len(ids)}",
        intercept=round(float(base.intercept + fitted[-1]), 6),
        weights={n: round(float(w + d), 6) for n, w, d in zip(names, w0, fitted[:-1], strict=True)},
        whitelist_cap=base.whitelist_cap,
    )
