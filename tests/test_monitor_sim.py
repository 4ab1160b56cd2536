"""`vigil monitor` against `vigil sim serve`: rate-limit windows, resuming, handle changes,
Mastodon's suspended flag and 410, Bluesky takedowns; every status matches the server's truth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.responses import JSONResponse

from tests.support.monitor_world import T0, build
from tests.support.sim_servers import ServerFactory, sim_servers
from vigil.model import Account, AccountHandle, ListEntry, Platform, StatusObservation
from vigil.model.monitor import MonitorTarget
from vigil.monitor.run import run_monitor
from vigil.monitor.schedule import DEFAULT_POLICY, SchedulePolicy
from vigil.monitor.status import check_batch
from vigil.platforms.base import Connection, Page
from vigil.platforms.clock import SimClockDriver
from vigil.platforms.records import StatusRecord
from vigil.platforms.registry import connect
from vigil.sim.render_bluesky import did_for
from vigil.sim.world import World
from vigil.store import Database

DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    with sim_servers(tmp_path_factory.mktemp("monitor")) as start:
        yield start


def _watch(
    db: Database, platform: str, ids: list[str], world: World, at: datetime
) -> dict[str, int]:
    by_id = world.account_index()
    rows: dict[str, int] = {}
    with db.transaction() as s:
        p = s.execute(select(Platform).where(Platform.name == platform)).scalar_one_or_none()
        if p is None:
            p = Platform(name=platform, kind=platform.split(":")[0])
            s.add(p)
            s.flush()
        for pid in ids:
            acc = by_id.get(pid)
            key = did_for(acc) if platform == "bluesky" and acc is not None else pid
            row = Account(platform_id=p.id, platform_account_id=key, handle=f"old_{pid}")
            s.add(row)
            s.flush()
            rows[key] = row.id
            s.add(ListEntry(account_id=row.id, kind="black", criterion="c", added_at=at))
    return rows


def _truth(server: Any, acc_id: str, at: datetime) -> bool:
    ctx = server.app.state.sim
    acc = ctx.index.accounts[acc_id]
    when = ctx.state.suspended_at(acc)
    return when is not None and when <= at


def test_across_rate_limit_windows_every_status_matches_the_server(
    db: Database, servers: ServerFactory
) -> None:
    setup = build(n_listed=250, n_pool=0, seed=8)
    server = servers(setup.world, x_rate_limits={"users_lookup": 1}, rate_window_seconds=900)
    start = T0 + 20 * DAY
    httpx.post(f"{server.url}/_sim/clock", json={"now": start.isoformat()}).raise_for_status()
    rows = _watch(db, "x", setup.listed, setup.world, start)
    clock = SimClockDriver(server.url)
    x = connect("x", Connection(base_url=server.url, token="sim-token", clock=clock))
    run = run_monitor(db, x, now=start)
    assert run.checked == 250
    assert run.batches == 3
    assert x.stats()["rate_limit_waits"] == 2
    assert clock.waited >= 1800
    with db.session() as s:
        obs = list(s.execute(select(StatusObservation)).scalars())
    assert len(obs) == 250
    assert len({o.account_id for o in obs}) == 250
    assert max(o.observed_at for o in obs) - min(o.observed_at for o in obs) >= timedelta(
        seconds=1800
    )
    by_row = {v: k for k, v in rows.items()}
    for o in obs:
        assert (o.status == "suspended") == _truth(server, by_row[o.account_id], o.observed_at)
    assert {o.status for o in obs} == {"active", "suspended"}
    clock.close()


def test_an_interrupted_run_resumes_without_checking_twice(
    db: Database, servers: ServerFactory
) -> None:
    setup = build(n_listed=230, n_pool=0, seed=9)
    server = servers(setup.world)
    _watch(db, "x", setup.listed, setup.world, T0)
    x = connect("x", Connection(base_url=server.url, token="sim-token"))
    first = run_monitor(db, x, now=T0, max_batches=1)
    assert (first.checked, first.complete) == (100, False)
    second = run_monitor(db, x, now=T0)
    assert (second.due, second.checked, second.complete) == (130, 130, True)
    with db.session() as s:
        counts = s.execute(
            select(StatusObservation.account_id, func.count()).group_by(
                StatusObservation.account_id
            )
        ).all()
    assert len(counts) == 230
    assert {n for _, n in counts} == {1}


def test_handle_changes_are_followed_by_the_stable_id(db: Database, servers: ServerFactory) -> None:
    setup = build(n_listed=3, n_pool=0, seed=10)
    server = servers(setup.world)
    rows = _watch(db, "x", setup.listed, setup.world, T0)
    x = connect("x", Connection(base_url=server.url, token="sim-token"))
    run_monitor(db, x, now=T0)
    acc = setup.world.account_index()[setup.listed[0]]
    old = acc.handle
    acc.handle = "renamed_one"  # the server renders the live object: a rename on the platform
    httpx.post(f"{server.url}/_sim/clock", json={"now": (T0 + DAY).isoformat()}).raise_for_status()
    run = run_monitor(db, x, now=T0 + DAY)
    assert run.handle_changes == 1
    with db.session() as s:
        row = s.get(Account, rows[setup.listed[0]])
        assert row is not None
        assert row.handle == "renamed_one"
        history = set(
            s.execute(
                select(AccountHandle.handle).where(AccountHandle.account_id == row.id)
            ).scalars()
        )
        last = (
            s.execute(
                select(StatusObservation)
                .where(StatusObservation.account_id == row.id)
                .order_by(StatusObservation.observed_at.desc(), StatusObservation.id.desc())
            )
            .scalars()
            .first()
        )
    assert {old, "renamed_one"} <= history
    assert last is not None
    assert last.detail["previous_handle"] == old
    assert last.detail["handle"] == "renamed_one"


class GoneFor:
    """Answers Mastodon's 410 Gone for one account id (an account deleted for good)."""

    def __init__(self, app: Any, gone: str) -> None:
        self.app = app
        self.state = app.state  # the sim context stays reachable through the wrapper
        self.gone = gone

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/").endswith(f"/accounts/{self.gone}"):
            await JSONResponse({"error": "Gone"}, 410)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def test_mastodon_suspended_flag_404_and_410(db: Database, servers: ServerFactory) -> None:
    setup = build(n_listed=30, n_pool=0, seed=12)
    gone = setup.listed[1]
    server = servers(setup.world, wrap=lambda app: GoneFor(app, gone))
    at = T0 + 30 * DAY
    httpx.post(f"{server.url}/_sim/clock", json={"now": at.isoformat()}).raise_for_status()
    clock = SimClockDriver(server.url)
    m = connect("mastodon", Connection(base_url=server.url, token="sim-token", clock=clock))
    ids = [*setup.listed, "4999999999"]
    _watch(db, m.spec.name, ids, setup.world, at)
    run = run_monitor(db, m, now=at)
    assert run.checked == 31
    with db.session() as s:
        got = {
            pid: (status, detail)
            for pid, status, detail in s.execute(
                select(
                    Account.platform_account_id, StatusObservation.status, StatusObservation.detail
                ).join(Account, Account.id == StatusObservation.account_id)
            )
        }
    assert got["4999999999"][0] == "not_found"
    assert got[gone] == ("deleted", {"http_status": 410})
    for pid in setup.listed:
        if pid != gone:
            assert (got[pid][0] == "suspended") == _truth(server, pid, at)
    assert any(status == "suspended" for status, _ in got.values())
    clock.close()


def test_bluesky_takedowns(db: Database, servers: ServerFactory) -> None:
    setup = build(n_listed=40, n_pool=0, seed=13)
    server = servers(setup.world)
    at = T0 + 30 * DAY
    httpx.post(f"{server.url}/_sim/clock", json={"now": at.isoformat()}).raise_for_status()
    clock = SimClockDriver(server.url)
    b = connect("bluesky", Connection(base_url=server.url, clock=clock))
    rows = _watch(db, "bluesky", setup.listed, setup.world, at)
    assert run_monitor(db, b, now=at).checked == 40
    by_did = {did_for(a): a.id for a in setup.world.accounts}
    with db.session() as s:
        got = dict(
            s.execute(
                select(Account.platform_account_id, StatusObservation.status).join(
                    Account, Account.id == StatusObservation.account_id
                )
            ).all()
        )
    assert set(got) == set(rows)
    for did, status in got.items():
        assert (status == "taken_down") == _truth(server, by_did[did], at)
    assert "taken_down" in got.values()
    clock.close()


def test_bluesky_deactivated_and_takedown_words() -> None:
    from vigil.model import AccountStatus
    from vigil.platforms.bluesky import BlueskyPlatform

    seen = datetime(2026, 1, 1, tzinfo=UTC)
    page = Page(
        records=[
            StatusRecord(
                seen, AccountStatus.DEACTIVATED, "did:a", detail={"error": "AccountDeactivated"}
            ),
            StatusRecord(
                seen, AccountStatus.SUSPENDED, "did:b", detail={"error": "AccountTakedown"}
            ),
        ],
        unavailable={"did:a": AccountStatus.DEACTIVATED, "did:b": AccountStatus.SUSPENDED},
    )
    platform = BlueskyPlatform.__new__(BlueskyPlatform)
    platform.lookup_ids = lambda ids: page  # type: ignore[method-assign]
    checks, _ = check_batch(platform, ["did:a", "did:b", "did:c"])
    assert [(c.status.value, c.observed_at) for c in checks[:2]] == [
        ("deactivated", seen),
        ("taken_down", seen),
    ]
    assert checks[2].status.value == "not_found"
    assert checks[2].detail == {"absent": True}


def test_new_entries_are_checked_often_old_ones_less() -> None:
    p = DEFAULT_POLICY
    assert p.interval(timedelta(hours=3), "active") == timedelta(hours=1)
    assert p.interval(timedelta(days=3), "active") == timedelta(hours=6)
    assert p.interval(timedelta(days=20), "active") == timedelta(days=1)
    assert p.interval(timedelta(days=100), "active") == timedelta(days=3)
    assert p.interval(timedelta(days=400), "active") == timedelta(days=7)
    assert p.interval(timedelta(hours=3), "suspended") == timedelta(days=7)
    assert SchedulePolicy.fixed(DAY).interval(timedelta(0), "suspended") == DAY


def test_retracted_entries_are_no_longer_checked(db: Database, servers: ServerFactory) -> None:
    setup = build(n_listed=4, n_pool=0, seed=14)
    server = servers(setup.world)
    rows = _watch(db, "x", setup.listed, setup.world, T0)
    x = connect("x", Connection(base_url=server.url, token="sim-token"))
    run_monitor(db, x, now=T0)
    with db.transaction() as s:
        entry = s.execute(
            select(ListEntry).where(ListEntry.account_id == rows[setup.listed[0]])
        ).scalar_one()
        entry.status, entry.retracted_at = "retracted", T0
    assert run_monitor(db, x, now=T0 + DAY).checked == 3
    with db.session() as s:
        cohorts = dict(s.execute(select(MonitorTarget.account_id, MonitorTarget.cohort)).all())
    assert cohorts[rows[setup.listed[0]]] == "retracted"
