"""`vigil users`: the people who use Vigil, their roles, passwords and API tokens.

A password comes from a prompt, a file or VIGIL_USER_PASSWORD: on the command line it
would sit in the shell history and the process list (`--password` works, with a warning).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store
from vigil.cli._output import err_console, out_console, print_json
from vigil.cli.queue import safe_text
from vigil.errors import InputError
from vigil.model import UserRole
from vigil.review.users import add_user, create_api_token, disable_user, list_users, set_password

__all__ = ["users_app"]

users_app = typer.Typer(
    help="Users and their roles: admin, lead, analyst, viewer.", no_args_is_help=True
)
app.add_typer(users_app, name="users")

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
]
PasswordFile = Annotated[
    Path | None, typer.Option(help="Read the password from this file (first line).")
]
PasswordText = Annotated[
    str | None, typer.Option(help="The password itself (discouraged: shell history).")
]


def _password(file: Path | None, text: str | None) -> str:
    if text is not None:
        err_console.print(
            "warning: a password on the command line is kept in shell history and visible "
            "to other users; prefer --password-file or VIGIL_USER_PASSWORD",
            markup=False,
        )
        return text
    if file is not None:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(
                f"cannot read the password file: {exc.strerror}", source=str(file)
            ) from exc
        if not lines or not lines[0]:
            raise InputError("the password file is empty", source=str(file), line=1)
        return lines[0]
    env = os.environ.get("VIGIL_USER_PASSWORD")
    if env:
        return env
    if not sys.stdin.isatty():
        raise InputError(
            "no password: use --password-file, VIGIL_USER_PASSWORD or a terminal "
            "(or --no-password for a token-only user)",
            field="password",
        )
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[UserRole, typer.Option(help="What the user may do.")],
    display_name: Annotated[str | None, typer.Option(help="Name shown to colleagues.")] = None,
    password_file: PasswordFile = None,
    password: PasswordText = None,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No password: API token only (`users token`).")
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Add a user; the password is asked for unless a file or VIGIL_USER_PASSWORD gives it."""
    secret = None if no_password else _password(password_file, password)
    with current_store(ctx) as db:
        user_id = add_user(db, username, role, secret, display_name=display_name)
    if fmt is OutputFormat.JSON:
        print_json({"id": user_id, "username": username, "role": role.value})
    else:
        typer.echo(f"user {username} ({role.value}) added")


@users_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Users, by name."""
    with current_store(ctx) as db:
        users = list_users(db)
    if fmt is OutputFormat.JSON:
        print_json([u.to_dict() for u in users])
        return
    table = Table(title=f"users ({len(users)})")
    for column in ("username", "role", "name", "active"):
        table.add_column(column)
    for u in users:
        table.add_row(
            safe_text(u.username),
            u.role.value,
            safe_text(u.display_name),
            "yes" if u.active else "disabled",
        )
    out_console.print(table)


@users_app.command("disable")
def disable(
    ctx: typer.Context, username: Annotated[str, typer.Argument(help="Login name.")]
) -> None:
    """Disable a user: no login, no API token, no decisions (past decisions stay)."""
    with current_store(ctx) as db:
        disable_user(db, username)
    typer.echo(f"user {username} disabled")


@users_app.command("password")
def password_(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    password_file: PasswordFile = None,
    password: PasswordText = None,
) -> None:
    """Set a user's password (asked for, or from a file or VIGIL_USER_PASSWORD)."""
    secret = _password(password_file, password)
    with current_store(ctx) as db:
        set_password(db, username, secret)
    typer.echo(f"password of {username} changed")


@users_app.command("token")
def token(ctx: typer.Context, username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Create an API token for the user (replacing the old one); shown only this once."""
    with current_store(ctx) as db:
        value = create_api_token(db, username)
    typer.echo(value)
