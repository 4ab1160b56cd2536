"""A small supporter world for the monitoring and analytics tests, with its truth.

Suspension times follow a daily hazard with explicit waves (burst days), so the tests know
the waves; half the supporters get listed (and reported) over the first days, the other
half are the pool the control group is matched from. A few suspended supporters return
under a new account of the same identity.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.model import Account, Identity, ListEntry, Platform, Report, Score
from vigil.monitor.controls import match_controls
from vigil.monitor.run import run_monitor
from vigil.monitor.schedule import SchedulePolicy
from vigil.platforms.base import Connection
from vigil.platforms.clock import SimClockDriver
from vigil.platforms.x import XPlatform
from vigil.sim.server.app import create_sim_app
from vigil.sim.server.runner import ServerThread
from vigil.sim.world import Role, SimAccount, World
from vigil.store import Database

T0 = datetime(2026, 3, 2, tzinfo=UTC)
DAY = timedelta(days=1)
WAVES = {9: 30.0, 10: 30.0, 18: 60.0}  # day offset -> hazard multiplier
QUIET_HAZARD = 0.012
HORIZON = 200


@dataclass
class WorldSetup:
    """The world and which of its accounts play which part."""

    world: World
    listed: list[str]  # sim ids, listed in this order
    pool: list[str]  # unlisted supporters (the control pool)
    returners: dict[str, str] = field(default_factory=dict)  # new id -> old id
    listing_day: dict[str, int] = field(default_factory=dict)


def _suspension(rng: np.random.Generator, created_day: float) -> float | None:
    """A day offset drawn from the piecewise hazard, or None within the horizon."""
    level = rng.exponential(1.0)
    day = max(0.0, created_day)
    while day < HORIZON:
        whole = math.floor(day)
        rate = QUIET_HAZARD * WAVES.get(whole, 1.0)
        span = whole + 1 - day
        if level <= rate * span:
            return day + level / rate
        level -= rate * span
        day = whole + 1
    return None


def build(
    n_listed: int = 150, n_pool: int = 150, seed: int = 3, days_listing: int = 3
) -> WorldSetup:
    rng = np.random.default_rng(seed)
    accounts: list[SimAccount] = []
    listed: list[str] = []
    pool: list[str] = []
    listing_day: dict[str, int] = {}
    for i in range(n_listed + n_pool):
        aid = str(3_000_000_000 + i)
        created = T0 - timedelta(days=float(rng.uniform(5, 600)))
        acc = SimAccount(
            id=aid,
            handle=f"sup_{i:04d}",
            display_name=f"Supporter {i}",
            bio="notes",
            role=Role.SUPPORTER,
            identity=f"person-{i}",
            lang=("ar", "en", "fr")[i % 3],
            created_at=created,
            followers_count=int(rng.lognormal(5.0, 1.0)),
            following_count=int(rng.lognormal(5.0, 1.0)),
            posts_per_day=float(rng.uniform(0.5, 20)),
        )
        if i < n_listed:
            listed.append(aid)
            listing_day[aid] = i % days_listing
        else:
            pool.append(aid)
        when = _suspension(rng, 0.0)
        acc.suspended_at = None if when is None else T0 + timedelta(days=when)
        accounts.append(acc)
    returners: dict[str, str] = {}
    for j, old in enumerate(a for a in accounts[:n_listed] if a.suspended_at is not None):
        if j >= 6:
            break
        new = SimAccount(
            id=str(3_500_000_000 + j),
            handle=f"{old.handle}_b",
            display_name=old.display_name,
            bio=old.bio,
            role=Role.SUPPORTER,
            identity=old.identity,
            lang=old.lang,
            created_at=old.created_at,  # placeholder; fixed below
            followers_count=10,
            following_count=10,
            returned_from=old.id,
        )
        assert old.suspended_at is not None
        new.created_at = old.suspended_at + timedelta(hours=20)
        old.returns_as = new.id
        returners[new.id] = old.id
        accounts.append(new)
    params = {
        "platform": {"daily_hazard": {"supporter": 0.03}, "report_multiplier": 3.0, "seed": 5}
    }
    world = World(params=params, start=T0 - timedelta(days=600), end=T0, accounts=accounts)
    return WorldSetup(world, listed, pool, returners, listing_day)


def true_suspensions(server: ServerThread, setup: WorldSetup) -> dict[str, datetime | None]:
    """Each account's suspension time as the server enforces it (reports included)."""
    ctx = server.app.state.sim
    return {a.id: ctx.state.suspended_at(a) for a in setup.world.accounts}


@dataclass
class Study:
    """A monitored study: the server, the store, and when each account was listed/reported."""

    server: ServerThread
    http: httpx.Client
    db: Database
    setup: WorldSetup
    days: int
    account_rows: dict[str, int] = field(default_factory=dict)
    reported_at: dict[str, datetime] = field(default_factory=dict)


def list_on_x(session: Session, ids: list[str]) -> None:
    """A bare platform `x` with these sim ids blacklisted at T0 (handle = id), nothing else."""
    p = Platform(name="x", kind="x")
    session.add(p)
    session.flush()
    for pid in ids:
        acc = Account(platform_id=p.id, platform_account_id=pid, handle=pid)
        session.add(acc)
        session.flush()
        session.add(ListEntry(account_id=acc.id, kind="black", criterion="c", added_at=T0))


def seed_store(db: Database, setup: WorldSetup) -> dict[str, int]:
    """Accounts, identities and scores as a scan would leave them (no lists yet)."""
    rows: dict[str, int] = {}
    rng = np.random.default_rng(11)
    with db.transaction() as s:
        platform = Platform(name="x", kind="x", base_url="http://sim")
        s.add(platform)
        s.flush()
        identities: dict[str, Identity] = {}
        for a in setup.world.accounts:
            ident = identities.get(a.identity)
            if ident is None:
                ident = identities[a.identity] = Identity(label=None)
                s.add(ident)
                s.flush()
            acc = Account(
                platform_id=platform.id,
                platform_account_id=a.id,
                handle=a.handle,
                lang=a.lang,
                followers_count=a.followers_count,
                following_count=a.following_count,
                posts_count=int(a.posts_per_day * 100),
                created_at=a.created_at,
                identity_id=ident.id,
            )
            s.add(acc)
            s.flush()
            rows[a.id] = acc.id
            s.add(Score(account_id=acc.id, value=float(rng.uniform(0.6, 0.95)), model_version="t"))
    return rows


def run_study(
    db: Database, tmp: Path, setup: WorldSetup, *, days: int, respond: bool, report: bool = True
) -> Iterator[Study]:
    """Serve the world, list and report accounts day by day, check every account daily."""
    app = create_sim_app(setup.world, media_dir=tmp)
    server = ServerThread(app)
    server.start()
    http = httpx.Client(base_url=server.url, timeout=10.0)
    try:
        http.post("/_sim/config", json={"respond_to_reports": respond}).raise_for_status()
        study = Study(server, http, db, setup, days, account_rows=seed_store(db, setup))
        clock = SimClockDriver(server.url)
        platform = XPlatform.connect(
            Connection(base_url=server.url, token="sim-token", clock=clock)
        )
        policy = SchedulePolicy(tiers=[], oldest=DAY, removed=7 * DAY)
        by_day: dict[int, list[str]] = {}
        for aid, d in setup.listing_day.items():
            by_day.setdefault(d, []).append(aid)
        try:
            for day in range(days + 1):
                now = T0 + day * DAY
                http.post("/_sim/clock", json={"now": now.isoformat()}).raise_for_status()
                todays = by_day.get(day, [])
                _list_and_report(study, todays, now, report)
                run_monitor(db, platform, now=now, policy=policy)
        finally:
            platform.close()
            clock.close()
        yield study
    finally:
        http.close()
        server.stop()


def _list_and_report(study: Study, ids: list[str], now: datetime, report: bool) -> None:
    if not ids:
        return
    db = study.db
    with db.transaction() as s:
        pid = s.execute(select(Platform.id)).scalar_one()
        for aid in ids:
            row = study.account_rows[aid]
            criterion = "prior_list" if int(aid) % 2 else "propaganda"
            source = "prior-list" if int(aid) % 4 == 1 else "review"
            s.add(
                ListEntry(
                    account_id=row,
                    kind="black",
                    status="active",
                    criterion=criterion,
                    source=source,
                    added_at=now,
                )
            )
            if report:
                answer = study.http.post(
                    "/api/v1/reports",
                    data={"account_id": aid, "category": "other"},
                    headers={"Authorization": "Bearer sim-token"},
                )
                if answer.status_code == 200:
                    s.add(
                        Report(
                            account_id=row,
                            platform_id=pid,
                            channel="api",
                            status="submitted",
                            submitted_at=now,
                        )
                    )
                    study.reported_at[aid] = now
        s.flush()
        match_controls(s, now=now)
