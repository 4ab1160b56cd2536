"""Mutable server state: reports received, and the suspensions they bring forward.

A report raises the reported account's suspension hazard: an extra exponential delay at
daily rate ``daily_hazard[role] * (report_multiplier - 1)``, drawn deterministically from
(seed, account id), competes with the world's own suspension time. With
``respond_to_reports`` off the platform takes reports and ignores them (attribution studies).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vigil.sim.server.index import epoch
from vigil.sim.world import SimAccount

__all__ = ["DEFAULT_DAILY_HAZARD", "HazardParams", "ReportRecord", "SimState"]

log = logging.getLogger(__name__)

DEFAULT_DAILY_HAZARD: dict[str, float] = {
    "supporter": 0.02,
    "bot": 0.01,
    "ordinary": 0.0005,
    "parody": 0.001,
}
_OTHER_ROLE_HAZARD = 0.0002


@dataclass(frozen=True, slots=True)
class HazardParams:
    daily_hazard: dict[str, float]
    report_multiplier: float
    seed: int
    respond_to_reports: bool = True

    @classmethod
    def from_world_params(cls, params: dict[str, Any]) -> HazardParams:
        """Read ``params["platform"]``; whatever is missing takes the defaults."""
        platform = params.get("platform") or {}
        hazard = dict(DEFAULT_DAILY_HAZARD)
        hazard.update({str(k): float(v) for k, v in (platform.get("daily_hazard") or {}).items()})
        return cls(
            daily_hazard=hazard,
            report_multiplier=float(platform.get("report_multiplier", 3.0)),
            seed=int(platform.get("seed", 0)),
            respond_to_reports=bool(platform.get("respond_to_reports", True)),
        )

    def report_rate(self, role: str) -> float:
        """Extra daily suspension rate a report adds for an account of ``role``."""
        if not self.respond_to_reports:
            return 0.0
        base = self.daily_hazard.get(role, _OTHER_ROLE_HAZARD)
        return max(0.0, base * (self.report_multiplier - 1.0))


@dataclass(slots=True)
class ReportRecord:
    id: int
    network: str  # x | mastodon | bluesky
    target: str  # as the client named it (id, DID, ...)
    account_id: str | None  # the world account it resolved to
    reporter: str  # token or session DID
    received_at: datetime  # sim time
    accepted: bool
    status: int  # HTTP status answered
    effective: bool  # changed the account's suspension hazard
    suspension_at: datetime | None  # the account's effective suspension after this report
    payload: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "network": self.network,
            "target": self.target,
            "account_id": self.account_id,
            "reporter": self.reporter,
            "received_at": self.received_at.isoformat(),
            "accepted": self.accepted,
            "status": self.status,
            "effective": self.effective,
            "suspension_at": self.suspension_at.isoformat() if self.suspension_at else None,
            "payload": self.payload,
        }


class SimState:
    """Reports and report-driven suspensions; every report is kept, only the first counts."""

    def __init__(self, hazard: HazardParams) -> None:
        self.hazard = hazard
        self._initial = hazard
        self.reports: list[ReportRecord] = []
        self._brought_forward: dict[str, datetime] = {}
        self._reported: set[str] = set()

    def suspended_at(self, acc: SimAccount) -> datetime | None:
        times = [t for t in (acc.suspended_at, self._brought_forward.get(acc.id)) if t is not None]
        if not times:
            return None
        return min(times, key=epoch)

    def is_suspended(self, acc: SimAccount, now: float) -> bool:
        when = self.suspended_at(acc)
        return when is not None and epoch(when) <= now

    def report_delay(self, acc: SimAccount) -> timedelta | None:
        """The extra delay a report adds for ``acc``, or None when reports change nothing."""
        rate = self.hazard.report_rate(str(acc.role))
        if rate <= 0:
            return None
        digest = hashlib.sha256(f"{self.hazard.seed}:{acc.id}".encode()).digest()
        u = (int.from_bytes(digest[:8], "big") + 0.5) / 2**64
        return timedelta(days=-math.log(u) / rate)

    def record_report(
        self,
        *,
        network: str,
        target: str,
        acc: SimAccount | None,
        reporter: str,
        now: float,
        accepted: bool,
        status: int,
        payload: dict[str, Any],
    ) -> ReportRecord:
        when = datetime.fromtimestamp(now, UTC)
        effective = (
            accepted
            and acc is not None
            and acc.id not in self._reported
            and not self.is_suspended(acc, now)
            and self.hazard.respond_to_reports
        )
        if accepted and acc is not None:
            self._reported.add(acc.id)
        if effective and acc is not None:
            delay = self.report_delay(acc)
            if delay is not None:
                self._brought_forward[acc.id] = when + delay
                log.info("report on %s: suspension hazard raised, due %s", acc.id, when + delay)
        record = ReportRecord(
            id=len(self.reports) + 1,
            network=network,
            target=target,
            account_id=acc.id if acc is not None else None,
            reporter=reporter,
            received_at=when,
            accepted=accepted,
            status=status,
            effective=effective,
            suspension_at=self.suspended_at(acc) if acc is not None else None,
            payload=payload,
        )
        self.reports.append(record)
        return record

    def respond(self, respond_to_reports: bool) -> None:
        """Switch whether reports received from now on change suspensions."""
        self.hazard = dataclasses.replace(self.hazard, respond_to_reports=respond_to_reports)

    def reset(self) -> None:
        self.hazard = self._initial
        self.reports.clear()
        self._brought_forward.clear()
        self._reported.clear()
