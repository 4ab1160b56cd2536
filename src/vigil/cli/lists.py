"""`vigil list`: the blacklist and whitelist: show, export (CSV, JSON, STIX 2.1, Atom, hash
list), and import an earlier list of confirmed accounts."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import out_console, print_json
from vigil.publish.exports import LIST_COLUMNS, hash_rows, hashes_csv, list_rows, rows_csv
from vigil.publish.feeds import atom_feed
from vigil.publish.stix import stix_bundle
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


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    STIX = "stix"
    ATOM = "atom"
    HASHES = "hashes"
    HASHES_JSON = "hashes-json"


class Kind(StrEnum):
    BLACK = "black"
    WHITE = "white"
    ALL = "all"


@list_app.command("show")
def show(
    ctx: typer.Context,
    kind: Annotated[Kind, typer.Option(help="Which list.")] = Kind.BLACK,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Entries with platform, account, criterion, status and dates (retractions included)."""
    with current_store(ctx) as db, db.session() as session:
        rows = list_rows(session, kind=kind.value)
    if fmt is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table(title=f"{kind.value} list ({len(rows)} entries)")
    for col in ("entry", "kind", "status", "platform", "account", "criterion", "listed"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["entry_id"]),
            r["kind"],
            r["status"],
            escape(r["platform"]),
            escape(str(r["handle"])),
            escape(str(r["criterion"] or "")),
            str(r["listed_at"])[:10],
        )
    out_console.print(table)


@list_app.command("export")
def export(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format", "-f", help="csv, json, stix (2.1 bundle), atom, hashes (PDQ CSV)."
        ),
    ] = ExportFormat.CSV,
    out: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
    kind: Annotated[Kind, typer.Option(help="Which list (csv and json).")] = Kind.BLACK,
) -> None:
    """Export the list; `hashes` writes the PDQ hashes of listed accounts' media in the CSV
    form `vigil bank import` reads (`hashes-json` the JSON form)."""
    settings = state(ctx).settings
    with current_store(ctx) as db, db.session() as session:
        if fmt is ExportFormat.CSV:
            text = rows_csv(list_rows(session, kind=kind.value), LIST_COLUMNS)
        elif fmt is ExportFormat.JSON:
            text = json.dumps(list_rows(session, kind=kind.value), ensure_ascii=False, indent=2)
        elif fmt is ExportFormat.STIX:
            text = json.dumps(stix_bundle(session, settings.publish, datetime.now(UTC)), indent=2)
        elif fmt is ExportFormat.ATOM:
            text = atom_feed(session, settings.publish).body.decode("utf-8")
        elif fmt is ExportFormat.HASHES:
            text = hashes_csv(hash_rows(session))
        else:
            text = json.dumps(hash_rows(session), indent=2)
    if not text.endswith("\n"):
        text += "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
