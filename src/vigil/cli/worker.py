"""`vigil worker` and `vigil jobs`: process queued jobs, and list or enqueue them."""

from __future__ import annotations

import json
import signal
import threading
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import out_console, print_json
from vigil.errors import InputError
from vigil.worker import WorkerOptions, enqueue, kind, list_jobs, run_worker
from vigil.worker.jobs import job_dict

__all__ = ["jobs_app", "worker"]

jobs_app = typer.Typer(help="List and enqueue jobs for `vigil worker`.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
]


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@app.command()
def worker(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Run the jobs due now, then exit (no waiting).")
    ] = False,
    kinds: Annotated[
        list[str] | None,
        typer.Option("--kinds", "-k", help="Only these job kinds (repeatable or a,b)."),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Jobs run at once.")] = 1,
    lease: Annotated[
        float, typer.Option(min=0.1, help="Seconds a claimed job stays ours without heartbeat.")
    ] = 300.0,
    poll: Annotated[float, typer.Option(min=0.01, help="Seconds between queue polls.")] = 2.0,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Claim and run queued jobs until SIGTERM/SIGINT (the running job finishes first)."""
    stop = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        stop.set()

    # systemd stops units with SIGTERM: finish the job in hand rather than lose the lease.
    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    options = WorkerOptions(
        kinds=_split(kinds),
        concurrency=concurrency,
        lease_seconds=lease,
        poll_seconds=poll,
        once=once,
    )
    try:
        with current_store(ctx) as db:
            stats = run_worker(db, state(ctx).settings, options, stop=stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if fmt is OutputFormat.JSON:
        print_json(stats.to_dict())
        return
    typer.echo(
        f"worker: {stats.done} done, {stats.retried} to retry, {stats.failed} failed, "
        f"{stats.lost} lost"
    )


@jobs_app.command("list")
def jobs_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="queued, running, done or failed.", show_default=False)
    ] = None,
    kind_: Annotated[str | None, typer.Option("--kind", help="Only this kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Jobs newest first, with status, attempts and the worker holding them."""
    with current_store(ctx) as db, db.session() as session:
        rows = [job_dict(j) for j in list_jobs(session, status=status, kind=kind_, limit=limit)]
    if fmt is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table(title=f"jobs ({len(rows)})")
    for col in ("id", "kind", "status", "tries", "worker", "created", "error"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["kind"],
            r["status"],
            f"{r['attempts']}/{r['max_attempts']}",
            escape(r["locked_by"] or ""),
            f"{r['created_at']:%Y-%m-%d %H:%M:%S}",
            escape((r["error"] or "")[:60]),
        )
    out_console.print(table)


@jobs_app.command("enqueue")
def jobs_enqueue(
    ctx: typer.Context,
    kind_name: Annotated[str, typer.Argument(metavar="KIND", help="scan, noop, monitor...")],
    payload: Annotated[str, typer.Option(help="The job's parameters as a JSON object.")] = "{}",
    key: Annotated[
        str | None,
        typer.Option(help="Dedup key: no second job while one with it is queued or running."),
    ] = None,
    priority: Annotated[int, typer.Option(help="Higher runs first.")] = 0,
    max_attempts: Annotated[int, typer.Option(min=1, help="Tries before it fails.")] = 3,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Queue one job; with --key, an active job with the same key is returned instead."""
    kind(kind_name)  # unknown kinds fail here, not in a worker later
    try:
        data = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", field="payload") from exc
    if not isinstance(data, dict):
        raise InputError("must be a JSON object", field="payload")
    with current_store(ctx) as db, db.transaction() as session:
        job, created = enqueue(
            session,
            kind_name,
            data,
            dedup_key=key,
            priority=priority,
            max_attempts=max_attempts,
        )
        info = {"id": job.id, "kind": job.kind, "status": job.status, "created": created}
    if fmt is OutputFormat.JSON:
        print_json(info)
        return
    what = "queued" if created else f"already {info['status']} (same key)"
    typer.echo(f"job {info['id']} ({kind_name}): {what}")
