"""Coordination: accounts that retweet the same post or post the same link within a short
window of each other (co-retweet, co-link), as in QUT's coordination-network toolkit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from vigil.model import Post, PostReference
from vigil.signals.base import ScanContext, SignalPlugin, SignalResult
from vigil.signals.graph_load import PARTITION, epoch_s

__all__ = ["CoordinationSignal", "Pairs", "co_actions", "normalise_url", "pair_weights"]

log = logging.getLogger(__name__)

WINDOW_S = 60.0
MIN_ITEMS = 2  # one shared retweet within a minute happens by chance on a viral post
CONFIRMED_FACTOR = 3.0  # a coordinated partner that is confirmed counts as this many
HALF_SCORE = 5.0  # partner score at which the value is 0.5
MAX_LISTED = 10

_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}\u2026"

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Pairs:
    """Unordered account pairs (a < b) and the number of distinct items they co-shared."""

    a: I64
    b: I64
    items: I64


def normalise_url(url: str) -> str:
    """The URL as compared: trailing punctuation, fragment and final slash dropped,
    scheme and host lower-cased."""
    url = url.rstrip(_TRAILING)
    try:
        p = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path.rstrip("/"), p.query, ""))


def co_actions(item: I64, t_s: F64, account: I64, window_s: float) -> I64:
    """(a, b, item) rows, a < b, for every two accounts acting on one item within
    `window_s` seconds of each other; unique rows.

    Sorted by (item, time), then the k-th next row is compared for k = 1, 2, ... while any
    row still has a neighbour inside the window: work grows with the pairs found, not with
    the square of the rows.
    """
    order = np.lexsort((t_s, item))
    item, t_s, account = item[order], t_s[order], account[order]
    found: list[I64] = []
    live = np.arange(len(item) - 1)
    k = 1
    while len(live):
        j = live + k
        ok = (item[j] == item[live]) & (t_s[j] - t_s[live] <= window_s)
        live, j = live[ok], j[ok]
        other = account[live] != account[j]
        a, b = account[live][other], account[j][other]
        found.append(np.column_stack((np.minimum(a, b), np.maximum(a, b), item[live][other])))
        k += 1
        live = live[live + k < len(item)]
    if not found:
        return np.zeros((0, 3), dtype=np.int64)
    return np.unique(np.concatenate(found), axis=0)


def pair_weights(rows: I64) -> Pairs:
    """Distinct items per pair from unique (a, b, item) rows."""
    if not len(rows):
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty.copy(), empty.copy())
    ab, counts = np.unique(rows[:, :2], axis=0, return_counts=True)
    return Pairs(ab[:, 0], ab[:, 1], counts.astype(np.int64))


def _factorise(keys: list[str]) -> tuple[I64, list[str]]:
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.int64)
    return codes, list(index)


def _load(ctx: ScanContext) -> tuple[I64, F64, I64, list[str], int]:
    """Item code, time and account of every retweet and every linking post; item labels
    (retweeted post ids, then URLs) and how many of them are retweeted posts."""
    keys: list[str] = []
    times: list[float] = []
    accounts: list[int] = []
    rts = (
        sa.select(
            Post.account_id,
            Post.created_at,
            Post.platform_id,
            PostReference.target_platform_post_id,
        )
        .join(Post, Post.id == PostReference.post_id)
        .where(PostReference.kind == "retweeted", Post.created_at.is_not(None))
    )
    as_of = ctx.options.get("as_of")
    if as_of is not None:  # a replay of an earlier day (vigil eval): later posts unseen
        rts = rts.where(Post.created_at <= as_of)
    for part in ctx.session.execute(rts.execution_options(yield_per=PARTITION)).partitions():
        for account_id, created_at, platform_id, target in part:
            keys.append(f"rt\x1f{platform_id}\x1f{target}")
            times.append(epoch_s(created_at))
            accounts.append(account_id)
    # Retweets carry the original's links; co-retweet already counts them.
    links = sa.select(Post.account_id, Post.created_at, Post.text).where(
        Post.kind != "retweet", Post.created_at.is_not(None), Post.text.like("%http%")
    )
    if as_of is not None:
        links = links.where(Post.created_at <= as_of)
    for chunk in ctx.session.execute(links.execution_options(yield_per=PARTITION)).partitions():
        for account_id, created_at, text in chunk:
            for url in {normalise_url(u) for u in _URL.findall(text or "")}:
                keys.append(f"url\x1f{url}")
                times.append(epoch_s(created_at))
                accounts.append(account_id)
    codes, labels = _factorise(keys)
    n_rt = sum(1 for label in labels if label.startswith("rt\x1f"))
    return (
        codes,
        np.asarray(times, dtype=np.float64),
        np.asarray(accounts, dtype=np.int64),
        labels,
        n_rt,
    )


class CoordinationSignal(SignalPlugin):
    """Options: ``coordination_window_s`` (60), ``coordination_min_items`` (2: distinct
    posts or links two accounts must share in the window to count as partners).
    Value = s / (s + 5) with s = partners + 2 more for each confirmed partner (a confirmed
    one counts 3). Only accounts with at least one partner get a row."""

    name = "coordination"
    version = "1"
    description = (
        "Co-retweet and co-link: accounts that retweet the same posts or post the same links "
        "within a short window of each other, over distinct items."
    )

    def compute(self, ctx: ScanContext) -> Iterable[SignalResult]:
        opts: dict[str, Any] = ctx.options
        window = float(opts.get("coordination_window_s", WINDOW_S))
        min_items = int(opts.get("coordination_min_items", MIN_ITEMS))
        item, t_s, account, labels, n_rt = _load(ctx)
        rows = co_actions(item, t_s, account, window)
        pairs = pair_weights(rows)
        strong = pairs.items >= min_items
        log.info(
            "coordination: %s pairs, %s with >= %s items", len(pairs.a), strong.sum(), min_items
        )
        partners: dict[int, dict[int, int]] = {}
        for a, b, n in zip(
            pairs.a[strong].tolist(),
            pairs.b[strong].tolist(),
            pairs.items[strong].tolist(),
            strict=True,
        ):
            partners.setdefault(a, {})[b] = n
            partners.setdefault(b, {})[a] = n
        shared: dict[int, set[int]] = {}
        kept = {
            (a, b) for a, b in zip(pairs.a[strong].tolist(), pairs.b[strong].tolist(), strict=True)
        }
        for a, b, it in rows.tolist():
            if (a, b) in kept:
                shared.setdefault(a, set()).add(it)
                shared.setdefault(b, set()).add(it)
        wanted = None if ctx.accounts is None else set(ctx.accounts)
        for acc, mine in sorted(partners.items()):
            if wanted is not None and acc not in wanted:
                continue
            yield self._result(
                acc,
                mine,
                sorted(shared.get(acc, ())),
                labels,
                n_rt,
                ctx.confirmed,
                (window, min_items),
            )

    @staticmethod
    def _result(
        acc: int,
        mine: dict[int, int],
        items: list[int],
        labels: list[str],
        n_rt: int,
        confirmed: frozenset[int],
        rule: tuple[float, int],
    ) -> SignalResult:
        window, min_items = rule
        conf = sorted(p for p in mine if p in confirmed)
        others = sorted((p for p in mine if p not in confirmed), key=lambda p: (-mine[p], p))
        score = len(mine) + (CONFIRMED_FACTOR - 1.0) * len(conf)
        value = score / (score + HALF_SCORE)
        retweeted = [labels[i].rsplit("\x1f", 1)[1] for i in items if i < n_rt]
        links = [labels[i].split("\x1f", 1)[1] for i in items if i >= n_rt]
        explanation = (
            f"acted within {window:g} s of {len(mine)} other accounts on at least {min_items} "
            f"of the same items ({len(conf)} of them confirmed): {len(retweeted)} co-retweeted "
            f"posts, {len(links)} co-posted links"
        )
        return SignalResult(
            acc,
            round(value, 6),
            explanation,
            {
                "partners": (conf + others)[: MAX_LISTED * 2],
                "confirmed_partners": conf[:MAX_LISTED],
                "partner_count": len(mine),
                "shared_retweets": retweeted[:MAX_LISTED],
                "shared_links": links[:MAX_LISTED],
                "window_s": window,
            },
        )
