"""`run_scan`: every registered signal over the store, then the scores that combine them.

Incremental by default: each step keeps a `ScanState` (its version and the store's
watermarks when it last ran). Per-account signals (`changes.ACCOUNT_SCOPED`) recompute only
the accounts whose rows changed since; whole-graph ones (network, coordination, resurgence,
third-party plugins) recompute everything when anything changed; unchanged steps are
skipped, and scoring is skipped when no signal and no list changed. `full=True` recomputes
everything. Each signal commits on its own, so one failing plugin keeps the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from vigil.config import Settings
from vigil.model import ListEntry, ListKind, ListStatus, utcnow
from vigil.model.detection import ScanState
from vigil.scoring.changes import (
    ACCOUNT_SCOPED,
    changed_accounts,
    current_marks,
    dependency_version,
    forces_full,
)
from vigil.scoring.score import Weights, current_weights, score_accounts
from vigil.signals import ScanContext, names, plugin, write_signals
from vigil.store import Database, record

__all__ = ["ScanSummary", "confirmed_accounts", "run_scan"]

Progress = Callable[[str], None]


@dataclass(slots=True)
class ScanSummary:
    """What a scan did: rows per signal, seconds per step, scores written; per step its
    mode (full, incremental, skipped) and how many accounts an incremental step recomputed."""

    confirmed: int = 0
    signals: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    scored: int = 0
    model_version: str = ""
    modes: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "confirmed": self.confirmed,
            "signals": dict(self.signals),
            "seconds": dict(self.seconds),
            "scored": self.scored,
            "model_version": self.model_version,
            "modes": dict(self.modes),
            "accounts": dict(self.accounts),
        }


def confirmed_accounts(session: sa.orm.Session) -> frozenset[int]:
    """Accounts with an active blacklist entry: where proximity signals start from."""
    stmt = sa.select(ListEntry.account_id).where(
        ListEntry.kind == ListKind.BLACK, ListEntry.status == ListStatus.ACTIVE
    )
    return frozenset(int(i) for i in session.scalars(stmt))


def _states(session: sa.orm.Session) -> dict[str, ScanState]:
    return {st.step: st for st in session.scalars(sa.select(ScanState))}


def _save_state(
    session: sa.orm.Session, step: str, version: str, marks: dict[str, Any], now: Any
) -> None:
    state = session.scalars(sa.select(ScanState).where(ScanState.step == step)).one_or_none()
    if state is None:
        session.add(ScanState(step=step, version=version, marks=marks, scanned_at=now))
    else:
        state.version, state.marks, state.scanned_at = version, dict(marks), now


def _plan(
    session: sa.orm.Session,
    name: str,
    version: str,
    state: ScanState | None,
    marks: dict[str, Any],
    full: bool,
) -> tuple[str, list[int] | None]:
    """("full", None), ("incremental", accounts) or ("skipped", [])."""
    if full or state is None or state.version != version or forces_full(name, state.marks, marks):
        return "full", None
    changed = sorted(changed_accounts(session, state.marks, marks)) if state.marks != marks else []
    if not changed and state.marks.get("lists") == marks.get("lists"):
        return "skipped", []
    if name in ACCOUNT_SCOPED:
        return ("incremental", changed) if changed else ("skipped", [])
    return "full", None


def run_scan(
    db: Database,
    settings: Settings,
    *,
    signals: Sequence[str] | None = None,
    weights: Weights | None = None,
    options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    actor: str = "cli",
    full: bool = False,
) -> ScanSummary:
    """Compute `signals` (all registered when None) where the store changed since their last
    scan (everything when `full`), then rescore every account if any signal changed."""
    chosen = list(dict.fromkeys(signals)) if signals else names()
    classes = [plugin(n) for n in chosen]  # unknown names fail before any work
    weights = weights or current_weights(settings)
    say = progress or (lambda _step: None)
    now = utcnow()
    summary = ScanSummary(model_version=weights.version)
    with db.session() as session:
        confirmed = confirmed_accounts(session)
        marks = current_marks(session)
        states = _states(session)
    summary.confirmed = len(confirmed)
    for cls in classes:
        say(cls.name)
        started = time.perf_counter()
        version = dependency_version(cls.name, cls.version, settings)
        with db.transaction() as session:
            mode, scope = _plan(
                session, cls.name, version, states.get(f"signal:{cls.name}"), marks, full
            )
            summary.modes[cls.name] = mode
            summary.signals[cls.name] = 0
            if mode != "skipped":
                ctx = ScanContext(
                    session=session,
                    settings=settings,
                    now=now,
                    accounts=scope,
                    confirmed=confirmed,
                    options=dict(options or {}),
                )
                summary.signals[cls.name] = write_signals(
                    session, cls, cls().compute(ctx), scanned=scope, now=now
                )
                if scope is not None:
                    summary.accounts[cls.name] = len(scope)
            _save_state(session, f"signal:{cls.name}", version, marks, now)
        summary.seconds[cls.name] = round(time.perf_counter() - started, 3)
    say("score")
    started = time.perf_counter()
    with db.transaction() as session:
        state = states.get("score")
        stale = (
            full
            or state is None
            or state.version != weights.version
            or state.marks.get("lists") != marks.get("lists")
            or any(m != "skipped" for m in summary.modes.values())
        )
        summary.modes["score"] = "full" if stale else "skipped"
        if stale:
            summary.scored = score_accounts(session, now=now, weights=weights)
            _save_state(session, "score", weights.version, marks, now)
        summary.seconds["score"] = round(time.perf_counter() - started, 3)
        # Counts and timings only: the audit log never holds content.
        record(session, actor=actor, action="scan.run", subject="scan", payload=summary.to_dict())
    return summary
