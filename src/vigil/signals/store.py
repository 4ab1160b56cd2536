"""Writing a plugin's results: its earlier rows for the scanned accounts are replaced.

Signals are derived data (recomputable from the store), so replacing them is not a loss;
decisions and list entries, which are not derived, are never replaced this way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from vigil.model import Signal
from vigil.signals.base import SignalPlugin, SignalResult
from vigil.store import append

__all__ = ["write_signals"]

_COLUMNS = ["account_id", "name", "version", "value", "explanation", "evidence", "computed_at"]


def write_signals(
    session: Session,
    plugin: type[SignalPlugin],
    results: Iterable[SignalResult],
    *,
    scanned: Sequence[int] | None,
    now: datetime,
) -> int:
    """Replace `plugin`'s rows for the `scanned` accounts (all when None); returns the count."""
    # Drain the plugin first: a lazy plugin querying the same connection in the middle of
    # PostgreSQL's COPY would block on itself.
    done = list(results)
    stmt = delete(Signal).where(Signal.name == plugin.name)
    if scanned is not None:
        ids = list(scanned)
        for i in range(0, len(ids), 5000):
            session.execute(stmt.where(Signal.account_id.in_(ids[i : i + 5000])))
    else:
        session.execute(stmt)
    rows = (
        (r.account_id, plugin.name, plugin.version, float(r.value), r.explanation, r.evidence, now)
        for r in done
    )
    return append(session, Signal, _COLUMNS, rows)
