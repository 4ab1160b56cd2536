"""`vigil report`: the transparency report, its verification, and the DSA Art. 22 report.

`vigil report --out DIR` writes the signed transparency report; `vigil report verify DIR`
checks it; other reports (`dsa-art22`) register as subcommands of the same group.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vigil.analytics.report import verify_report, write_report
from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import err_console, out_console, print_json
from vigil.errors import InputError

__all__ = ["report_app"]


class ReportFormat(StrEnum):
    HTML = "html"
    JSON = "json"


report_app = typer.Typer(
    help="Reports: the transparency report, its verification, the DSA Art. 22(3) report.",
    invoke_without_command=True,
)
app.add_typer(report_app, name="report")


@report_app.callback(invoke_without_command=True)
def transparency_report(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option("--out", help="Directory to write the report into.")
    ] = None,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format", "-f", help="html: page, JSON, CSV and export; json: without the page."
        ),
    ] = ReportFormat.HTML,
) -> None:
    """Write the signed transparency report (`--out DIR`), or run a subcommand.

    The report holds waves, time to action, attribution against controls, identities,
    the population estimate and census figures, with the export of the observations they
    were computed from, the Merkle roots of the audit log and lists, and an Ed25519
    signature by the organisation's key ($VIGIL_HOME/keys/, created on first use).
    """
    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        out_console.print(ctx.get_help())
        raise typer.Exit(2)
    settings = state(ctx).settings
    with current_store(ctx) as db:
        result = write_report(db, settings, out, html=fmt is ReportFormat.HTML)
    f = result.figures["funnel"]
    err_console.print(
        f"report written to {out} ({f['listed']} listed, {f['removed']} removed); "
        f"key fingerprint {result.fingerprint}"
    )


@report_app.command("verify")
def verify(
    directory: Annotated[Path, typer.Argument(help="A directory written by `vigil report`.")],
    public_key: Annotated[
        str | None,
        typer.Option(help="The organisation's published public key (base64), to check against."),
    ] = None,
    key_history: Annotated[
        Path | None,
        typer.Option(help="The organisation's key history (`vigil keys export-public`)."),
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as text or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Check the signature and every file, and recompute every figure from the export."""
    from vigil.keys.history import read_history_file

    history = read_history_file(key_history) if key_history else None
    result = verify_report(directory, public_key=public_key, history=history)
    if fmt is OutputFormat.JSON:
        print_json(result.to_dict())
    elif result.ok:
        out_console.print(
            f"report verifies: {', '.join(result.checked)}; key fingerprint {result.fingerprint}"
        )
    if not result.ok:
        raise InputError(
            "the report does not verify: " + "; ".join(result.problems), source=str(directory)
        )
