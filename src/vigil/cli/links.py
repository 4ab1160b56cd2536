"""`vigil links`: resurgence links proposed between new accounts and suspended ones."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store
from vigil.cli._output import out_console, print_json
from vigil.cli.queue import safe_text
from vigil.scoring.links import LinkRow, list_links

__all__ = ["links"]


@app.command()
def links(
    ctx: typer.Context,
    min_confidence: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Only links at least this confident.")
    ] = 0.0,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many links.")] = None,
    rejected: Annotated[
        bool, typer.Option("--rejected", help="Also list links reviewers rejected.")
    ] = False,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """New accounts that look like suspended ones, most confident first (run `scan` first)."""
    with current_store(ctx) as db, db.session() as session:
        rows = list_links(
            session, min_confidence=min_confidence, include_rejected=rejected, limit=limit
        )
    if fmt is OutputFormat.JSON:
        print_json([r.to_dict() for r in rows])
        return
    out_console.print(links_table(rows))


def _evidence(row: LinkRow) -> str:
    features = row.evidence.get("features") or {}
    parts = [
        f"{k} {float(v):.2f}"
        for k, v in features.items()
        if k in ("handle", "name", "bio", "avatar", "followees")
    ]
    if "gap_hours" in features:
        parts.append(f"{float(features['gap_hours']):.0f} h later")
    return ", ".join(parts)


def links_table(rows: list[LinkRow]) -> Table:
    """Links as a table; handles are account-written, so they go through `safe_text`."""
    table = Table(title=f"resurgence links ({len(rows)})")
    table.add_column("confidence", justify="right")
    table.add_column("new account")
    table.add_column("suspended account")
    table.add_column("status")
    table.add_column("evidence")
    for r in rows:
        table.add_row(
            f"{r.confidence:.2f}",
            f"{safe_text(r.new_account.platform)} @{safe_text(r.new_account.username)}",
            f"@{safe_text(r.prior_account.username) or safe_text(r.prior_account.account_id)}",
            r.status,
            _evidence(r),
        )
    return table
