"""When accounts post and what kind of post it is, sampled with numpy.

Each account posts at its rate while it is up in the window, on a daily rhythm in its
language's time zone; supporters also join short coordinated bursts (hashtag campaigns).
Retweets, replies and quotes point at an earlier original from the group the role
engages with (supporters amplify supporters, counter-speech answers them, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from vigil.sim.populations import DAY_MS, LANGS, ROLES, Population, role_code
from vigil.sim.rng import np_stream
from vigil.sim.snowflake import ms_of
from vigil.sim.world import Role

if TYPE_CHECKING:
    from vigil.sim.params import WorldParams

__all__ = ["KINDS", "Skeleton", "draw_skeleton"]

IntArray = npt.NDArray[np.int64]
KINDS = ("original", "retweet", "reply", "quote")
ORIGINAL, RETWEET, REPLY, QUOTE = range(4)
HOUR_MS = 3_600_000
R = Role

# Relative activity by local hour (quiet at night); time zones per language.
_DIURNAL = np.array(
    [
        0.25,
        0.15,
        0.1,
        0.1,
        0.1,
        0.15,
        0.3,
        0.5,
        0.7,
        0.8,
        0.85,
        0.9,
        0.9,
        0.9,
        0.85,
        0.85,
        0.9,
        0.95,
        1.0,
        1.0,
        1.0,
        0.95,
        0.8,
        0.5,
    ]
)
_TZ_HOURS = {"ar": 3, "en": 0, "fr": 1}
# Which roles' originals each role retweets, replies to and quotes.
_ENGAGES: dict[int, dict[Role, tuple[Role, ...]]] = {
    RETWEET: {
        R.SUPPORTER: (R.SUPPORTER,),
        R.ORDINARY: (R.ORDINARY, R.NEWS_OUTLET, R.JOURNALIST),
        R.JOURNALIST: (R.JOURNALIST, R.NEWS_OUTLET, R.RESEARCHER),
        R.NEWS_OUTLET: (R.JOURNALIST, R.NEWS_OUTLET),
        R.RESEARCHER: (R.RESEARCHER, R.JOURNALIST, R.NEWS_OUTLET),
        R.PARODY: (R.PARODY, R.ORDINARY),
        R.COUNTER_SPEECH: (R.COUNTER_SPEECH, R.JOURNALIST),
        R.BOT: tuple(Role),
    },
    REPLY: {
        R.SUPPORTER: (R.SUPPORTER,),
        R.COUNTER_SPEECH: (R.SUPPORTER,),
        R.PARODY: (R.SUPPORTER, R.PARODY),
        R.ORDINARY: (R.ORDINARY, R.NEWS_OUTLET),
        R.JOURNALIST: (R.JOURNALIST, R.RESEARCHER),
        R.RESEARCHER: (R.RESEARCHER, R.JOURNALIST),
        R.NEWS_OUTLET: (R.NEWS_OUTLET,),
        R.BOT: tuple(Role),
    },
    QUOTE: {
        R.JOURNALIST: (R.SUPPORTER,),
        R.RESEARCHER: (R.SUPPORTER,),
        R.COUNTER_SPEECH: (R.SUPPORTER,),
        R.PARODY: (R.SUPPORTER,),
        R.SUPPORTER: (R.SUPPORTER,),
        R.ORDINARY: (R.NEWS_OUTLET, R.JOURNALIST),
        R.NEWS_OUTLET: (R.JOURNALIST,),
        R.BOT: tuple(Role),
    },
}
_CAMPAIGN_SHARE = {"hyper": 0.4, "supporter": 0.12}


@dataclass
class Skeleton:
    """Posts in time order: author row, time, kind and referenced post (-1: none)."""

    author: IntArray
    t_ms: IntArray
    kind: IntArray
    ref: IntArray

    def __len__(self) -> int:
        return len(self.author)


def _diurnal(
    rng: np.random.Generator, t: IntArray, lo: IntArray, hi: IntArray, tz: IntArray
) -> IntArray:
    for _ in range(3):
        hour = ((t // HOUR_MS) + tz) % 24
        redo = rng.random(len(t)) > _DIURNAL[hour]
        if not redo.any():
            break
        t = np.where(redo, lo + (rng.random(len(t)) * (hi - lo)).astype(np.int64), t)
    return t


def _campaigns(
    rng: np.random.Generator,
    pop: Population,
    author: IntArray,
    t: IntArray,
    lo: IntArray,
    hi: IntArray,
    params: WorldParams,
) -> IntArray:
    start = ms_of(params.start)
    days = np.flatnonzero(rng.random(params.days) < 0.5)
    if not len(days):
        return t
    centres = start + days * DAY_MS + rng.integers(14 * HOUR_MS, 23 * HOUR_MS, len(days))
    sup = pop.role[author] == role_code(R.SUPPORTER)
    share = np.where(
        pop.hyperactive[author], _CAMPAIGN_SHARE["hyper"], _CAMPAIGN_SHARE["supporter"]
    )
    move = sup & (rng.random(len(t)) < share)
    moved = centres[rng.integers(0, len(centres), len(t))] + rng.integers(0, HOUR_MS, len(t))
    ok = move & (moved >= lo) & (moved < hi)
    return np.where(ok, moved, t)


def _kinds(rng: np.random.Generator, role: IntArray, params: WorldParams) -> IntArray:
    rt = np.array([params.retweet_share.get(r.value, 0.0) for r in ROLES])[role]
    rp = rt + np.array([params.reply_share.get(r.value, 0.0) for r in ROLES])[role]
    qt = rp + np.array([params.quote_share.get(r.value, 0.0) for r in ROLES])[role]
    u = rng.random(len(role))
    return np.select([u < rt, u < rp, u < qt], [RETWEET, REPLY, QUOTE], ORIGINAL).astype(np.int64)


def _refs(rng: np.random.Generator, pop: Population, sk: Skeleton) -> None:
    role = pop.role[sk.author]
    originals = np.flatnonzero(sk.kind == ORIGINAL)
    for kind, table in _ENGAGES.items():
        for src_role, targets in table.items():
            mine = np.flatnonzero((sk.kind == kind) & (role == role_code(src_role)))
            if not len(mine):
                continue
            codes = [role_code(r) for r in targets]
            pool = originals[np.isin(role[originals], codes)]
            before = np.searchsorted(sk.t_ms[pool], sk.t_ms[mine], side="left")
            scale = np.maximum(np.minimum(before, 400) * 0.5, 1.0)
            back = np.minimum(rng.exponential(scale).astype(np.int64), np.maximum(before - 1, 0))
            pick = np.where(
                before > 0, pool[np.maximum(before - 1 - back, 0)] if len(pool) else -1, -1
            )
            sk.ref[mine] = pick
    has = sk.ref >= 0
    target_author = np.where(has, sk.author[np.maximum(sk.ref, 0)], -1)
    bad = has & (
        (target_author == sk.author) | (pop.suspended_ms[np.maximum(target_author, 0)] <= sk.t_ms)
    )
    sk.ref[bad] = -1
    sk.kind[(sk.kind != ORIGINAL) & (sk.ref < 0)] = ORIGINAL


def draw_skeleton(pop: Population, params: WorldParams) -> Skeleton:
    """Every post's author, time, kind and reference, sorted by time."""
    rng = np_stream(params.seed, "activity")
    start, end = ms_of(params.start), ms_of(params.end)
    lo = np.maximum(pop.created_ms, start)
    hi = np.minimum(pop.suspended_ms, end)
    span = np.maximum(hi - lo, 0)
    counts = rng.poisson(pop.rate * span / DAY_MS)
    author = np.repeat(np.arange(len(pop), dtype=np.int64), counts)
    a_lo, a_hi = lo[author], hi[author]
    t = a_lo + (rng.random(len(author)) * (a_hi - a_lo)).astype(np.int64)
    tz = np.array([_TZ_HOURS[lg] for lg in LANGS])[pop.lang[author]]
    t = _diurnal(rng, t, a_lo, a_hi, tz)
    t = _campaigns(rng, pop, author, t, a_lo, a_hi, params)
    order = np.lexsort((author, t))
    author, t = author[order], t[order]
    sk = Skeleton(author, t, _kinds(rng, pop.role[author], params), np.full(len(t), -1, np.int64))
    _refs(rng, pop, sk)
    return sk
