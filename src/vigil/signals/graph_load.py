"""Load the follow, retweet/quote and mention graphs from the store into numpy arrays.

Rows stream in partitions (a server-side cursor on PostgreSQL): memory holds the arrays,
never millions of row objects at once."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import Account, Follow, Mention, Post, PostReference

__all__ = [
    "EDGE_KINDS",
    "FOLLOW",
    "MENTION",
    "QUOTE",
    "RETWEET",
    "Graph",
    "build_graph",
    "epoch_s",
    "load_graph",
    "stream_pairs",
]

log = logging.getLogger(__name__)

FOLLOW, RETWEET, QUOTE, MENTION = 0, 1, 2, 3
EDGE_KINDS = ("follow", "retweet", "quote", "mention")
PARTITION = 100_000  # rows a fetch: large enough to amortise, small enough to stay cheap

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
AnySelect = sa.Select[*tuple[Any, ...]]


def epoch_s(value: datetime | None) -> float:
    """Seconds since the epoch; NaN for an unknown time."""
    return value.timestamp() if value is not None else math.nan


@dataclass(frozen=True, slots=True)
class Graph:
    """Directed edges between compact node indexes; `ids[i]` is node i's account id.

    An edge src -> dst means src follows, retweets, quotes or mentions dst (`kind` says
    which, as an index into `EDGE_KINDS`). Every account in the store is a node, so an
    account without edges still gets a result.
    """

    ids: I64
    src: I32
    dst: I32
    kind: I8

    @property
    def n(self) -> int:
        return len(self.ids)

    def index_of(self, account_ids: Iterable[int]) -> I32:
        """Node indexes of the given account ids; ids not in the graph are dropped."""
        wanted = np.fromiter(account_ids, dtype=np.int64)
        pos = np.searchsorted(self.ids, wanted)
        pos = np.minimum(pos, max(self.n - 1, 0))
        ok = self.ids[pos] == wanted if self.n else np.zeros(len(wanted), dtype=bool)
        return np.unique(pos[ok]).astype(np.int32)


def stream_pairs(session: Session, stmt: AnySelect, width: int = 2) -> I64:
    """The rows of a select of integer columns as an (n, width) int64 array, streamed.

    Runs on the DBAPI cursor (a named, server-side one on PostgreSQL): building a Row
    object per row costs three to four times the fetch itself. Bound values are
    rendered inline, so `stmt` carries only constants.
    """
    conn = session.connection()
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    server_side = conn.dialect.name == "postgresql"
    cursor = dbapi.cursor(name="vigil_graph_load") if server_side else dbapi.cursor()
    chunks: list[I64] = []
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(PARTITION):
            flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64)
            chunks.append(flat.reshape(-1, width))
    finally:
        cursor.close()
    if not chunks:
        return np.zeros((0, width), dtype=np.int64)
    return np.concatenate(chunks)


def _edge_queries() -> Sequence[tuple[int, AnySelect]]:
    follows = sa.select(Follow.source_id, Follow.target_id)
    refs = [
        (
            kind,
            sa.select(Post.account_id, PostReference.target_account_id)
            .join(Post, Post.id == PostReference.post_id)
            .where(PostReference.kind == name, PostReference.target_account_id.is_not(None)),
        )
        for kind, name in ((RETWEET, "retweeted"), (QUOTE, "quoted"))
    ]
    mentions = (
        sa.select(Post.account_id, Mention.account_id)
        .join(Post, Post.id == Mention.post_id)
        .where(Mention.account_id.is_not(None))
    )
    return [(FOLLOW, follows), *refs, (MENTION, mentions)]


def build_graph(ids: I64, pairs: Sequence[tuple[int, I64]]) -> Graph:
    """A `Graph` over the sorted account `ids` from (kind, (n, 2) account-id array) pairs.

    Self-loops and edges naming an account outside `ids` are dropped.
    """
    ids = np.unique(ids)
    srcs: list[I32] = []
    dsts: list[I32] = []
    kinds: list[I8] = []
    last = max(len(ids) - 1, 0)
    for kind, arr in pairs:
        if not len(arr) or not len(ids):
            continue
        s = np.minimum(np.searchsorted(ids, arr[:, 0]), last)
        d = np.minimum(np.searchsorted(ids, arr[:, 1]), last)
        ok = (ids[s] == arr[:, 0]) & (ids[d] == arr[:, 1]) & (s != d)
        srcs.append(s[ok].astype(np.int32))
        dsts.append(d[ok].astype(np.int32))
        kinds.append(np.full(int(ok.sum()), kind, dtype=np.int8))
    if not srcs:
        empty32 = np.zeros(0, dtype=np.int32)
        return Graph(ids, empty32, empty32.copy(), np.zeros(0, dtype=np.int8))
    return Graph(ids, np.concatenate(srcs), np.concatenate(dsts), np.concatenate(kinds))


def load_graph(session: Session, kinds: Iterable[int] = (FOLLOW, RETWEET, QUOTE, MENTION)) -> Graph:
    """Every account and the edges of the given kinds, as stored now."""
    wanted = set(kinds)
    ids = stream_pairs(session, sa.select(Account.id), width=1)[:, 0]
    pairs = [(k, stream_pairs(session, q)) for k, q in _edge_queries() if k in wanted]
    graph = build_graph(ids, pairs)
    log.info("graph: %s accounts, %s edges", graph.n, len(graph.src))
    return graph
