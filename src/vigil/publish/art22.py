"""The trusted-flagger annual report of DSA Article 22(3): notices sent in a year, by hosting
provider, by type of content and by the action taken since; counts only, no personal data."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import Platform, StatusObservation
from vigil.model.publish import ConfirmedUrl, Report

__all__ = ["art22_report"]

_REMOVED = {"suspended", "not_found", "deactivated", "deleted", "taken_down"}
_PROVIDERS = {"x": "X", "bluesky": "Bluesky"}


def _provider(platform: Platform) -> str:
    if platform.kind == "mastodon":
        return f"Mastodon ({platform.name.partition(':')[2] or platform.name})"
    return _PROVIDERS.get(platform.kind, platform.name)


def _account_action(session: Session, account_id: int, since: datetime) -> str:
    status = session.scalar(
        sa.select(StatusObservation.status)
        .where(StatusObservation.account_id == account_id, StatusObservation.observed_at >= since)
        .order_by(StatusObservation.observed_at.desc())
        .limit(1)
    )
    if status is None:
        return "not yet observed"
    if status in _REMOVED:
        return "account removed or suspended"
    if status == "withheld":
        return "access restricted"
    return "no action observed"


def art22_report(session: Session, year: int) -> dict[str, Any]:
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    by_provider: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    by_action: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    reports = session.execute(
        sa.select(Report, Platform)
        .join(Platform, Platform.id == Report.platform_id)
        .where(
            Report.submitted_at >= start,
            Report.submitted_at < end,
            Report.status.in_(["submitted", "written"]),
        )
    ).all()
    for report, platform in reports:
        by_provider[_provider(platform)] += 1
        by_type["account (terrorist content)"] += 1
        by_channel["platform reporting API" if report.channel == "api" else "Art. 16 notice"] += 1
        assert report.submitted_at is not None
        by_action[_account_action(session, report.account_id, report.submitted_at)] += 1
    urls = session.scalars(
        sa.select(ConfirmedUrl).where(ConfirmedUrl.notice_at >= start, ConfirmedUrl.notice_at < end)
    ).all()
    for url in urls:
        by_provider[url.provider or f"unlisted host ({url.domain})"] += 1
        by_type["file or web page (terrorist content)"] += 1
        by_channel["Art. 16 notice"] += 1
        by_action[
            "content no longer reachable"
            if url.reachable is False
            else "content still reachable"
            if url.reachable
            else "not yet checked"
        ] += 1
    return {
        "year": year,
        "notices": len(reports) + len(urls),
        "by_hosting_provider": dict(by_provider.most_common()),
        "by_type_of_content": dict(by_type.most_common()),
        "by_action_taken": dict(by_action.most_common()),
        "by_channel": dict(by_channel.most_common()),
        "personal_data": "none: counts only",
    }
