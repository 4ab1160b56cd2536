"""The in-world follow graph, sampled with numpy: who follows whom, and since when.

Structure, not counts: supporters form a dense in-group around hubs (weight grows with
followers), journalists and researchers follow many supporters who rarely follow back,
ordinary users mostly follow each other in their own language, bots follow at random, and
a returning account re-follows its predecessor's circle and is followed back by part of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from vigil.sim.populations import DAY_MS, LANGS, ROLES, Population, role_code
from vigil.sim.rng import np_stream
from vigil.sim.snowflake import ms_of
from vigil.sim.world import Follow, Role

if TYPE_CHECKING:
    from vigil.sim.params import WorldParams

__all__ = ["FOLLOW_MIX", "Edges", "build_graph", "to_follows"]

IntArray = npt.NDArray[np.int64]
R = Role

# Source role -> (mean in-world out-degree, language homophily, share of follows per target role).
FOLLOW_MIX: dict[Role, tuple[float, float, dict[Role, float]]] = {
    R.ORDINARY: (
        16.0,
        0.75,
        {
            R.ORDINARY: 0.86,
            R.NEWS_OUTLET: 0.05,
            R.JOURNALIST: 0.03,
            R.PARODY: 0.02,
            R.COUNTER_SPEECH: 0.015,
            R.RESEARCHER: 0.005,
            R.SUPPORTER: 0.01,
            R.BOT: 0.01,
        },
    ),
    R.SUPPORTER: (
        50.0,
        0.7,
        {
            R.SUPPORTER: 0.76,
            R.ORDINARY: 0.15,
            R.NEWS_OUTLET: 0.08,
            R.JOURNALIST: 0.005,
            R.PARODY: 0.005,
        },
    ),
    R.JOURNALIST: (
        120.0,
        0.3,
        {
            R.SUPPORTER: 0.55,
            R.JOURNALIST: 0.15,
            R.NEWS_OUTLET: 0.1,
            R.RESEARCHER: 0.1,
            R.ORDINARY: 0.08,
            R.COUNTER_SPEECH: 0.02,
        },
    ),
    R.RESEARCHER: (
        150.0,
        0.2,
        {
            R.SUPPORTER: 0.65,
            R.RESEARCHER: 0.12,
            R.JOURNALIST: 0.12,
            R.NEWS_OUTLET: 0.05,
            R.COUNTER_SPEECH: 0.04,
            R.ORDINARY: 0.02,
        },
    ),
    R.NEWS_OUTLET: (
        15.0,
        0.5,
        {R.JOURNALIST: 0.5, R.NEWS_OUTLET: 0.3, R.RESEARCHER: 0.1, R.ORDINARY: 0.1},
    ),
    R.PARODY: (
        40.0,
        0.6,
        {
            R.ORDINARY: 0.5,
            R.JOURNALIST: 0.15,
            R.SUPPORTER: 0.1,
            R.COUNTER_SPEECH: 0.1,
            R.PARODY: 0.1,
            R.NEWS_OUTLET: 0.05,
        },
    ),
    R.COUNTER_SPEECH: (
        60.0,
        0.6,
        {
            R.SUPPORTER: 0.3,
            R.ORDINARY: 0.3,
            R.JOURNALIST: 0.15,
            R.COUNTER_SPEECH: 0.15,
            R.NEWS_OUTLET: 0.05,
            R.RESEARCHER: 0.05,
        },
    ),
    R.BOT: (40.0, 0.0, {}),  # at random over everyone
}
_HUB_EXPONENT = 0.8  # how strongly in-world follows concentrate on accounts with many followers


@dataclass
class Edges:
    src: IntArray
    dst: IntArray
    t_ms: IntArray

    def __len__(self) -> int:
        return len(self.src)


def _pick(
    rng: np.random.Generator, pool: IntArray, weight: npt.NDArray[np.float64], k: int
) -> IntArray:
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    if not len(pool):
        return np.full(k, -1, dtype=np.int64)
    cum = np.cumsum(weight[pool])
    idx = np.searchsorted(cum, rng.random(k) * cum[-1], side="right")
    return np.asarray(pool[np.minimum(idx, len(pool) - 1)], dtype=np.int64)


def _base_edges(
    pop: Population, rows: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    weight = (pop.followers + 1.0) ** _HUB_EXPONENT
    role, lang = pop.role, pop.lang
    pools = {
        (r, lg): rows[(role[rows] == r) & (lang[rows] == lg)]
        for r in range(len(ROLES))
        for lg in range(len(LANGS))
    }
    by_role = {r: rows[role[rows] == r] for r in range(len(ROLES))}
    srcs: list[IntArray] = []
    dsts: list[IntArray] = []
    for src_role, (degree, homophily, mix) in FOLLOW_MIX.items():
        sources = by_role[role_code(src_role)]
        if not len(sources):
            continue
        k = rng.poisson(rng.lognormal(np.log(degree) - 0.32, 0.8, len(sources)))
        if not mix:
            s = np.repeat(sources, k)
            srcs.append(s)
            dsts.append(rows[rng.integers(0, len(rows), len(s))])
            continue
        for dst_role, share in mix.items():
            n = rng.binomial(k, share)
            s = np.repeat(sources, n)
            same = rng.random(len(s)) < homophily
            d = np.empty(len(s), dtype=np.int64)
            code = role_code(dst_role)
            for lg in range(len(LANGS)):
                sel = same & (lang[s] == lg)
                d[sel] = _pick(rng, pools[(code, lg)], weight, int(sel.sum()))
            d[~same] = _pick(rng, by_role[code], weight, int((~same).sum()))
            empty = d < 0
            srcs.append(s[~empty])
            dsts.append(d[~empty])
    return np.concatenate(srcs), np.concatenate(dsts)


def _times(
    pop: Population, src: IntArray, dst: IntArray, start: int, rng: np.random.Generator
) -> IntArray:
    base = np.maximum(pop.created_ms[src], pop.created_ms[dst])
    before = base < start
    old = base + (rng.random(len(src)) * (start - base)).astype(np.int64)
    new = base + rng.exponential(DAY_MS, len(src)).astype(np.int64)
    return np.where(before, old, new)


def _dedupe(src: IntArray, dst: IntArray, t: IntArray, n: int) -> Edges:
    ok = src != dst
    src, dst, t = src[ok], dst[ok], t[ok]
    _, first = np.unique(src * n + dst, return_index=True)
    first.sort()
    return Edges(src[first], dst[first], t[first])


def _refollows(
    pop: Population, edges: Edges, gen_rows: IntArray, params: WorldParams, rng: np.random.Generator
) -> Edges:
    n = len(pop)
    succ = np.full(n, -1, dtype=np.int64)
    succ[pop.returned_from[gen_rows]] = gen_rows
    out = succ[edges.src] >= 0
    back = (succ[edges.dst] >= 0) & (pop.role[edges.src] == role_code(Role.SUPPORTER))
    out &= rng.random(len(edges)) < params.refollow_share
    back &= rng.random(len(edges)) < params.followback_share
    s = np.concatenate([succ[edges.src[out]], edges.src[back]])
    d = np.concatenate([edges.dst[out], succ[edges.dst[back]]])
    new_row = np.concatenate([succ[edges.src[out]], succ[edges.dst[back]]])
    delay = np.concatenate(
        [rng.exponential(6 * 3_600_000, int(out.sum())), rng.exponential(DAY_MS, int(back.sum()))]
    )
    t = pop.created_ms[new_row] + delay.astype(np.int64)
    t = np.maximum(t, np.maximum(pop.created_ms[s], pop.created_ms[d]))
    return Edges(s, d, t)


def build_graph(pop: Population, params: WorldParams) -> Edges:
    """All follows that exist at some time in the world (made before the end and while both
    accounts were up), sorted by (follower, time)."""
    rng = np_stream(params.seed, "graph")
    start, end = ms_of(params.start), ms_of(params.end)
    n = len(pop)
    base_rows = np.flatnonzero(pop.returned_from < 0)
    src, dst = _base_edges(pop, base_rows, rng)
    t = _times(pop, src, dst, start, rng)
    edges = _dedupe(src, dst, t, n)
    gens = np.zeros(n, dtype=np.int64)
    for row in np.flatnonzero(pop.returned_from >= 0):
        gens[row] = gens[pop.returned_from[row]] + 1
    for g in range(1, int(gens.max(initial=0)) + 1):
        # A returning account is a fresh row, so its re-follows can duplicate no edge.
        extra = _refollows(pop, edges, np.flatnonzero(gens == g), params, rng)
        edges = Edges(
            np.concatenate([edges.src, extra.src]),
            np.concatenate([edges.dst, extra.dst]),
            np.concatenate([edges.t_ms, extra.t_ms]),
        )
    alive = (
        (edges.t_ms < end)
        & (edges.t_ms < pop.suspended_ms[edges.src])
        & (edges.t_ms < pop.suspended_ms[edges.dst])
    )
    src, dst, t = edges.src[alive], edges.dst[alive], edges.t_ms[alive]
    order = np.lexsort((t, src))
    return Edges(src[order], dst[order], t[order])


def to_follows(edges: Edges, ids: list[str]) -> list[Follow]:
    """The canonical `Follow` records (one Python object per edge: the slow part at scale)."""
    from datetime import UTC, datetime

    stamps = [datetime.fromtimestamp(v / 1000, UTC) for v in edges.t_ms.tolist()]
    return [
        Follow(ids[s], ids[d], when)
        for s, d, when in zip(edges.src.tolist(), edges.dst.tolist(), stamps, strict=True)
    ]
