"""`vigil report`: the transparency report, its verification, and the DSA Art. 22 report."""

from __future__ import annotations

import typer

from vigil.cli._app import app

__all__ = ["report_app"]

report_app = typer.Typer(
    help="Reports: the transparency report, its verification, the DSA Art. 22(3) report.",
    no_args_is_help=True,
)
app.add_typer(report_app, name="report")
