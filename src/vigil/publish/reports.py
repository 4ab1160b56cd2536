"""One report per listed account per platform, from the organisation's own credentials:
Mastodon and Bluesky through their reporting APIs, every other network as a DSA Art. 16
notice. The row is committed as `sending` before the request, so a crash never resends."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import PublishSettings
from vigil.errors import NotFoundError, PlatformError, RateLimitedError, VigilError
from vigil.model import ListEntry, Post
from vigil.model.publish import Report
from vigil.publish.clients import Credentials
from vigil.publish.dsa import Notice, write_notice
from vigil.publish.entries import (
    EntryView,
    confirmed_entries,
    entry_views,
    whitelisted_accounts,
)
from vigil.publish.hosts import load_hosts, lookup_host
from vigil.publish.platform_reports import BlueskyReporter, MastodonReporter, post_urls
from vigil.store import Database, record

__all__ = ["STUCK_AFTER", "ReportRun", "report_accounts", "stuck_reports"]

log = logging.getLogger(__name__)

_RETRY = ("failed",)
# A report `sending` this long was cut by a crash, not still on its way (requests time out).
STUCK_AFTER = timedelta(minutes=10)
Sender = Callable[[EntryView, dict[str, Any]], tuple[dict[str, Any], str | None]]


@dataclass(slots=True)
class ReportRun:
    submitted: int = 0
    notices: int = 0
    failed: int = 0
    gone: int = 0
    skipped_platforms: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "submitted": self.submitted,
            "notices": self.notices,
            "failed": self.failed,
            "gone": self.gone,
            "skipped_platforms": self.skipped_platforms,
        }


def _due(db: Database) -> list[EntryView]:
    with db.session() as session:
        reported = sa.select(Report.account_id).where(Report.status.not_in(_RETRY))
        rows = session.scalars(
            confirmed_entries(session)
            .where(
                ListEntry.status == "active",
                ListEntry.account_id.not_in(reported),
                ListEntry.account_id.not_in(whitelisted_accounts()),
            )
            .order_by(ListEntry.added_at, ListEntry.id)
        ).all()
        return entry_views(session, rows)


def _claim(db: Database, view: EntryView, channel: str, now: datetime) -> int | None:
    """Create or re-open the account's report row as `sending`; None when it is not ours."""
    from vigil.model import Account

    with db.transaction() as session:
        acc = session.get(Account, view.account_id)
        assert acc is not None
        row = session.scalar(
            sa.select(Report).where(
                Report.account_id == acc.id, Report.platform_id == acc.platform_id
            )
        )
        if row is None:
            row = Report(
                account_id=acc.id, platform_id=acc.platform_id, channel=channel, created_at=now
            )
            session.add(row)
        elif row.status not in _RETRY:
            return None
        row.status = "sending"
        # When this attempt began (a re-opened row keeps its first created_at).
        row.request = {**(row.request or {}), "claimed_at": now.isoformat()}
        session.flush()
        return row.id


def stuck_reports(
    session: Session, now: datetime, older_than: timedelta = STUCK_AFTER
) -> list[dict[str, Any]]:
    """Reports left `sending` by a crash: maybe filed, maybe not; never resent, so a person
    checks on the platform and sets them straight (`sending` rows are few: done in Python)."""
    from vigil.model import Account, Platform

    rows = session.execute(
        sa.select(Report, Account.handle, Platform.name)
        .join(Account, Account.id == Report.account_id)
        .join(Platform, Platform.id == Report.platform_id)
        .where(Report.status == "sending")
        .order_by(Report.id)
    ).all()
    stuck = []
    for report, handle, platform in rows:
        since = _aware(report.created_at)
        claimed = (report.request or {}).get("claimed_at")
        if isinstance(claimed, str):
            since = _aware(datetime.fromisoformat(claimed))
        if now - since >= older_than:
            stuck.append(
                {
                    "report": report.id,
                    "account_id": report.account_id,
                    "handle": handle,
                    "platform": platform,
                    "channel": report.channel,
                    "sending_since": since.isoformat(),
                }
            )
    return stuck


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _finish(
    db: Database,
    report_id: int,
    view: EntryView,
    *,
    status: str,
    request: dict[str, Any],
    response: dict[str, Any],
    external_id: str | None,
    now: datetime,
) -> None:
    with db.transaction() as session:
        row = session.get(Report, report_id)
        assert row is not None
        row.status, row.request, row.response = status, request, response
        row.external_id = external_id
        row.submitted_at = now if status in {"submitted", "written"} else None
        record(
            session,
            actor="publish",
            action=f"report.{status}",
            subject=f"account:{view.account_id}",
            payload={
                "report": report_id,
                "platform": view.platform,
                "channel": row.channel,
                "external_id": external_id,
                "entry": view.entry_id,
                "decision": view.decision_id,
            },
            ts=now,
        )


def _notice_sender(db: Database, settings: PublishSettings, folder: Path) -> Sender:
    hosts = load_hosts()

    def send(view: EntryView, request: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        with db.session() as session:
            posts = session.scalars(
                sa.select(Post).where(
                    Post.account_id == view.account_id,
                    Post.platform_post_id.in_(view.evidence_posts),
                )
            ).all()
            urls = [view.profile_url, *post_urls(view, posts)]
        domain = {"x": "x.com", "telegram": "t.me"}.get(view.platform_kind, view.platform)
        host = lookup_host(domain, hosts)
        notice = Notice(
            key=f"{view.platform}-{view.platform_account_id}",
            provider=host.provider if host else view.platform,
            recipient_email=host.notice_email if host else None,
            recipient_url=host.notice_url if host else None,
            subject_kind="account",
            urls=tuple(urls),
            criterion=view.criterion,
            explanation=f"Reviewers confirmed the account under this criterion; {view.summary}.",
            created_at=datetime.now().astimezone(),
        )
        eml, page = write_notice(notice, settings, folder / "accounts")
        request.update(
            {
                "provider": notice.provider,
                "to": notice.recipient_email,
                "via": notice.recipient_url,
                "urls": list(urls),
                "eml": str(eml),
                "html": str(page),
            }
        )
        return {"written": True}, eml.name

    return send


def report_accounts(
    db: Database,
    settings: PublishSettings,
    creds: Credentials,
    now: datetime,
    *,
    notice_dir: Path,
    only: set[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ReportRun:
    """Report every listed account not yet reported; `only` limits to platform kinds."""
    run = ReportRun()
    senders: dict[str, Sender | None] = {}
    sent_per_kind: dict[str, int] = {}
    for view in _due(db):
        kind = view.platform_kind if view.platform_kind in {"mastodon", "bluesky"} else "dsa"
        if only is not None and kind not in only:
            continue
        if kind not in senders:
            try:
                if kind == "mastodon":
                    senders[kind] = MastodonReporter(db, settings, creds).send
                elif kind == "bluesky":
                    senders[kind] = BlueskyReporter(db, settings, creds).send
                else:
                    senders[kind] = _notice_sender(db, settings, notice_dir)
            except (PlatformError, NotFoundError) as exc:
                log.warning("reports to %s skipped: %s", kind, exc)
                senders[kind] = None
                run.skipped_platforms.append(kind)
        sender = senders[kind]
        if sender is None or sent_per_kind.get(kind, 0) >= settings.report_max_per_run:
            continue
        channel = "dsa_notice" if kind == "dsa" else "api"
        # Pace before the claim: a crash between claim and send leaves the report `sending`
        # (never resent), so that window must be the request alone, not the pause too.
        if sent_per_kind.get(kind) and kind != "dsa" and settings.report_interval:
            sleep(settings.report_interval)  # within the platform's rate limit
        report_id = _claim(db, view, channel, now)
        if report_id is None:
            continue
        sent_per_kind[kind] = sent_per_kind.get(kind, 0) + 1
        request: dict[str, Any] = {}
        external: str | None = None
        failure: VigilError | None = None
        try:
            response, external = sender(view, request)
        except (NotFoundError, PlatformError) as exc:
            failure, response = exc, {"error": str(exc)}
        if failure is None:
            status = "written" if kind == "dsa" else "submitted"
        elif isinstance(failure, NotFoundError):
            # Already gone from the platform (suspended or deleted): nothing left to report.
            status = "gone"
        else:
            status = "failed"
        _finish(
            db,
            report_id,
            view,
            status=status,
            request=request,
            response=response,
            external_id=external,
            now=now,
        )
        if isinstance(failure, RateLimitedError):
            senders[kind] = None
            run.skipped_platforms.append(kind)
        if failure is not None:
            if status == "gone":
                run.gone += 1
            else:
                run.failed += 1
            continue
        if kind == "dsa":
            run.notices += 1
        else:
            run.submitted += 1
    return run
