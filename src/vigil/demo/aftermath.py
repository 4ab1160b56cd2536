"""The demo after review: publish, report to the simulated platforms, let days pass while
monitoring, then write the signed transparency report.

Simulated time: the sim clock is set to the real time when reviewing starts, so listings,
reports and the platforms' answers share one timeline; each simulated day moves it on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from vigil.analytics.report import ReportResult, write_report
from vigil.config import Settings
from vigil.model import ListEntry, StatusObservation
from vigil.monitor.controls import match_controls
from vigil.monitor.run import run_monitor
from vigil.platforms.base import Connection
from vigil.platforms.clock import SimClockDriver
from vigil.platforms.registry import connector
from vigil.publish.clients import Credentials
from vigil.publish.run import run_publish
from vigil.store import Database

__all__ = [
    "DayRecord",
    "demo_settings",
    "follow_up",
    "listed_suspended",
    "publish_now",
    "write",
]

log = logging.getLogger(__name__)

DAY = 86_400.0


@dataclass(slots=True)
class DayRecord:
    day: int
    sim_now: datetime
    checked: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    published: dict[str, Any] = field(default_factory=dict)


def demo_settings(settings: Settings, sim_url: str, public_url: str) -> Settings:
    """Publishing aimed at the simulated platforms, without pauses between reports."""
    publish = replace(
        settings.publish,
        mastodon_url=sim_url,
        bluesky_url=sim_url,
        public_url=public_url,
        report_interval=0.0,
        min_interval=0,
    )
    return replace(settings, publish=publish)


def demo_credentials(token: str) -> Credentials:
    """The organisation's own accounts on the simulated Mastodon and Bluesky."""
    return Credentials(mastodon_token=token, bluesky_handle="vigil-org", bluesky_password=token)


def _sim_now(clock: SimClockDriver) -> datetime:
    return datetime.fromtimestamp(clock.now(), tz=UTC)


def publish_now(
    db: Database, settings: Settings, token: str, clock: SimClockDriver
) -> dict[str, Any]:
    """Installments to every channel and one report per listed account, at sim time."""
    return run_publish(
        db, settings, demo_credentials(token), _sim_now(clock), sleep=lambda _s: None
    )


def follow_up(
    db: Database,
    settings: Settings,
    sim_url: str,
    token: str,
    *,
    days: int,
    step: Any = None,
) -> list[DayRecord]:
    """Each simulated day: move the clock a day, check listed accounts and controls, publish."""
    say = step or (lambda _msg: None)
    with db.transaction() as session:
        match_controls(session)
    records: list[DayRecord] = []
    clock = SimClockDriver(sim_url)
    try:
        x = connector("x")
        with x.connect(Connection(base_url=sim_url, token=token, clock=clock)) as live:
            for day in range(1, days + 1):
                clock.wait(DAY)
                say(f"simulated day {day} of {days}: monitoring and publishing")
                run = run_monitor(db, live)
                rec = DayRecord(day=day, sim_now=_sim_now(clock), checked=run.checked)
                rec.statuses = dict(run.statuses)
                rec.published = publish_now(db, settings, token, clock)
                records.append(rec)
    finally:
        clock.close()
    return records


def listed_suspended(db: Database) -> tuple[int, int]:
    """(blacklisted accounts, those of them seen suspended at least once)."""
    listed = select(ListEntry.account_id).where(ListEntry.kind == "black")
    with db.session() as session:
        total = session.scalar(
            select(func.count(func.distinct(ListEntry.account_id))).where(ListEntry.kind == "black")
        )
        gone = session.scalar(
            select(func.count(func.distinct(StatusObservation.account_id))).where(
                StatusObservation.account_id.in_(listed),
                StatusObservation.status == "suspended",
            )
        )
    return int(total or 0), int(gone or 0)


def write(db: Database, settings: Settings, out: Path, when: datetime) -> ReportResult:
    """The signed transparency report under `out`, as of the simulated `when`."""
    return write_report(db, settings, out, now=when, actor="demo")
