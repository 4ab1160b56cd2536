"""Numbered installments: newly confirmed entries gathered on the schedule, and retractions
of entries that went out and were since whitelisted or delisted on appeal."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import PublishSettings
from vigil.model import ListEntry
from vigil.model.publish import Installment, InstallmentEntry, Publication
from vigil.publish.entries import confirmed_entries, entry_views, whitelisted_accounts
from vigil.publish.schedule import next_installment_at
from vigil.store import record

__all__ = [
    "KIND_INSTALLMENT",
    "KIND_RETRACTION",
    "InstallmentPlan",
    "create_installments",
    "plan",
    "published_listing_numbers",
]

log = logging.getLogger(__name__)

KIND_INSTALLMENT = "installment"
KIND_RETRACTION = "retraction"
_RETRACTION_NOTE = "removed from the list after review (whitelisted or appeal upheld)"


@dataclass(frozen=True, slots=True)
class InstallmentPlan:
    pending_listings: int
    pending_retractions: int
    next_at: datetime  # when the next listing installment may go out

    def to_dict(self) -> dict[str, Any]:
        return {
            "pending_listings": self.pending_listings,
            "pending_retractions": self.pending_retractions,
            "next_installment_at": self.next_at.isoformat(),
        }


def _listed_ids() -> sa.Select[int]:
    return sa.select(InstallmentEntry.list_entry_id).where(
        InstallmentEntry.kind == KIND_INSTALLMENT
    )


def _pending_listings(session: Session) -> sa.Select[ListEntry]:
    return (
        confirmed_entries(session)
        .where(
            ListEntry.status == "active",
            ListEntry.id.not_in(_listed_ids()),
            ListEntry.account_id.not_in(whitelisted_accounts()),
        )
        .order_by(ListEntry.added_at, ListEntry.id)
    )


def _pending_retractions(session: Session) -> sa.Select[ListEntry]:
    retracted = sa.select(InstallmentEntry.list_entry_id).where(
        InstallmentEntry.kind == KIND_RETRACTION
    )
    return (
        confirmed_entries(session)
        .where(
            ListEntry.status == "retracted",
            ListEntry.id.in_(_listed_ids()),
            ListEntry.id.not_in(retracted),
        )
        .order_by(ListEntry.retracted_at, ListEntry.id)
    )


def _last_listing_at(session: Session) -> datetime | None:
    return session.scalar(
        sa.select(sa.func.max(Installment.created_at)).where(Installment.kind == KIND_INSTALLMENT)
    )


def published_listing_numbers(session: Session, entry_ids: list[int]) -> dict[int, int]:
    """entry id -> number of the installment that listed it."""
    if not entry_ids:
        return {}
    rows = session.execute(
        sa.select(InstallmentEntry.list_entry_id, Installment.number)
        .join(Installment, Installment.id == InstallmentEntry.installment_id)
        .where(
            InstallmentEntry.kind == KIND_INSTALLMENT,
            InstallmentEntry.list_entry_id.in_(entry_ids),
        )
    ).all()
    return {r[0]: r[1] for r in rows}


def plan(session: Session, settings: PublishSettings, now: datetime) -> InstallmentPlan:
    count = sa.select(sa.func.count()).select_from
    return InstallmentPlan(
        pending_listings=session.scalar(count(_pending_listings(session).subquery())) or 0,
        pending_retractions=session.scalar(count(_pending_retractions(session).subquery())) or 0,
        next_at=next_installment_at(now, _last_listing_at(session), settings),
    )


def _store(
    session: Session, kind: str, items: list[dict[str, Any]], entry_ids: list[int], now: datetime
) -> Installment:
    number = (session.scalar(sa.select(sa.func.max(Installment.number))) or 0) + 1
    inst = Installment(number=number, kind=kind, items=items, created_at=now)
    session.add(inst)
    session.flush()
    session.add_all(
        InstallmentEntry(installment_id=inst.id, list_entry_id=e, kind=kind) for e in entry_ids
    )
    # The feed carries every installment the moment it exists.
    session.add(
        Publication(
            channel="feed",
            kind=kind,
            number=number,
            entry_ids=entry_ids,
            payload={"items": len(items)},
            status="sent",
            created_at=now,
            sent_at=now,
        )
    )
    record(
        session,
        actor="publish",
        action=f"publish.{kind}",
        subject=f"installment:{number}",
        payload={"entries": entry_ids, "channel": "feed"},
        ts=now,
    )
    log.info("%s %s created with %s entries", kind, number, len(entry_ids))
    return inst


def create_installments(
    session: Session, settings: PublishSettings, now: datetime
) -> list[Installment]:
    """Store the due installments: any retractions at once, then listings when scheduled."""
    created: list[Installment] = []
    retract = list(session.scalars(_pending_retractions(session)))
    if retract:
        numbers = published_listing_numbers(session, [e.id for e in retract])
        items = []
        for view in entry_views(session, retract):
            item = view.to_public()
            item["retracts_installment"] = numbers.get(view.entry_id)
            item["note"] = _RETRACTION_NOTE
            items.append(item)
        created.append(_store(session, KIND_RETRACTION, items, [e.id for e in retract], now))
    if next_installment_at(now, _last_listing_at(session), settings) <= now:
        listing = list(session.scalars(_pending_listings(session).limit(settings.max_entries)))
        if listing:
            items = [v.to_public() for v in entry_views(session, listing)]
            created.append(_store(session, KIND_INSTALLMENT, items, [e.id for e in listing], now))
    return created
