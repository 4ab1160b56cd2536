"""Reports follow retractions: a DSA notice about an account since whitelisted or delisted on
appeal is withdrawn in writing; an API report (no withdrawal call exists) is marked retracted."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from vigil.config import PublishSettings
from vigil.model import ListEntry
from vigil.model.publish import Report
from vigil.publish.dsa import write_withdrawal
from vigil.store import Database, record

__all__ = ["withdraw_reports"]

log = logging.getLogger(__name__)


def _retracted_accounts() -> sa.Select[int]:
    """Accounts whose confirmed listing was retracted and that are not listed again."""
    active = sa.select(ListEntry.account_id).where(
        ListEntry.kind == "black", ListEntry.status == "active"
    )
    return sa.select(ListEntry.account_id).where(
        ListEntry.kind == "black",
        ListEntry.status == "retracted",
        ListEntry.decision_id.is_not(None),
        ListEntry.account_id.not_in(active),
    )


def withdraw_reports(
    db: Database, settings: PublishSettings, now: datetime, *, notice_dir: Path
) -> dict[str, int]:
    counts = {"withdrawn": 0, "retracted": 0}
    with db.transaction() as session:
        rows = session.scalars(
            sa.select(Report).where(
                Report.status.in_(["written", "submitted"]),
                Report.account_id.in_(_retracted_accounts()),
            )
        ).all()
        for row in rows:
            if row.channel == "dsa_notice":
                eml = write_withdrawal(
                    key=f"withdrawal-{row.id}",
                    provider=str(row.request.get("provider") or "the provider"),
                    recipient_email=row.request.get("to"),
                    urls=[str(u) for u in row.request.get("urls") or []],
                    original=row.submitted_at or row.created_at,
                    now=now,
                    settings=settings,
                    folder=notice_dir / "withdrawals",
                )
                row.status = "withdrawn"
                row.response = {**row.response, "withdrawal": eml.name}
            else:
                row.status = "retracted"
            counts[row.status] += 1
            record(
                session,
                actor="publish",
                action=f"report.{row.status}",
                subject=f"account:{row.account_id}",
                payload={"report": row.id, "channel": row.channel},
                ts=now,
            )
    if rows:
        log.info("reports after retractions: %s", counts)
    return counts
