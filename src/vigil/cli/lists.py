"""`vigil list`: the blacklist and whitelist (import an earlier list of confirmed accounts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vigil.cli._app import OutputFormat, app, current_store
from vigil.cli._output import print_json
from vigil.review.seeds import import_list

__all__ = ["list_app"]

list_app = typer.Typer(
    help="The blacklist and whitelist: reviewed accounts, with criteria and sources.",
    no_args_is_help=True,
)
app.add_typer(list_app, name="list")


@list_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV: platform,account_id,username,criterion (seeds.csv).")
    ],
    source: Annotated[str, typer.Option(help="Where the list comes from (stored per entry).")],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as text or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Add the accounts an earlier list confirmed to the blacklist (safe to run twice)."""
    with current_store(ctx) as db, db.transaction() as session:
        result = import_list(session, file, source=source)
    if fmt is OutputFormat.JSON:
        print_json(result.to_dict())
    else:
        typer.echo(
            f"list {source}: {result.added} added, {result.already_listed} already listed, "
            f"{result.placeholders} not yet collected (placeholders) from {file}"
        )
