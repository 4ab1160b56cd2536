"""Activity: posting rate, burstiness of the gaps between posts, account age at its first
post and share of retweets, combined into one 0..1 value."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from vigil.model import Account, Post
from vigil.signals.base import ScanContext, SignalPlugin, SignalResult
from vigil.signals.graph_load import PARTITION, epoch_s

__all__ = ["DEFAULT_WEIGHTS", "Activity", "BehaviourSignal", "activity", "burstiness"]

log = logging.getLogger(__name__)

DAY_S = 86_400.0
# How each part counts in the value. Supporter accounts in the 2015 census posted far more
# than ordinary users, mostly retweets, and were often days old (suspended and back).
DEFAULT_WEIGHTS: dict[str, float] = {"rate": 0.35, "burstiness": 0.2, "age": 0.2, "retweets": 0.25}
RATE_HIGH = 50.0  # posts/day that count as fully hyperactive (scale is logarithmic below it)
IN_LIST_MAX = 5000
AGE_SCALE_DAYS = 30.0  # an account this old at its first post scores e^-1 on youth

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Activity:
    """Per account (sorted `ids`): posts, posts/day over its observed window (first to last
    post, at least a day), Goh-Barabási burstiness (NaN below 3 posts), age in days at its
    first post (NaN when the creation time is unknown), share of retweets, and value."""

    ids: I64
    posts: I64
    rate: F64
    burstiness: F64
    age_days: F64
    retweet_share: F64
    value: F64


def burstiness(gaps: F64) -> float:
    """B = (σ - μ) / (σ + μ) of inter-event gaps: -1 regular, 0 Poisson, towards 1 bursty."""
    if len(gaps) < 2:
        return float("nan")
    mu, sigma = float(np.mean(gaps)), float(np.std(gaps))
    return (sigma - mu) / (sigma + mu) if sigma + mu > 0 else 0.0


def activity(
    account: I64,
    t_s: F64,
    is_retweet: npt.NDArray[np.bool_],
    created: Mapping[int, float],
    weights: Mapping[str, float] | None = None,
) -> Activity:
    """Activity of every account with posts, from one row per post (any order)."""
    order = np.lexsort((t_s, account))
    account, t_s, is_retweet = account[order], t_s[order], is_retweet[order]
    ids, start, posts = np.unique(account, return_index=True, return_counts=True)
    k = np.repeat(np.arange(len(ids)), posts)
    first, last = t_s[start], t_s[start + posts - 1]
    rate = posts / np.maximum((last - first) / DAY_S, 1.0)
    # Gaps between consecutive posts of the same account: sums per account give μ and σ.
    same = account[1:] == account[:-1]
    gaps, gk = (t_s[1:] - t_s[:-1])[same], k[1:][same]
    n_gaps = np.bincount(gk, minlength=len(ids)).astype(np.float64)
    mu = np.bincount(gk, gaps, minlength=len(ids)) / np.maximum(n_gaps, 1)
    var = np.bincount(gk, gaps * gaps, minlength=len(ids)) / np.maximum(n_gaps, 1) - mu * mu
    sigma = np.sqrt(np.maximum(var, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(sigma + mu > 0, (sigma - mu) / (sigma + mu), 0.0)
    b = np.where(n_gaps >= 2, b, np.nan)
    made = np.array([created.get(int(i), np.nan) for i in ids], dtype=np.float64)
    age = np.maximum(first - made, 0.0) / DAY_S
    rt_share = np.bincount(k, is_retweet.astype(np.float64), minlength=len(ids)) / posts
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    parts = {
        "rate": np.minimum(np.log1p(rate) / np.log1p(RATE_HIGH), 1.0),
        "burstiness": np.nan_to_num(np.maximum(b, 0.0)),
        "age": np.nan_to_num(np.exp(-age / AGE_SCALE_DAYS)),
        "retweets": rt_share,
    }
    total = sum(w.values()) or 1.0
    value = sum(w[name] * part for name, part in parts.items()) / total
    return Activity(ids, posts, rate, b, age, rt_share, np.clip(value, 0.0, 1.0))


def _load(ctx: ScanContext) -> tuple[I64, F64, npt.NDArray[np.bool_], dict[int, float]]:
    posts = sa.select(Post.account_id, Post.created_at, Post.kind).where(
        Post.created_at.is_not(None)
    )
    accounts = sa.select(Account.id, Account.created_at).where(Account.created_at.is_not(None))
    as_of = ctx.options.get("as_of")
    if as_of is not None:  # a replay of an earlier day (vigil eval): later posts unseen
        posts = posts.where(Post.created_at <= as_of)
    # A short list filters in SQL; a long one would make a huge IN list, so filter after.
    if ctx.accounts is not None and len(ctx.accounts) <= IN_LIST_MAX:
        posts = posts.where(Post.account_id.in_(ctx.accounts))
        accounts = accounts.where(Account.id.in_(ctx.accounts))
    ids: list[int] = []
    times: list[float] = []
    retweets: list[bool] = []
    result = ctx.session.execute(posts.execution_options(yield_per=PARTITION))
    for part in result.partitions():
        for account_id, created_at, kind in part:
            ids.append(account_id)
            times.append(epoch_s(created_at))
            retweets.append(kind == "retweet")
    created = {
        int(a): epoch_s(c)
        for a, c in ctx.session.execute(accounts.execution_options(yield_per=PARTITION))
    }
    account = np.asarray(ids, dtype=np.int64)
    keep = np.ones(len(account), dtype=bool)
    if ctx.accounts is not None:
        keep = np.isin(account, np.asarray(ctx.accounts, dtype=np.int64))
    return (
        account[keep],
        np.asarray(times, dtype=np.float64)[keep],
        np.asarray(retweets, dtype=bool)[keep],
        created,
    )


def _explain(a: Activity, i: int) -> str:
    parts = [f"{a.posts[i]} posts, {a.rate[i]:.1f}/day", f"{a.retweet_share[i]:.0%} retweets"]
    if not np.isnan(a.burstiness[i]):
        parts.append(f"burstiness {a.burstiness[i]:+.2f}")
    if not np.isnan(a.age_days[i]):
        parts.append(f"{a.age_days[i]:.0f} days old at its first post")
    return "; ".join(parts)


def _num(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 4)


class BehaviourSignal(SignalPlugin):
    """Options: ``behaviour_weights`` {rate, burstiness, age, retweets} (defaults
    `DEFAULT_WEIGHTS`). Value = weighted mean of: rate log-scaled to 1 at 50 posts/day,
    max(B, 0), e^(-age/30 days) and the retweet share. Accounts without posts get no row."""

    name = "behaviour"
    version = "1"
    description = (
        "Posting rate, burstiness (Goh-Barabási B), account age at first post and share of "
        "retweets, combined into 0..1."
    )

    def compute(self, ctx: ScanContext) -> Iterable[SignalResult]:
        opts: dict[str, Any] = ctx.options
        account, t_s, is_rt, created = _load(ctx)
        if not len(account):
            return
        a = activity(account, t_s, is_rt, created, opts.get("behaviour_weights"))
        for i in range(len(a.ids)):
            yield SignalResult(
                int(a.ids[i]),
                round(float(a.value[i]), 6),
                _explain(a, i),
                {
                    "post_count": int(a.posts[i]),
                    "posts_per_day": round(float(a.rate[i]), 4),
                    "burstiness": _num(a.burstiness[i]),
                    "age_days_at_first_post": _num(a.age_days[i]),
                    "retweet_share": round(float(a.retweet_share[i]), 4),
                },
            )
