"""`vigil bank`: hash banks of known propaganda images (add, import, export, list)."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store
from vigil.cli._output import out_console, print_json, progress_bar
from vigil.signals.banks import add_images, export_rows, import_file, list_banks

__all__ = ["bank_app"]

bank_app = typer.Typer(
    help="Hash banks: PDQ hashes of known propaganda images that posted media is matched to.",
    no_args_is_help=True,
)
app.add_typer(bank_app, name="bank")

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
]
ThresholdOption = Annotated[
    int | None,
    typer.Option(help="Largest Hamming distance that matches in this bank (default 31)."),
]


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@bank_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Bank name (created if new).")],
    images: Annotated[list[Path], typer.Argument(help="Image files to hash.")],
    label: Annotated[str | None, typer.Option(help="Label stored with each hash.")] = None,
    threshold: ThresholdOption = None,
    crops: Annotated[
        bool, typer.Option(help="Also store sub-crop hashes, to catch cropped reposts.")
    ] = True,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Hash images with PDQ into bank NAME (the file name without extension is the item)."""
    with current_store(ctx) as db, progress_bar() as progress, db.transaction() as session:
        progress.add_task(f"hashing {len(images)} images", total=None)
        added = add_images(
            session, name, images, actor="cli", label=label, threshold=threshold, crops=crops
        )
    if fmt is OutputFormat.JSON:
        print_json({"bank": name, "images": len(images), "new_hashes": added})
    else:
        typer.echo(f"bank {name}: {len(images)} images, {added} new hashes")


@bank_app.command("import")
def import_(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Bank name (created if new).")],
    file: Annotated[Path, typer.Argument(help="CSV with a pdq column, or a JSON hash list.")],
    threshold: ThresholdOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Import hashes from CSV (pdq, optional label/item/quality) or JSON (TCAP, ThreatExchange)."""
    with current_store(ctx) as db, db.transaction() as session:
        added = import_file(session, name, file, actor="cli", threshold=threshold)
    if fmt is OutputFormat.JSON:
        print_json({"bank": name, "file": str(file), "new_hashes": added})
    else:
        typer.echo(f"bank {name}: {added} new hashes from {file}")


@bank_app.command("export")
def export(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Bank to export.")],
    out: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="CSV or JSON.")
    ] = ExportFormat.CSV,
) -> None:
    """Write a bank's hashes as CSV (pdq,label,item,quality,variant) or JSON."""
    with current_store(ctx) as db, db.session() as session:
        rows = export_rows(session, name)
    stream = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        if fmt is ExportFormat.JSON:
            if out is None:
                print_json(rows)
            else:
                stream.write(json.dumps(rows, indent=2) + "\n")
        else:
            writer = csv.DictWriter(stream, ["pdq", "label", "item", "quality", "variant"])
            writer.writeheader()
            writer.writerows(rows)
    finally:
        if out:
            stream.close()


@bank_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Every bank with its threshold and how many hashes and items it holds."""
    with current_store(ctx) as db, db.session() as session:
        banks = list_banks(session)
    if fmt is OutputFormat.JSON:
        print_json(
            [
                {"name": b.name, "threshold": b.threshold, "hashes": b.hashes, "items": b.items}
                for b in banks
            ]
        )
        return
    table = Table(title="Hash banks")
    for col in ("name", "threshold", "hashes", "items"):
        table.add_column(col, justify="left" if col == "name" else "right")
    for b in banks:
        table.add_row(b.name, str(b.threshold), f"{b.hashes:,}", f"{b.items:,}")
    out_console.print(table)
