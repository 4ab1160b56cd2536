"""Reports raise a reported account's suspension hazard (and never do when the multiplier is 1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from tests.sim.conftest import REPORTABLE, build_world

AUTH = {"Authorization": "Bearer sim-token"}


def _report(client: httpx.Client, account_id: str) -> httpx.Response:
    return client.post(
        "/api/v1/reports",
        data={"account_id": account_id, "comment": "test", "category": "violation"},
    )


def _suspended_on_x(client: httpx.Client, account_id: str) -> bool:
    body = client.get("/2/users", params={"ids": account_id}).json()
    return any("suspended" in e["detail"] for e in body.get("errors", []))


def _advance(client: httpx.Client, days: float) -> None:
    client.post("/_sim/clock", json={"advance_seconds": days * 86400}).raise_for_status()


def test_report_brings_suspension_forward(sim_server_factory: Callable[..., Any]) -> None:
    server = sim_server_factory(build_world(report_multiplier=1000.0))
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as client:
        assert _report(client, REPORTABLE).status_code == 200
        assert _report(client, REPORTABLE).status_code == 200
        assert not _suspended_on_x(client, REPORTABLE)
        state = client.get(f"/_sim/accounts/{REPORTABLE}").json()
        assert state["report_brought_forward"] is True
        due = datetime.fromisoformat(state["suspended_at"])
        assert due < datetime.fromisoformat(state["world_suspended_at"])
        _advance(client, 2)
        assert _suspended_on_x(client, REPORTABLE)
        reports = client.get("/_sim/reports").json()["reports"]
    assert [r["effective"] for r in reports] == [True, False], "every report kept, the first counts"
    assert all(r["account_id"] == REPORTABLE for r in reports)


def test_multiplier_one_changes_nothing(sim_server_factory: Callable[..., Any]) -> None:
    server = sim_server_factory(build_world(report_multiplier=1.0))
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as client:
        assert _report(client, REPORTABLE).status_code == 200
        _advance(client, 30)
        assert not _suspended_on_x(client, REPORTABLE)
        assert client.get(f"/_sim/accounts/{REPORTABLE}").json()["report_brought_forward"] is False
        _advance(client, 31)
        assert _suspended_on_x(client, REPORTABLE), "the world's own suspension still happens"
