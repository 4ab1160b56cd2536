"""`vigil publish`: due installments and retractions, then every channel in turn (webhooks,
Mastodon and Bluesky threads, platform reports); a channel without credentials is skipped."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from vigil.config import Settings
from vigil.errors import PlatformError
from vigil.publish.clients import Credentials
from vigil.publish.installments import create_installments
from vigil.publish.reports import report_accounts
from vigil.publish.social import post_installments, poster_for
from vigil.publish.webhooks import deliver_due, enqueue
from vigil.publish.withdrawals import withdraw_reports
from vigil.store import Database

__all__ = ["CHANNELS", "notice_dir", "run_publish"]

log = logging.getLogger(__name__)

CHANNELS = ("feed", "webhook", "mastodon", "bluesky", "reports")


def notice_dir(settings: Settings) -> Path:
    return settings.home / "notices"


def _configured(channel: str, settings: Settings, creds: Credentials) -> bool:
    if channel == "mastodon":
        return bool(settings.publish.mastodon_url and creds.mastodon_token)
    if channel == "bluesky":
        return bool(creds.bluesky_handle and creds.bluesky_password)
    return True


def run_publish(
    db: Database,
    settings: Settings,
    creds: Credentials,
    now: datetime,
    *,
    channels: set[str] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Run everything that is due; returns what each channel did."""
    wanted = channels if channels else set(CHANNELS)
    out: dict[str, Any] = {}
    with db.transaction() as session:
        made = create_installments(session, settings.publish, now)
        out["installments"] = [
            {"number": i.number, "kind": i.kind, "entries": len(i.items)} for i in made
        ]
    if "webhook" in wanted:
        with db.transaction() as session:
            queued = enqueue(session, now)
        run = deliver_due(db, settings.publish, now)
        out["webhook"] = {
            "queued": queued,
            "delivered": run.delivered,
            "retrying": run.retrying,
            "dead": run.dead,
        }
    for channel in ("mastodon", "bluesky"):
        if channel not in wanted:
            continue
        if not _configured(channel, settings, creds):
            out[channel] = {"skipped": "no credentials"}
            continue
        try:
            posts = post_installments(
                db, channel, settings.publish, poster_for(channel, settings.publish, creds), now
            )
            out[channel] = {"posts": posts}
        except PlatformError as exc:
            log.warning("posting to %s stopped: %s", channel, exc)
            out[channel] = {"error": str(exc)}
    if "reports" in wanted:
        kinds = {k for k in ("mastodon", "bluesky") if _configured(k, settings, creds)} | {"dsa"}
        extra = {"sleep": sleep} if sleep is not None else {}
        result = report_accounts(
            db, settings.publish, creds, now, notice_dir=notice_dir(settings), only=kinds, **extra
        )
        out["reports"] = result.to_dict()
        out["reports"].update(
            withdraw_reports(db, settings.publish, now, notice_dir=notice_dir(settings))
        )
    return out
