"""The root Typer application and the state every command receives."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

import vigil
from vigil.config import Settings
from vigil.store import Database, ensure_current, open_database

__all__ = ["AppState", "OutputFormat", "app", "current_store", "state"]


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@dataclass(slots=True)
class AppState:
    settings: Settings
    debug: bool = False


app = typer.Typer(
    name="vigil",
    help="Vigil: find, review, report and track accounts that spread terrorist propaganda.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vigil {vigil.__version__}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(help="Data directory (default: $VIGIL_HOME or ./.vigil).", show_default=False),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log verbosely and show tracebacks on errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Settings come from the environment (VIGIL_HOME, VIGIL_DATABASE_URL, VIGIL_LOG_LEVEL)."""
    settings = Settings.from_env()
    if home is not None:
        settings = replace(settings, home=home)
    logging.basicConfig(
        level=logging.DEBUG if debug else settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = AppState(settings=settings, debug=debug)


def state(ctx: typer.Context) -> AppState:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppState)
    return obj


@contextmanager
def current_store(ctx: typer.Context) -> Iterator[Database]:
    """The configured store, refused unless `vigil init` brought it to this version."""
    db = open_database(state(ctx).settings)
    try:
        ensure_current(db)
        yield db
    finally:
        db.dispose()
