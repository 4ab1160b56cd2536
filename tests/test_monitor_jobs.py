"""`vigil worker` runs monitoring rounds and reports: the handlers the CLI registers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

import vigil.cli  # noqa: F401  (registers the handlers, as `vigil worker` does)
from tests.support.monitor_world import build, list_on_x
from tests.support.sim_servers import sim_servers
from vigil.analytics.report import verify_report
from vigil.config import Settings
from vigil.model import StatusObservation
from vigil.model.jobs import Job
from vigil.store import Database
from vigil.worker import WorkerOptions, enqueue, ready_names, run_worker


def test_worker_runs_monitor_and_report_jobs(
    db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert {"monitor", "report"} <= set(ready_names())
    setup = build(n_listed=5, n_pool=0, seed=30)
    with sim_servers(tmp_path / "sim") as start:
        server = start(setup.world)
        with db.transaction() as s:
            list_on_x(s, setup.listed)
            enqueue(s, "monitor", {"platform": "x", "api_base": server.url})
        monkeypatch.setenv("VIGIL_X_BEARER_TOKEN", "sim-token")
        run_worker(db, settings, WorkerOptions(kinds=["monitor"], once=True))
    out = tmp_path / "report"
    with db.transaction() as s:
        enqueue(s, "report", {"out": str(out), "format": "json"})
    run_worker(db, settings, WorkerOptions(kinds=["report"], once=True))
    with db.session() as s:
        assert len(list(s.execute(select(StatusObservation)).scalars())) == 5
        statuses = {j.kind: j.status for j in s.execute(select(Job)).scalars()}
    assert statuses == {"monitor": "done", "report": "done"}
    assert verify_report(out).ok
