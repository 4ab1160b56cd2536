"""Proximity to confirmed accounts: personalised PageRank over the follow, retweet and
mention graphs (igraph, C core) and the in-group ratio of the Brookings ISIS census.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import igraph  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from vigil.errors import ConfigError
from vigil.signals.base import ScanContext, SignalPlugin, SignalResult
from vigil.signals.graph_load import EDGE_KINDS, FOLLOW, Graph, load_graph

__all__ = [
    "DEFAULT_WEIGHTS",
    "NetworkScores",
    "NetworkSignal",
    "confirmed_neighbours",
    "network_results",
    "network_scores",
]

log = logging.getLogger(__name__)

# Per edge kind; a follow is a standing choice, a retweet an endorsement of one post,
# a quote or mention is often an argument with the account and weighs least.
DEFAULT_WEIGHTS: dict[str, float] = {"follow": 1.0, "retweet": 1.0, "quote": 0.5, "mention": 0.5}
DAMPING = 0.85
INGROUP_WEIGHT = 0.5  # share of the value taken by the in-group ratio, the rest by PageRank
MAX_NEIGHBOURS = 10

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class NetworkScores:
    """Per node: PageRank mass, its rank percentile (share of nodes scoring strictly less),
    followees, followees in the in-group and their share, and the combined 0..1 value."""

    pagerank: F64
    percentile: F64
    followees: I64
    ingroup_followees: I64
    ingroup_ratio: F64
    value: F64


def network_scores(
    graph: Graph,
    seeds: I32,
    *,
    ingroup: I32 | None = None,
    weights: Mapping[str, float] | None = None,
    damping: float = DAMPING,
    ingroup_weight: float = INGROUP_WEIGHT,
) -> NetworkScores:
    """PageRank restarting at `seeds` (node indexes) and in-group ratios, for every node.

    The walk follows edges forwards, from an account to whom it follows, retweets and
    mentions: mass reaches those the confirmed accounts turn to. Walking backwards would
    rank journalists and researchers, who follow many supporters without being followed
    back, as high as the supporters themselves; the in-group ratio covers the other side.
    `ingroup` (default: the seeds) are the accounts counted as confirmed or strongly
    suspected followees.
    """
    n = graph.n
    unknown = set(weights or {}) - set(EDGE_KINDS)
    if unknown:
        raise ConfigError(f"network weights for unknown edge kinds: {', '.join(sorted(unknown))}")
    w_by_kind = np.array(
        [float({**DEFAULT_WEIGHTS, **(weights or {})}[k]) for k in EDGE_KINDS], dtype=np.float64
    )
    pagerank = np.zeros(n, dtype=np.float64)
    if len(seeds) and n:
        keep = w_by_kind[graph.kind] > 0
        g = igraph.Graph(n=n, directed=True)
        g.add_edges(np.column_stack((graph.src[keep], graph.dst[keep])))
        pagerank = np.asarray(
            g.personalized_pagerank(
                directed=True,
                damping=damping,
                reset_vertices=seeds.tolist(),
                weights=w_by_kind[graph.kind[keep]].tolist(),
                implementation="prpack",
            ),
            dtype=np.float64,
        )
        del g
    ordered = np.sort(pagerank)
    percentile = np.searchsorted(ordered, pagerank, side="left") / max(n, 1)
    members = np.zeros(n, dtype=bool)
    members[seeds if ingroup is None else ingroup] = True
    follow = graph.kind == FOLLOW
    fsrc, fdst = graph.src[follow], graph.dst[follow]
    followees = np.bincount(fsrc, minlength=n).astype(np.int64)
    inside = np.bincount(fsrc[members[fdst]], minlength=n).astype(np.int64)
    ratio = inside / np.maximum(followees, 1)
    value = (1.0 - ingroup_weight) * percentile + ingroup_weight * ratio
    return NetworkScores(pagerank, percentile, followees, inside, ratio, value)


def confirmed_neighbours(graph: Graph, confirmed: npt.NDArray[np.bool_]) -> dict[int, I32]:
    """Node -> the confirmed nodes it has an edge with (either way), sorted, at most 10."""
    out = confirmed[graph.dst]
    into = confirmed[graph.src]
    node = np.concatenate((graph.src[out], graph.dst[into])).astype(np.int64)
    other = np.concatenate((graph.dst[out], graph.src[into])).astype(np.int64)
    if not len(node):
        return {}
    pairs = np.unique(node * graph.n + other)
    node, other = pairs // graph.n, pairs % graph.n
    starts = np.flatnonzero(np.r_[True, node[1:] != node[:-1]])
    ends = np.r_[starts[1:], len(node)]
    return {
        int(node[s]): other[s : min(e, s + MAX_NEIGHBOURS)].astype(np.int32)
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
    }


def _explain(scores: NetworkScores, i: int, is_confirmed: bool) -> str:
    top = max(1.0 - float(scores.percentile[i]), 1.0 / max(len(scores.value), 1))
    proximity = (
        f"PageRank proximity in top {top:.0%}"
        if scores.pagerank[i] > 0
        else "not reachable from confirmed accounts"
    )
    follows = (
        f"follows {scores.ingroup_followees[i]} confirmed accounts "
        f"({scores.ingroup_ratio[i]:.0%} of its {scores.followees[i]} followees)"
    )
    prefix = "confirmed account; " if is_confirmed else ""
    return f"{prefix}{follows}; {proximity}"


class NetworkSignal(SignalPlugin):
    """Options (ctx.options): ``network_weights`` {kind: weight} over follow, retweet, quote
    and mention (defaults `DEFAULT_WEIGHTS`); ``network_damping`` (0.85);
    ``network_ingroup_weight`` (0.5); ``network_suspected``: account ids counted with the
    confirmed in the in-group ratio (strongly suspected accounts)."""

    name = "network"
    version = "1"
    description = (
        "Proximity to confirmed accounts: personalised PageRank over follows, retweets, "
        "quotes and mentions (rank percentile), and the share of followees confirmed."
    )

    def compute(self, ctx: ScanContext) -> Iterable[SignalResult]:
        if not ctx.confirmed:
            log.info("network: no confirmed accounts, nothing to measure proximity from")
            return
        opts: dict[str, Any] = ctx.options
        graph = load_graph(ctx.session)
        seeds = graph.index_of(ctx.confirmed)
        suspected = graph.index_of(opts.get("network_suspected", ()))
        scores = network_scores(
            graph,
            seeds,
            ingroup=np.union1d(seeds, suspected).astype(np.int32),
            weights=opts.get("network_weights"),
            damping=float(opts.get("network_damping", DAMPING)),
            ingroup_weight=float(opts.get("network_ingroup_weight", INGROUP_WEIGHT)),
        )
        nodes = np.arange(graph.n) if ctx.accounts is None else graph.index_of(ctx.accounts)
        yield from network_results(graph, scores, seeds, nodes)


def network_results(
    graph: Graph, scores: NetworkScores, seeds: I32, nodes: npt.NDArray[np.integer[Any]]
) -> Iterable[SignalResult]:
    """One result per node in `nodes`, with its confirmed neighbours as evidence."""
    is_confirmed = np.zeros(graph.n, dtype=bool)
    is_confirmed[seeds] = True
    neighbours = confirmed_neighbours(graph, is_confirmed)
    for i in nodes.tolist():
        near = neighbours.get(i)
        yield SignalResult(
            int(graph.ids[i]),
            round(float(scores.value[i]), 6),
            _explain(scores, i, bool(is_confirmed[i])),
            {
                "confirmed": bool(is_confirmed[i]),
                "confirmed_neighbours": [] if near is None else graph.ids[near].tolist(),
                "followees": int(scores.followees[i]),
                "ingroup_followees": int(scores.ingroup_followees[i]),
                "ingroup_ratio": round(float(scores.ingroup_ratio[i]), 4),
                "pagerank": float(scores.pagerank[i]),
                "percentile": round(float(scores.percentile[i]), 6),
            },
        )
