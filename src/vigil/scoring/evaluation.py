"""Detection measured against a simulated world's truth.json: precision, recall, F1, PR-AUC,
false positives per protected class, resurgence links and time to the queue.

truth.json is read here only; detection never sees it. Measured over the accounts with
something to review (a post, or a profile of an account still shown): not the seeds (an
input, not a finding), nor accounts gone without a post (nothing to review but a profile).
"""

from __future__ import annotations

import json
import logging
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import Settings
from vigil.errors import InputError
from vigil.model import Account, AccountStatus, Platform, Post, Score, StatusObservation
from vigil.model.detection import AccountLink
from vigil.scoring.replay import queue_times
from vigil.scoring.score import Weights
from vigil.store import Database

__all__ = [
    "OPERATING_THRESHOLD",
    "PROTECTED",
    "Evaluation",
    "Truth",
    "add_time_to_queue",
    "classification_metrics",
    "evaluate",
    "load_truth",
]

log = logging.getLogger(__name__)

OPERATING_THRESHOLD = 0.5
TARGET_RECALL = 0.9
# Statuses that say an account is no longer shown: gone without a post, nothing to review.
GONE = (
    AccountStatus.SUSPENDED,
    AccountStatus.NOT_FOUND,
    AccountStatus.DEACTIVATED,
    AccountStatus.DELETED,
    AccountStatus.TAKEN_DOWN,
)
LINK_STEP_HOURS = 6.0  # scan interval assumed for the hours from first post to link
# Protected classes: (name, role, language or None); "ordinary_ar" is the ordinary
# Arabic-speaking users who share names and vocabulary with supporters.
PROTECTED: tuple[tuple[str, str, str | None], ...] = (
    ("journalist", "journalist", None),
    ("news_outlet", "news_outlet", None),
    ("researcher", "researcher", None),
    ("parody", "parody", None),
    ("counter_speech", "counter_speech", None),
    ("ordinary_ar", "ordinary", "ar"),
)


@dataclass(frozen=True, slots=True)
class Truth:
    """The parts of truth.json detection is measured against, keyed by platform account id."""

    role: dict[str, str]
    lang: dict[str, str]
    seeds: frozenset[str]
    returns: dict[str, str]  # new account -> the suspended account it returns from
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def load_truth(path: Path) -> Truth:
    """Read a simulator truth.json; InputError names the file when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        accounts = data["accounts"]
        role = {str(a["id"]): str(a["role"]) for a in accounts}
        lang = {str(a["id"]): str(a.get("lang") or "") for a in accounts}
        returns = {str(a["id"]): str(a["returned_from"]) for a in accounts if a["returned_from"]}
        seeds = frozenset(str(s) for s in data.get("seeds", []))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a simulator truth file: {exc}", source=str(path)) from exc
    return Truth(role, lang, seeds, returns, data)


def classification_metrics(
    y: Sequence[bool], scores: Sequence[float], threshold: float
) -> dict[str, Any]:
    """Precision, recall, F1 at `threshold`; PR-AUC (average precision); the best precision
    at recall >= 0.9 and the threshold that gives it."""
    from sklearn.metrics import average_precision_score  # type: ignore[import-untyped]

    ya = np.asarray(y, dtype=bool)
    sa_ = np.asarray(scores, dtype=float)
    pred = sa_ >= threshold
    tp = int((pred & ya).sum())
    fp = int((pred & ~ya).sum())
    fn = int((~pred & ya).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    pr_auc = float(average_precision_score(ya, sa_)) if ya.any() and (~ya).any() else 0.0
    p_at, t_at = _precision_at_recall(ya, sa_, TARGET_RECALL)
    return {
        "threshold": threshold,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "pr_auc": round(pr_auc, 4),
        "precision_at_recall_0_9": round(p_at, 4),
        "threshold_at_recall_0_9": t_at,
    }


def _precision_at_recall(
    y: np.ndarray[Any, Any], s: np.ndarray[Any, Any], target: float
) -> tuple[float, float | None]:
    """The highest precision over thresholds whose recall is at least `target`."""
    positives = int(y.sum())
    if not positives:
        return 0.0, None
    order = np.argsort(-s, kind="stable")
    ys, ss = y[order], s[order]
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    # Only cut between distinct scores: a threshold takes every account at or above it.
    last = np.r_[ss[1:] != ss[:-1], True]
    ok = last & (tp / positives >= target)
    if not ok.any():
        return 0.0, None
    prec = np.where(ok, tp / k, -1.0)
    i = int(np.argmax(prec))
    return float(prec[i]), round(float(ss[i]), 6)


def _gone(session: Session) -> set[int]:
    """Accounts whose latest status observation says the platform no longer shows them."""
    o = StatusObservation
    latest = (
        sa.select(o.account_id, sa.func.max(o.observed_at).label("at"))
        .group_by(o.account_id)
        .subquery()
    )
    stmt = (
        sa.select(o.account_id)
        .join(latest, sa.and_(latest.c.account_id == o.account_id, latest.c.at == o.observed_at))
        .where(o.status.in_(GONE))
    )
    return {int(a) for a in session.scalars(stmt)}


def _store_scores(session: Session, platform: str) -> tuple[dict[str, float], set[str]]:
    """Platform account id -> score (0 when unscored) of the accounts with something to
    review, and the ids of the others: known only from references, or gone (suspended,
    deleted) without a post, so a profile at most."""
    has_post = sa.exists().where(Post.account_id == Account.id)
    stmt = (
        sa.select(
            Account.id,
            Account.platform_account_id,
            Score.value,
            Account.profile_seen_at.is_not(None),
            has_post,
        )
        .join(Platform, Platform.id == Account.platform_id)
        .outerjoin(Score, Score.account_id == Account.id)
        .where(Platform.name == platform)
    )
    gone = _gone(session)
    seen: dict[str, float] = {}
    unseen: set[str] = set()
    for i, a, v, profile, posted in session.execute(stmt):
        if posted or (profile and i not in gone):
            seen[str(a)] = float(v or 0.0)
        else:
            unseen.add(str(a))
    return seen, unseen


def protected_fpr(
    truth: Truth, scores: Mapping[str, float], threshold: float
) -> dict[str, dict[str, Any]]:
    """Per protected class: accounts evaluated, how many reach `threshold`, and the share."""
    out: dict[str, dict[str, Any]] = {}
    for name, role, lang in PROTECTED:
        ids = [
            a
            for a in scores
            if truth.role.get(a) == role and (lang is None or truth.lang.get(a) == lang)
        ]
        flagged = sum(scores[a] >= threshold for a in ids)
        out[name] = {
            "accounts": len(ids),
            "flagged": int(flagged),
            "fpr": round(flagged / len(ids), 4) if ids else None,
        }
    return out


def link_metrics(
    session: Session, truth: Truth, min_confidence: float = 0.0, step_hours: float = LINK_STEP_HOURS
) -> dict[str, Any]:
    """Resurgence links against truth: a link is right when both accounts are one person
    (truth's identity); a return is found when its new account links to that person."""
    new_acc = sa.orm.aliased(Account)
    prior_acc = sa.orm.aliased(Account)
    stmt = (
        sa.select(new_acc.platform_account_id, prior_acc.platform_account_id)
        .select_from(AccountLink)
        .join(new_acc, new_acc.id == AccountLink.new_account_id)
        .join(prior_acc, prior_acc.id == AccountLink.prior_account_id)
        # A link reviewers rejected is no longer proposed.
        .where(AccountLink.status != "rejected")
    )
    if min_confidence > 0:
        stmt = stmt.where(AccountLink.confidence >= min_confidence)
    proposed = {(str(a), str(b)) for a, b in session.execute(stmt)}
    identity = {
        str(a["id"]): str(a.get("identity") or a["id"]) for a in truth.raw.get("accounts", [])
    }

    def same_person(new: str, prior: str) -> bool:
        return identity.get(new, new) == identity.get(prior, prior)

    right = {pair for pair in proposed if same_person(*pair)}
    stored = set(_all_ids(session))
    expected = {n for n, p in truth.returns.items() if n in stored and p in stored}
    found = {n for n, _ in right if n in expected}
    return {
        "available": True,
        "proposed": len(proposed),
        "expected": len(expected),
        "correct": len(right),
        "precision": round(len(right) / len(proposed), 4) if proposed else None,
        "recall": round(len(found) / len(expected), 4) if expected else None,
        "time_to_link": link_times(
            session, truth, {(n, p) for n, p in right if n in expected}, step_hours
        ),
    }


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def link_times(
    session: Session, truth: Truth, links: set[tuple[str, str]], step_hours: float
) -> dict[str, Any]:
    """Hours from each found return's first post (world time) to its link, approximated.

    The link's inputs are the new account's profile and follows and the prior's suspension;
    follows are undated and the X files see every status at collection's end, so the
    resurgence scan is not replayed. Instead a scan every `step_hours` (from the world's
    start) with a monitor seeing each suspension when it happens is assumed: the link is
    made at the first step at or after both the new account's first post and the prior's
    suspension (truth's ``suspended_at``)."""
    out: dict[str, Any] = {
        "method": "first scan step after the new account's first post and the prior's "
        "suspension (see evaluation.link_times)",
        "step_hours": step_hours,
        "links": 0,
        "median_hours": None,
        "p90_hours": None,
    }
    start_text = truth.raw.get("start")
    if not links or not start_text:
        return out
    start = _aware(datetime.fromisoformat(str(start_text)))
    suspended = {
        str(a["id"]): _aware(datetime.fromisoformat(str(a["suspended_at"])))
        for a in truth.raw.get("accounts", [])
        if a.get("suspended_at")
    }
    news = sorted({n for n, _ in links})
    stmt = (
        sa.select(Account.platform_account_id, sa.func.min(Post.created_at))
        .join(Post, Post.account_id == Account.id)
        .where(Account.platform_account_id.in_(news), Post.created_at.is_not(None))
        .group_by(Account.platform_account_id)
    )
    first = {str(a): _aware(t) for a, t in session.execute(stmt) if t is not None}
    step = timedelta(hours=step_hours)
    hours: dict[str, float] = {}
    for n, p in links:
        if n not in first:
            continue
        ready = max(first[n], suspended.get(p, first[n]))
        at = start + step * max(0, math.ceil((ready - start) / step))
        hours[n] = min(hours.get(n, math.inf), (at - first[n]).total_seconds() / 3600)
    values = sorted(hours.values())
    if values:
        out["links"] = len(values)
        out["median_hours"] = round(statistics.median(values), 2)
        out["p90_hours"] = round(float(np.quantile(values, 0.9)), 2)
    return out


def _all_ids(session: Session) -> list[str]:
    return [str(a) for a in session.scalars(sa.select(Account.platform_account_id))]


@dataclass(slots=True)
class Evaluation:
    """Every figure `vigil eval` prints; `to_dict` is its JSON form."""

    accounts: int
    supporters: int
    seeds_excluded: int
    unseen_supporters: int
    model_versions: list[str]
    detection: dict[str, Any]
    protected: dict[str, dict[str, Any]]
    links: dict[str, Any]
    time_to_queue: dict[str, Any] = field(default_factory=dict)
    # The scores measured (platform account id -> score), to re-measure at other thresholds.
    scores: dict[str, float] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "supporters": self.supporters,
            "seeds_excluded": self.seeds_excluded,
            "unseen_supporters": self.unseen_supporters,
            "model_versions": list(self.model_versions),
            "detection": dict(self.detection),
            "protected_fpr": {k: dict(v) for k, v in self.protected.items()},
            "resurgence_links": dict(self.links),
            "time_to_queue": dict(self.time_to_queue),
        }


def evaluate(
    session: Session,
    truth: Truth,
    *,
    threshold: float = OPERATING_THRESHOLD,
    platform: str = "x",
    scores: Mapping[str, float] | None = None,
) -> Evaluation:
    """Metrics over the stored accounts of `platform` that truth.json knows, seeds left out.

    `scores` (platform account id -> score) replaces the stored scores, e.g. a baseline's."""
    stored, unseen = _store_scores(session, platform)
    found = {a: s for a, s in (scores or stored).items() if a not in unseen}
    known = {a: s for a, s in found.items() if a in truth.role and a not in truth.seeds}
    if not known:
        raise InputError("no stored account appears in the truth file (wrong world or platform?)")
    ids = sorted(known)
    y = [truth.role[a] == "supporter" for a in ids]
    detection = classification_metrics(y, [known[a] for a in ids], threshold)
    versions = sorted({str(v) for v in session.scalars(sa.select(Score.model_version).distinct())})
    return Evaluation(
        accounts=len(ids),
        supporters=sum(y),
        seeds_excluded=len(set(found) & truth.seeds),
        unseen_supporters=sum(truth.role.get(a) == "supporter" for a in unseen),
        model_versions=versions,
        detection=detection,
        protected=protected_fpr(truth, known, threshold),
        links=link_metrics(session, truth),
        scores=known,
    )


def add_time_to_queue(
    db: Database,
    settings: Settings,
    truth: Truth,
    ev: Evaluation,
    *,
    weights: Weights,
    threshold: float = OPERATING_THRESHOLD,
    step_hours: float = 24.0,
    platform: str = "x",
) -> None:
    """Fill `ev.time_to_queue`: over the supporters in the queue at the end, the median hours
    from their first post to the replayed step where they entered it (see `scoring.replay`)."""
    queued = {a for a, s in ev.scores.items() if s >= threshold and truth.role[a] == "supporter"}
    with db.session() as s:
        stmt = (
            sa.select(Account.id, Account.platform_account_id)
            .join(Platform, Platform.id == Account.platform_id)
            .where(Platform.name == platform)
        )
        ids = [int(i) for i, a in s.execute(stmt) if str(a) in queued]
    try:
        start = datetime.fromisoformat(str(truth.raw["start"]))
        end = datetime.fromisoformat(str(truth.raw["end"]))
    except (KeyError, ValueError) as exc:
        raise InputError(f"truth file without start/end: {exc}") from exc
    times = queue_times(
        db,
        settings,
        ids,
        start=start,
        end=end,
        weights=weights,
        threshold=threshold,
        step=timedelta(hours=step_hours),
    )
    ev.time_to_queue = times.to_dict()
