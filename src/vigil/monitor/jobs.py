"""Worker job handlers: `monitor` (a round of due status checks) and `report` (the signed
transparency report), so `vigil worker` runs them beside scans and publications."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigil.errors import InputError
from vigil.keys.tokens import resolve_token
from vigil.monitor.controls import match_controls
from vigil.monitor.run import run_monitor
from vigil.platforms.base import Connection
from vigil.platforms.registry import connector

if TYPE_CHECKING:
    from vigil.worker.kinds import JobContext

__all__ = ["monitor_job", "report_job"]


def _text(payload: Mapping[str, Any], name: str, default: str | None = None) -> str | None:
    value = payload.get(name, default)
    if value is not None and not isinstance(value, str):
        raise InputError("must be a string", field=name)
    return value


def monitor_job(ctx: JobContext) -> dict[str, Any]:
    """Payload: ``platform`` (default x), ``api_base``; credentials from the environment."""
    cls = connector(_text(ctx.payload, "platform", "x") or "x")
    base = _text(ctx.payload, "api_base") or cls.default_base_url
    if base is None:
        raise InputError(f"{cls.name} needs an api_base", field="api_base")
    token = resolve_token(ctx.settings.home, cls.name, cls.token_env)
    login = (os.environ.get(cls.login_env) if cls.login_env else None) or None
    with ctx.db.transaction() as session:
        match_controls(session)
    with cls.connect(Connection(base_url=base, token=token, login=login)) as live:
        return run_monitor(ctx.db, live).to_dict()


def report_job(ctx: JobContext) -> dict[str, Any]:
    """Payload: ``out`` (a directory), ``format`` (html or json)."""
    from vigil.analytics.report import write_report

    out = _text(ctx.payload, "out")
    if not out:
        raise InputError("the report's directory is required", field="out")
    fmt = _text(ctx.payload, "format", "html")
    result = write_report(ctx.db, ctx.settings, Path(out), html=fmt == "html", actor=ctx.actor)
    return {"out": str(result.out), "key_fingerprint": result.fingerprint, "files": result.files}
