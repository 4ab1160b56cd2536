"""The simulated platform's switch for attribution studies: reports taken, and ignored."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.sim.conftest import REPORTABLE, build_world
from tests.support.sim_servers import sim_servers


def test_a_platform_that_ignores_reports(tmp_path: Path) -> None:
    with sim_servers(tmp_path) as start:
        server = start(build_world(report_multiplier=1000.0))
        http = httpx.Client(base_url=server.url)
        assert http.get("/_sim/config").json()["respond_to_reports"] is True
        off = http.post("/_sim/config", json={"respond_to_reports": False})
        assert off.json()["respond_to_reports"] is False
        assert http.post("/_sim/config", json={"respond_to_reports": "no"}).status_code == 400
        auth = {"Authorization": "Bearer sim-token"}
        taken = http.post("/api/v1/reports", data={"account_id": REPORTABLE}, headers=auth)
        assert taken.status_code == 200  # the report is accepted...
        report = http.get("/_sim/reports").json()["reports"][0]
        assert report["accepted"] is True
        assert report["effective"] is False  # ...and changes nothing
        account = http.get(f"/_sim/accounts/{REPORTABLE}").json()
        assert account["report_brought_forward"] is False
        # A reset restores the world's own behaviour; reports count again.
        http.post("/_sim/reset")
        assert http.get("/_sim/config").json()["respond_to_reports"] is True
        http.post("/api/v1/reports", data={"account_id": REPORTABLE}, headers=auth)
        assert http.get(f"/_sim/accounts/{REPORTABLE}").json()["report_brought_forward"] is True
        http.close()
