"""Scores: each account's latest signal values combined into a calibrated probability.

``p = sigmoid(b0 + sum_i w_i * x_i)``, weights shipped as data (``data/weights.json``) until
reviewers' decisions refit them with `fit_weights`; whitelisted accounts are capped low.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.errors import InputError
from vigil.model import ListEntry, ListKind, ListStatus, Score, Signal
from vigil.store import Database, upsert

__all__ = [
    "COUNTER_FEATURE",
    "Weights",
    "account_features",
    "default_weights",
    "fit_weights",
    "score_accounts",
]

# The text signal keeps counter-evidence (opponents' names, news framing, counter-speech)
# in its evidence; scoring turns it into a feature of its own with a negative weight.
COUNTER_FEATURE = "text_counter"
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


@dataclass(slots=True)
class _Evidence:
    features: dict[str, float] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)
    posts: list[int] = field(default_factory=list)
    media: list[int] = field(default_factory=list)


def _counter_share(evidence: Mapping[str, Any]) -> float | None:
    counter = evidence.get("counter")
    scanned = evidence.get("posts_scanned")
    if not isinstance(counter, dict) or not isinstance(scanned, int) or scanned <= 0:
        return None
    posts = counter.get("posts") or []
    return min(1.0, len(posts) / scanned) if posts else None


def _ids(value: Any) -> list[int]:
    return [int(v) for v in value if isinstance(v, int)] if isinstance(value, list) else []


def account_features(session: Session) -> dict[int, _Evidence]:
    """Per account with any signal row: its latest value of each signal, and evidence ids."""
    stmt = sa.select(
        Signal.account_id, Signal.name, Signal.value, Signal.explanation, Signal.evidence
    ).order_by(Signal.account_id, Signal.computed_at, Signal.id)
    out: dict[int, _Evidence] = {}
    for account_id, name, value, explanation, evidence in session.execute(stmt):
        ev = out.setdefault(int(account_id), _Evidence())
        # Ordered by time, so a later row of the same signal overwrites an earlier one.
        ev.features[name] = float(value)
        ev.explanations[name] = explanation
        evidence = evidence or {}
        ev.posts.extend(_ids(evidence.get("posts")))
        ev.media.extend(_ids(evidence.get("media")))
        if name == "text":
            share = _counter_share(evidence)
            if share is not None:
                ev.features[COUNTER_FEATURE] = share
                ev.explanations[COUNTER_FEATURE] = (
                    f"{share:.0%} of posts hold counter-evidence (see the text signal)"
                )
    return out


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


def fit_weights(db: Database, labels: Mapping[int, bool], *, version: str | None = None) -> Weights:
    """Refit the logistic weights on labelled accounts (True: confirmed supporter).

    Features are the current signal values (0 where a signal has no row); both classes
    must be present. Classes are balanced because confirmed accounts are rare.
    """
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    with db.session() as session:
        evidence = account_features(session)
    ids = [i for i in labels if i in evidence]
    y = np.array([bool(labels[i]) for i in ids])
    if len(set(y.tolist())) < 2:
        raise InputError("fitting needs labelled accounts of both classes with signals")
    names = sorted({k for i in ids for k in evidence[i].features} | set(default_weights().weights))
    x = np.array([[evidence[i].features.get(n, 0.0) for n in names] for i in ids])
    model = LogisticRegression(class_weight="balanced", max_iter=1000)
    model.fit(x, y)
    coef: Iterable[float] = model.coef_[0].tolist()
    return Weights(
        version=version or f"fit-{len(ids)}",
        intercept=float(model.intercept_[0]),
        weights={n: round(float(c), 6) for n, c in zip(names, coef, strict=True)},
        whitelist_cap=default_weights().whitelist_cap,
    )
