"""The built-in job kinds: `scan`, `noop` (checks workers are alive) and the handler stubs.

`monitor`, `publish` and `report` do nothing of their own: the monitoring, publishing and
reporting stages register their library functions with `register_handler`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vigil.errors import InputError
from vigil.scoring.scan import run_scan
from vigil.worker.kinds import HandlerJob, JobContext, JobKind, sleep_checked

__all__ = ["MonitorJob", "NoopJob", "PublishJob", "ReportJob", "ScanJob"]


class ScanJob(JobKind):
    name = "scan"
    description = "compute signals (payload 'signals': names, default all) and rescore"

    def run(self, ctx: JobContext) -> Mapping[str, Any]:
        signals = ctx.payload.get("signals")
        if signals is not None and not (
            isinstance(signals, list) and all(isinstance(s, str) for s in signals)
        ):
            raise InputError("must be a list of signal names", field="signals")
        options = ctx.payload.get("options") or {}
        if not isinstance(options, dict):
            raise InputError("must be an object", field="options")
        summary = run_scan(ctx.db, ctx.settings, signals=signals, options=options, actor=ctx.actor)
        return summary.to_dict()


class NoopJob(JobKind):
    name = "noop"
    description = "sleep 'seconds' (default 0) and succeed: checks that workers are alive"

    def run(self, ctx: JobContext) -> Mapping[str, Any]:
        raw = ctx.payload.get("seconds", 0)
        if not isinstance(raw, int | float) or isinstance(raw, bool):
            raise InputError("must be a number", field="seconds")
        slept = sleep_checked(ctx, float(raw))
        return {"slept": slept, "worker": ctx.worker, "attempt": ctx.job.attempts}


class MonitorJob(HandlerJob):
    name = "monitor"
    description = "a batch of status checks (handler registered by the monitoring stage)"


class PublishJob(HandlerJob):
    name = "publish"
    description = "publish confirmed entries (handler registered by the publishing stage)"


class ReportJob(HandlerJob):
    name = "report"
    description = "build a report (handler registered by the reporting stage)"
