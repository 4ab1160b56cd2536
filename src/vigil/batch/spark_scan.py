"""`run_spark_scan`: the heavy signals computed by Spark over a snapshot, written back as
Signal rows, then every account rescored in the store.

Spark computes `text`, `behaviour`, `coordination` and `network`, the signals whose cost
grows with posts and edges; the others (media against hash banks, context, resurgence)
keep running locally with `vigil scan --signal ...`.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.batch.snapshot import export_snapshot, read_manifest
from vigil.batch.spark_network import network_results
from vigil.batch.spark_session import SnapshotFrames, spark_session
from vigil.batch.spark_signals import behaviour_results, coordination_results, text_results
from vigil.config import Settings
from vigil.errors import ConfigError
from vigil.model import utcnow
from vigil.scoring.scan import confirmed_accounts
from vigil.scoring.score import default_weights, score_accounts
from vigil.signals import plugin, write_signals
from vigil.signals.base import SignalResult
from vigil.signals.coordination import MIN_ITEMS, WINDOW_S
from vigil.store import Database, record

__all__ = ["SPARK_SIGNALS", "SparkScanSummary", "run_spark_scan", "spark_results"]

log = logging.getLogger(__name__)

SPARK_SIGNALS = ("behaviour", "coordination", "network", "text")


@dataclass(slots=True)
class SparkScanSummary:
    master: str = ""
    snapshot: str = ""
    confirmed: int = 0
    signals: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    scored: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": "spark",
            "master": self.master,
            "snapshot": self.snapshot,
            "confirmed": self.confirmed,
            "signals": dict(self.signals),
            "seconds": dict(self.seconds),
            "scored": self.scored,
        }


def spark_results(
    name: str,
    frames: SnapshotFrames,
    confirmed: frozenset[int],
    *,
    settings: Settings,
    options: dict[str, Any],
) -> Iterable[SignalResult]:
    """The results of one Spark-computed signal, as its local plugin would give them."""
    if name == "text":
        return text_results(frames, home=settings.home)
    if name == "behaviour":
        return behaviour_results(frames, weights=options.get("behaviour_weights"))
    if name == "coordination":
        return coordination_results(
            frames,
            confirmed,
            window=float(options.get("coordination_window_s", WINDOW_S)),
            min_items=int(options.get("coordination_min_items", MIN_ITEMS)),
        )
    if name == "network":
        return network_results(frames, confirmed, options=options)
    raise ConfigError(
        f"signal {name!r} has no Spark engine (Spark runs: {', '.join(SPARK_SIGNALS)})"
    )


def run_spark_scan(
    db: Database,
    settings: Settings,
    *,
    master: str = "local[2]",
    snapshot: Path | None = None,
    signals: Sequence[str] | None = None,
    options: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    stop_spark: bool = True,
    actor: str = "cli",
) -> SparkScanSummary:
    """Compute `signals` (default: all four) with Spark, write them, rescore every account.

    Without `snapshot`, the store is exported to a temporary snapshot first (on a cluster,
    pass a snapshot directory every executor can read).
    """
    chosen = list(dict.fromkeys(signals)) if signals else list(SPARK_SIGNALS)
    unknown = [s for s in chosen if s not in SPARK_SIGNALS]
    if unknown:
        raise ConfigError(
            f"no Spark engine for {', '.join(unknown)} (Spark runs: {', '.join(SPARK_SIGNALS)})"
        )
    say = progress or (lambda _s: None)
    summary = SparkScanSummary(master=master)
    with tempfile.TemporaryDirectory(prefix="vigil-snapshot-") as tmp:
        if snapshot is None:
            say("snapshot")
            started = time.perf_counter()
            snapshot = Path(tmp) / "snapshot"
            export_snapshot(db, snapshot, actor=actor)
            summary.seconds["snapshot"] = round(time.perf_counter() - started, 3)
        else:
            read_manifest(snapshot)
        summary.snapshot = str(snapshot)
        with db.session() as session:
            confirmed = confirmed_accounts(session)
        summary.confirmed = len(confirmed)
        spark = spark_session(master)
        frames = SnapshotFrames(spark, snapshot)
        now = utcnow()
        try:
            for name in chosen:
                say(name)
                started = time.perf_counter()
                cls = plugin(name)  # rows carry the local plugin's name and version
                results = list(
                    spark_results(
                        name, frames, confirmed, settings=settings, options=dict(options or {})
                    )
                )
                with db.transaction() as session:
                    summary.signals[name] = write_signals(
                        session, cls, results, scanned=None, now=now
                    )
                summary.seconds[name] = round(time.perf_counter() - started, 3)
                log.info(
                    "spark %s: %s rows in %.1f s",
                    name,
                    summary.signals[name],
                    summary.seconds[name],
                )
        finally:
            if stop_spark:
                spark.stop()
    say("score")
    started = time.perf_counter()
    with db.transaction() as session:
        summary.scored = score_accounts(session, now=now, weights=default_weights())
        summary.seconds["score"] = round(time.perf_counter() - started, 3)
        record(session, actor=actor, action="scan.run", subject="scan", payload=summary.to_dict())
    return summary
