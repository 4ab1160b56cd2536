"""`vigil queue`: the accounts to review, highest score first, with their evidence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store
from vigil.cli._output import out_console, print_json
from vigil.model import UserRole
from vigil.review.users import get_user
from vigil.scoring.queue import QueueItem, review_queue

__all__ = ["queue", "queue_table", "safe_text"]

# Handles and names are written by the accounts under review, so attacker-controlled:
# bidi overrides could reorder what a reviewer reads, control characters move the cursor.
_UNSAFE = re.compile("[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_text(text: str | None) -> str:
    """Account-written text made safe for a rich table: controls dropped, markup escaped."""
    return escape(_UNSAFE.sub("", text or ""))


@app.command()
def queue(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="At most this many accounts.")] = 50,
    all_: Annotated[
        bool,
        typer.Option("--all", help="Also list whitelisted, blacklisted and decided accounts."),
    ] = False,
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="Show this user's queue (their role, their confirmations)."),
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Accounts by score, descending, each with the signals behind its score (run `scan` first)."""
    with current_store(ctx) as db:
        role: str | UserRole = UserRole.ANALYST
        user_id = None
        if as_user is not None:
            user = get_user(db, as_user)
            role, user_id = user.role, user.id
        with db.session() as session:
            items = review_queue(
                session,
                limit=limit,
                everything=all_,
                role=role,
                user_id=user_id,
                pending_first=user_id is not None,
            )
    if fmt is OutputFormat.JSON:
        print_json([i.to_dict() for i in items])
        return
    out_console.print(queue_table(items))


def queue_table(items: Sequence[QueueItem]) -> Table:
    """The queue as a table; every account-written string goes through `safe_text`."""
    table = Table(title=f"review queue ({len(items)} accounts)")
    table.add_column("score", justify="right")
    table.add_column("platform")
    table.add_column("account")
    table.add_column("signals")
    for item in items:
        name = safe_text(item.username)
        if item.display_name:
            name += f"\n{safe_text(item.display_name)}"
        signals = "\n".join(
            f"{s.name} {s.value:.2f}: {safe_text(s.explanation)}" for s in item.signals[:4]
        )
        for link in item.linked_to[:2]:
            who = safe_text(link.username) or safe_text(link.account_id)
            signals += f"\nlinked to suspended @{who} ({link.confidence:.2f}, {link.status})"
        if item.pending_second:
            signals = "awaiting a second reviewer\n" + signals
        score = f"{item.score:.3f}" if item.scored else "—"
        table.add_row(score, safe_text(item.platform), name, signals)
    return table
