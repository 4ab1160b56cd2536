"""`vigil publish`: installments to every channel, reports to platforms, retractions; also
webhook subscribers, confirmed URLs (`vigil urls`) and `vigil report dsa-art22`."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.markup import escape
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import out_console, print_json
from vigil.cli.report import report_app
from vigil.errors import NotFoundError, PermissionDeniedError
from vigil.model import User
from vigil.model.publish import ConfirmedUrl, WebhookDelivery, WebhookSubscription
from vigil.publish.art22 import art22_report
from vigil.publish.clients import Credentials
from vigil.publish.installments import plan
from vigil.publish.reports import stuck_reports
from vigil.publish.run import notice_dir, run_publish
from vigil.publish.urls import check_urls, collect_links, confirm_url
from vigil.publish.webhooks import add_subscription, dead_letters, requeue_dead

__all__ = ["publish_app", "urls_app"]

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output as text or as JSON.")
]


class Channel(StrEnum):
    FEED = "feed"
    WEBHOOK = "webhook"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    REPORTS = "reports"


publish_app = typer.Typer(
    help="Publish due installments and retractions, deliver webhooks, post, report.",
    invoke_without_command=True,
)
app.add_typer(publish_app, name="publish")
webhook_app = typer.Typer(help="Webhook subscribers (signed deliveries).", no_args_is_help=True)
publish_app.add_typer(webhook_app, name="webhook")
urls_app = typer.Typer(
    help="Links in listed accounts' posts: list, confirm (DSA notice), check.",
    no_args_is_help=True,
)
app.add_typer(urls_app, name="urls")


def _echo_result(result: dict[str, object], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        print_json(result)
        return
    for key, value in result.items():
        typer.echo(f"{key}: {value}")


@publish_app.callback()
def publish(
    ctx: typer.Context,
    channel: Annotated[
        list[Channel] | None,
        typer.Option("--channel", "-c", help="Only these channels (repeat); default all."),
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Run what is due: installments, retractions, webhooks, Mastodon/Bluesky posts, reports.

    Credentials come from VIGIL_MASTODON_TOKEN, VIGIL_BLUESKY_HANDLE/PASSWORD; a channel
    without them is skipped. X and other networks get DSA notices under VIGIL_HOME/notices.
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = state(ctx).settings
    with current_store(ctx) as db:
        result = run_publish(
            db,
            settings,
            Credentials.from_env(home=settings.home),
            datetime.now(UTC),
            channels={c.value for c in channel} if channel else None,
        )
    _echo_result(result, fmt)


@publish_app.command("plan")
def plan_(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """What the next run would publish: pending listings, retractions, next installment time;
    and reports a crash left `sending`, which are never resent: check them by hand."""
    now = datetime.now(UTC)
    with current_store(ctx) as db, db.session() as session:
        result: dict[str, object] = plan(session, state(ctx).settings.publish, now).to_dict()
        stuck = stuck_reports(session, now)
    result["stuck_reports"] = stuck
    if fmt is OutputFormat.JSON:
        print_json(result)
        return
    _echo_result({k: v for k, v in result.items() if k != "stuck_reports"}, fmt)
    if stuck:
        typer.echo(
            f"{len(stuck)} report(s) stuck in 'sending' (interrupted; never resent, so they may"
            " or may not have reached the platform): check each on the platform's side."
        )
    for row in stuck:
        # The handle is the account's own text: shown quoted, control characters escaped.
        typer.echo(
            f"  report {row['report']}: {row['platform']} account {row['account_id']}"
            f" ({row['handle']!a}), {row['channel']}, sending since {row['sending_since']}"
        )


@webhook_app.command("add")
def webhook_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The receiver's https URL.")],
    description: Annotated[str | None, typer.Option(help="Who receives it.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Subscribe a receiver; prints its signing secret once (store it at the receiver)."""
    with current_store(ctx) as db, db.transaction() as session:
        sub, secret = add_subscription(session, url, actor="cli", description=description)
        result = {"id": sub.id, "url": url, "secret": secret}
    _echo_result(result, fmt)


@webhook_app.command("list")
def webhook_list(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Subscribers with delivered, pending and dead-lettered deliveries."""
    with current_store(ctx) as db, db.session() as session:
        rows = []
        for sub in session.scalars(sa.select(WebhookSubscription).order_by(WebhookSubscription.id)):
            counts = {
                str(status): int(n)
                for status, n in session.execute(
                    sa.select(WebhookDelivery.status, sa.func.count())
                    .where(WebhookDelivery.subscription_id == sub.id)
                    .group_by(WebhookDelivery.status)
                ).all()
            }
            rows.append({"id": sub.id, "url": sub.url, "active": sub.active, **counts})
    if fmt is OutputFormat.JSON:
        print_json(rows)
        return
    for row in rows:
        typer.echo(", ".join(f"{k}={v}" for k, v in row.items()))


@webhook_app.command("dead")
def webhook_dead(
    ctx: typer.Context,
    requeue: Annotated[
        bool, typer.Option("--requeue", help="Retry them all at the next `vigil publish`.")
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """The dead-letter list: deliveries that failed every attempt."""
    with current_store(ctx) as db, db.transaction() as session:
        rows = dead_letters(session)
        if requeue:
            requeue_dead(session, datetime.now(UTC), actor="cli")
    if fmt is OutputFormat.JSON:
        print_json(rows)
        return
    for row in rows:
        typer.echo(", ".join(f"{k}={v}" for k, v in row.items()))
    if requeue:
        typer.echo(f"{len(rows)} deliveries requeued")


@urls_app.command("list")
def urls_list(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Links posted by listed accounts, per domain, with the hosting provider when known."""
    with current_store(ctx) as db, db.session() as session:
        domains = [d.to_dict() for d in collect_links(session)]
        confirmed = dict.fromkeys(session.scalars(sa.select(ConfirmedUrl.url)), True)
    for d in domains:
        for u in d["urls"]:
            u["confirmed"] = confirmed.get(u["url"], False)
    if fmt is OutputFormat.JSON:
        print_json(domains)
        return
    table = Table(title="links in listed accounts' posts")
    for col in ("domain", "provider", "url", "accounts", "confirmed"):
        table.add_column(col)
    for d in domains:
        for u in d["urls"]:
            table.add_row(
                escape(d["domain"]),
                escape(d["provider"] or "?"),
                escape(u["url"]),
                str(u["accounts"]),
                "yes" if u["confirmed"] else "",
            )
    out_console.print(table)


@urls_app.command("confirm")
def urls_confirm(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The exact URL, as listed by `vigil urls list`.")],
    criterion: Annotated[str, typer.Option(help="Criterion code of the inclusion policy.")],
    as_user: Annotated[str, typer.Option("--as", help="The reviewer confirming.")],
    note: Annotated[str | None, typer.Option(help="Why (kept internally).")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Confirm a URL and write the DSA Art. 16 notice to its hosting provider."""
    settings = state(ctx).settings
    with current_store(ctx) as db, db.transaction() as session:
        user = session.scalar(sa.select(User).where(User.username == as_user))
        if user is None or not user.active:
            raise NotFoundError(f"no active user {as_user!r}")
        if user.role == "viewer":
            raise PermissionDeniedError("viewers cannot confirm URLs")
        row = confirm_url(
            session,
            url,
            user=as_user,
            criterion=criterion,
            settings=settings.publish,
            notice_dir=notice_dir(settings),
            note=note,
        )
        result = {"id": row.id, "url": row.url, "provider": row.provider, "notice": row.notice_path}
    _echo_result(result, fmt)


@urls_app.command("check")
def urls_check(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="At most this many URLs.")] = 100,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """HEAD each confirmed URL from this server (5 s timeout, no redirects followed)."""
    settings = state(ctx).settings
    with current_store(ctx) as db:
        result = check_urls(db, settings.publish, datetime.now(UTC), limit=limit)
    _echo_result(dict(result), fmt)


@report_app.command("dsa-art22")
def dsa_art22(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="Calendar year reported.")],
    fmt: FormatOption = OutputFormat.JSON,
) -> None:
    """DSA Art. 22(3) trusted-flagger report: notices by provider, content type, action."""
    with current_store(ctx) as db, db.session() as session:
        result = art22_report(session, year)
    _echo_result(result, fmt)
