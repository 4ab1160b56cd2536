"""`vigil decide`, `vigil history`, `vigil whitelist`, `vigil appeals`, `vigil tips`,
`vigil threat`, `vigil policy`: the review workflow, as thin shells over vigil.review."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated, Any, Protocol, TypeVar

import typer
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import err_console, out_console, print_json
from vigil.cli.queue import safe_text
from vigil.model import WhitelistType
from vigil.review.accounts import resolve_account
from vigil.review.appeals import decide_appeal, list_appeals
from vigil.review.decisions import DecisionView, decision_history
from vigil.review.decisions import decide as decide_account
from vigil.review.policy import load_policy
from vigil.review.threats import mark_threat
from vigil.review.tips import list_tips
from vigil.review.whitelist import add_to_whitelist, list_whitelist, remove_from_whitelist

__all__ = [
    "appeals_app",
    "decide",
    "history",
    "policy_app",
    "threat",
    "tips_app",
    "whitelist_app",
]

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
]
AsOption = Annotated[str, typer.Option("--as", help="Your Vigil username (the reviewer).")]
AccountArg = Annotated[
    str, typer.Argument(help="PLATFORM:ID, PLATFORM:@handle or the store's account id.")
]


class _View(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


_V = TypeVar("_V", bound=_View)


def _print_views(
    fmt: OutputFormat,
    views: Sequence[_V],
    title: str,
    columns: Sequence[str],
    row: Callable[[_V], Sequence[str]],
) -> None:
    """The views as JSON, or as a table titled with their count, one row each."""
    if fmt is OutputFormat.JSON:
        print_json([v.to_dict() for v in views])
        return
    table = Table(title=f"{title} ({len(views)})")
    for column in columns:
        table.add_column(column)
    for v in views:
        table.add_row(*row(v))
    out_console.print(table)


class Action(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"
    WHITELIST = "whitelist"
    ESCALATE = "escalate"


@app.command()
def decide(
    ctx: typer.Context,
    account: AccountArg,
    action: Annotated[Action, typer.Option(help="What you decide.")],
    as_user: AsOption,
    criterion: Annotated[
        str | None, typer.Option(help="Policy criterion code (`vigil policy show`).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="Your reasons, kept with the decision.")] = None,
    evidence: Annotated[
        list[str] | None,
        typer.Option(help="post:ID, match:ID or signal:NAME (repeat, or comma-separated)."),
    ] = None,
    whitelist_type: Annotated[
        WhitelistType | None,
        typer.Option("--type", help="Whitelist type (with --action whitelist)."),
    ] = None,
    override: Annotated[
        bool, typer.Option(help="Lead only: list on this one confirmation (needs --note).")
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Record a decision on ACCOUNT; a confirmation lists it once enough reviewers agree."""
    with current_store(ctx) as db:
        outcome = decide_account(
            db,
            account,
            action=action.value,
            user=as_user,
            criterion=criterion,
            note=note,
            evidence=evidence or None,
            whitelist_type=whitelist_type,
            override=override,
            settings=state(ctx).settings,
        )
    if fmt is OutputFormat.JSON:
        print_json(outcome.to_dict())
    else:
        typer.echo(
            f"decision {outcome.decision_id} on account {outcome.account_id} "
            f"(case {outcome.case_id}, {outcome.case_status}): {outcome.message}"
        )


@app.command()
def history(
    ctx: typer.Context, account: AccountArg, fmt: FormatOption = OutputFormat.TABLE
) -> None:
    """Every decision on ACCOUNT, oldest first: who, what, criterion, note, evidence."""
    with current_store(ctx) as db:
        with db.session() as session:
            account_id = resolve_account(session, account).id
        views = decision_history(db, account_id)

    def row(v: DecisionView) -> tuple[str, ...]:
        cited = ", ".join(f"{k} {len(x)}" for k, x in v.evidence.items() if x)
        return (
            str(v.id),
            v.decided_at.strftime("%Y-%m-%d %H:%M"),
            v.action,
            f"{safe_text(v.username)} ({v.role})",
            v.criterion or "",
            safe_text((v.note or "")[:200]),
            cited,
        )

    columns = ("id", "when", "action", "by", "criterion", "note", "evidence")
    _print_views(fmt, views, f"decisions on account {account_id}", columns, row)


whitelist_app = typer.Typer(
    help="Accounts reviewed as out of scope (journalists, researchers, parody...).",
    no_args_is_help=True,
)
app.add_typer(whitelist_app, name="whitelist")


@whitelist_app.command("add")
def whitelist_add(
    ctx: typer.Context,
    account: AccountArg,
    whitelist_type: Annotated[
        WhitelistType, typer.Option("--type", help="Why it is out of scope.")
    ],
    reason: Annotated[str, typer.Option(help="The reason, in a sentence.")],
    as_user: AsOption,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Whitelist ACCOUNT: it stays out of the queue unless new evidence arrives (leads only)."""
    with current_store(ctx) as db:
        outcome = add_to_whitelist(
            db,
            account,
            type=whitelist_type,
            reason=reason,
            user=as_user,
            settings=state(ctx).settings,
        )
    if fmt is OutputFormat.JSON:
        print_json(outcome.to_dict())
    else:
        typer.echo(f"account {outcome.account_id}: {outcome.message}")


@whitelist_app.command("list")
def whitelist_list(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Also list removed entries.")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """The whitelist, newest first."""
    with current_store(ctx) as db:
        views = list_whitelist(db, include_removed=all_)
    _print_views(
        fmt,
        views,
        "whitelist",
        ("account", "type", "reason", "status", "added", "by"),
        lambda v: (
            safe_text(f"{v.platform}:@{v.handle}"),
            v.type or "",
            safe_text(v.reason),
            v.status,
            v.added_at.strftime("%Y-%m-%d %H:%M"),
            safe_text(v.decided_by),
        ),
    )


@whitelist_app.command("remove")
def whitelist_remove(
    ctx: typer.Context,
    account: AccountArg,
    reason: Annotated[str, typer.Option(help="Why it comes off the whitelist.")],
    as_user: AsOption,
) -> None:
    """Take ACCOUNT off the whitelist (leads and admins; the entry is kept as removed)."""
    with current_store(ctx) as db:
        remove_from_whitelist(db, account, reason=reason, user=as_user)
    typer.echo(f"{account}: removed from the whitelist")


appeals_app = typer.Typer(
    help="Appeals against listings: the inbox and a lead's decision.", no_args_is_help=True
)
app.add_typer(appeals_app, name="appeals")


class AppealFilter(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


@appeals_app.command("list")
def appeals_list(
    ctx: typer.Context,
    status: Annotated[AppealFilter | None, typer.Option(help="Only appeals in this state.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Appeals, oldest first."""
    with current_store(ctx) as db:
        views = list_appeals(db, status=status.value if status else None)
    _print_views(
        fmt,
        views,
        "appeals",
        ("reference", "status", "account", "filed", "text"),
        lambda v: (
            v.reference,
            v.status,
            safe_text(f"{v.platform}:@{v.handle}"),
            v.filed_at.strftime("%Y-%m-%d %H:%M"),
            safe_text(v.text[:200]),
        ),
    )


@appeals_app.command("decide")
def appeals_decide(
    ctx: typer.Context,
    reference: Annotated[str, typer.Argument(help="The appeal's reference, APL-XXXX-XXXX.")],
    uphold: Annotated[
        bool, typer.Option("--uphold/--reject", help="Uphold (delist the account) or reject.")
    ],
    note: Annotated[str, typer.Option(help="Your reasons (not shown to the appellant).")],
    as_user: AsOption,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Decide an appeal (leads and admins); upheld -> delisted, and the listing retracted."""
    with current_store(ctx) as db:
        view = decide_appeal(db, reference, uphold=uphold, user=as_user, note=note)
    if fmt is OutputFormat.JSON:
        print_json(view.to_dict())
    else:
        typer.echo(f"appeal {view.reference}: {view.status}")


tips_app = typer.Typer(
    help="Tips from the public (each opens a case; none lists).", no_args_is_help=True
)
app.add_typer(tips_app, name="tips")


@tips_app.command("list")
def tips_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="At most this many tips.")] = 100,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Tips, newest first."""
    with current_store(ctx) as db:
        views = list_tips(db, limit=limit)
    _print_views(
        fmt,
        views,
        "tips",
        ("reference", "account", "status", "case", "submitted", "reason"),
        lambda v: (
            v.reference,
            safe_text(f"{v.platform}:{v.account_ref}"),
            v.status,
            str(v.case_id or ""),
            v.submitted_at.strftime("%Y-%m-%d %H:%M"),
            safe_text(v.reason[:200]),
        ),
    )


@app.command()
def threat(
    ctx: typer.Context,
    account: AccountArg,
    note: Annotated[str, typer.Option(help="What the threat is (kept in the audit log).")],
    as_user: AsOption,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Mark ACCOUNT's case as an imminent threat to life and alert leads (VIGIL_ALERT_WEBHOOK)."""
    with current_store(ctx) as db:
        alert = mark_threat(db, account, user=as_user, note=note, settings=state(ctx).settings)
    if fmt is OutputFormat.JSON:
        print_json(alert.to_dict())
        return
    typer.echo(
        f"case {alert.case_id} marked as a threat to life; evidence package: "
        f"vigil evidence export {alert.case_id}"
    )
    if not alert.alerted:
        err_console.print(f"warning: leads were not alerted: {alert.error}", markup=False)


policy_app = typer.Typer(help="The inclusion policy decisions cite.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@policy_app.command("show")
def policy_show(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Criteria, organisations and the designation lists they are on."""
    policy = load_policy()
    if fmt is OutputFormat.JSON:
        print_json(policy.to_dict())
        return
    criteria = Table(title=f"{policy.title}, version {policy.version}")
    for column in ("code", "title", "definition"):
        criteria.add_column(column)
    for c in policy.criteria:
        suffix = "" if c.selectable else " (provenance only)"
        criteria.add_row(c.code, c.title + suffix, c.definition)
    organisations = Table(title="organisations")
    for column in ("name", "designations", "aliases"):
        organisations.add_column(column)
    for o in policy.organisations:
        organisations.add_row(o.name, " ".join(o.designations), ", ".join(o.aliases))
    out_console.print(criteria)
    out_console.print(organisations)
