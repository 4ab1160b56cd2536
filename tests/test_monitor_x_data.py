"""Monitoring against X's real answers: users, withheld users and the error objects X sent
for suspended and missing users (../shared/data/x-api-v2/), served through a mock transport."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from tests.support.data import X_API_DATA
from vigil.model import Account, ListEntry, Platform, StatusObservation
from vigil.model.monitor import MonitorTarget
from vigil.monitor.run import run_monitor
from vigil.platforms.base import Connection
from vigil.platforms.x import XPlatform
from vigil.store import Database

NOW = datetime(2021, 10, 23, 19, 36, 18, tzinfo=UTC)
SUSPENDED = ("1561834877892403203", "1256798446343933958")  # in entities_test.jsonl
NOT_FOUND = "93071130"  # users.jsonl's own "Could not find user with ids" error
PROTECTED_AND_WITHHELD = ("1175047638", "1272921762")


def _lines(name: str) -> list[dict[str, Any]]:
    out = []
    for line in (X_API_DATA / name).read_text(encoding="utf-8").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


def _real_world() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Users by id, and X's error objects by the id they are about (as a lookup names them)."""
    page = _lines("users.jsonl")[0]
    users = {u["id"]: u for u in page["data"]}
    errors = {e["value"]: e for e in page["errors"] if e.get("resource_type") == "user"}
    for obj in _lines("2sets.jsonl")[:3]:
        for u in (obj.get("includes") or {}).get("users", []):
            users.setdefault(u["id"], u)
    for obj in _lines("withheld.jsonl"):
        for u in (obj.get("includes") or {}).get("users", []):
            if u["id"] in PROTECTED_AND_WITHHELD:
                users[u["id"]] = u
    for obj in _lines("entities_test.jsonl"):
        for e in obj.get("errors", []):
            if e.get("value") in SUSPENDED:
                # The very object X sent; a lookup by ids names the parameter "ids".
                errors[e["value"]] = {**e, "parameter": "ids"}
    return users, errors


def _transport(
    users: dict[str, Any], errors: dict[str, Any], calls: list[int]
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"].split(",")
        calls.append(len(ids))
        body: dict[str, Any] = {"data": [users[i] for i in ids if i in users]}
        errs = [errors[i] for i in ids if i in errors]
        if errs:
            body["errors"] = errs
        return httpx.Response(200, json=body, headers={"x-sim-now": str(NOW.timestamp())})

    return httpx.MockTransport(handler)


def _watch(db: Database, ids: list[str]) -> dict[str, int]:
    rows = {}
    with db.transaction() as s:
        platform = Platform(name="x", kind="x", base_url="https://api.twitter.com")
        s.add(platform)
        s.flush()
        for pid in ids:
            acc = Account(platform_id=platform.id, platform_account_id=pid, handle=f"h{pid}")
            s.add(acc)
            s.flush()
            rows[pid] = acc.id
            s.add(ListEntry(account_id=acc.id, kind="black", criterion="c", added_at=NOW))
    return rows


def test_real_x_answers_become_statuses(db: Database) -> None:
    users, errors = _real_world()
    protected = [pid for pid, u in users.items() if u.get("protected")]
    ids = (
        sorted(users)[:120]
        + protected
        + list(SUSPENDED)
        + [NOT_FOUND]
        + list(PROTECTED_AND_WITHHELD)
    )
    ids = sorted(set(ids))
    rows = _watch(db, ids)
    calls: list[int] = []
    x = XPlatform.connect(
        Connection(base_url="https://x.test", token="t", transport=_transport(users, errors, calls))
    )
    run = run_monitor(db, x, now=NOW)
    assert len(ids) > 100
    assert run.checked == len(ids)
    assert calls == [100, len(ids) - 100]
    with db.session() as s:
        got = {o.account_id: o for o in s.execute(select(StatusObservation)).scalars()}
        handles = dict(s.execute(select(Account.id, Account.handle)).all())
    status = {pid: got[rows[pid]].status for pid in ids}
    for pid in SUSPENDED:
        assert status[pid] == "suspended"
        assert got[rows[pid]].detail["detail"] == f"User has been suspended: [{pid}]."
        assert got[rows[pid]].detail["title"] == "Forbidden"
    assert status[NOT_FOUND] == "not_found"
    assert status["1175047638"] == "withheld"
    assert got[rows["1175047638"]].detail["withheld_in"] == ["IN"]
    assert protected
    assert all(status[p] == "protected" for p in protected)
    active = [
        p
        for p in ids
        if p in users and not users[p].get("protected") and "withheld" not in users[p]
    ]
    assert {status[p] for p in active} == {"active"}
    assert all(o.observed_at == NOW and o.source == "monitor" for o in got.values())
    # Handles are followed by the stable id: the real usernames replace the stored ones.
    assert handles[rows[active[0]]] == users[active[0]]["username"]
    assert got[rows[active[0]]].detail["previous_handle"] == f"h{active[0]}"


def test_a_second_run_checks_nothing_until_due(db: Database) -> None:
    users, errors = _real_world()
    ids = sorted(users)[:5]
    _watch(db, ids)
    calls: list[int] = []
    x = XPlatform.connect(
        Connection(base_url="https://x.test", token="t", transport=_transport(users, errors, calls))
    )
    assert run_monitor(db, x, now=NOW).checked == 5
    assert run_monitor(db, x, now=NOW).checked == 0
    with db.session() as s:
        due = {t.next_due_at for t in s.execute(select(MonitorTarget)).scalars()}
    # Listed just now: the first day's checks come hourly.
    assert due == {NOW + timedelta(hours=1)}
    assert run_monitor(db, x, now=NOW + timedelta(hours=1)).checked == 5
