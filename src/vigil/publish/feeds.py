"""The public feeds of the blacklist: Atom (RFC 4287) and JSON Feed 1.1, built from stored
installments, with a strong ETag so readers can revalidate cheaply."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import PublishSettings
from vigil.model.publish import Installment
from vigil.publish.installments import KIND_RETRACTION

__all__ = ["FEED_LIMIT", "FeedDocument", "atom_feed", "feed_items", "json_feed"]

FEED_LIMIT = 50  # installments shown; older ones stay in the exports
_ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True, slots=True)
class FeedDocument:
    body: bytes
    media_type: str

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


@dataclass(frozen=True, slots=True)
class FeedItem:
    id: str
    title: str
    text: str
    url: str
    updated: datetime
    kind: str  # listing | retraction
    number: int
    data: dict[str, Any]


def _tag(settings: PublishSettings, *parts: object) -> str:
    host = urlsplit(settings.public_url).hostname or "vigil.invalid"
    return f"tag:{host},2026:vigil/" + "/".join(str(p) for p in parts)


def feed_items(
    session: Session, settings: PublishSettings, limit: int = FEED_LIMIT
) -> list[FeedItem]:
    """Newest first: one item per listed entry and per retraction in the last installments."""
    installments = list(
        session.scalars(sa.select(Installment).order_by(Installment.number.desc()).limit(limit))
    )
    # A listing shown next to its later retraction is marked, so a reader of old items sees it.
    retracted: dict[int, datetime] = {
        int(item["entry_id"]): inst.created_at
        for inst in session.scalars(
            sa.select(Installment).where(Installment.kind == KIND_RETRACTION)
        )
        for item in inst.items
    }
    out: list[FeedItem] = []
    for inst in installments:
        for item in inst.items:
            entry_id = int(item["entry_id"])
            head = f"{item['handle']} on {item['platform']}"
            if inst.kind == KIND_RETRACTION:
                tag, kind, updated, data = "retraction", "retraction", inst.created_at, item
                title = f"Retraction: {head}"
                text = (
                    f"RETRACTED: {head} ({item['profile_url']}), listed in installment "
                    f"{item.get('retracts_installment')}, was {item.get('note')}."
                )
            else:
                when = retracted.get(entry_id)
                prefix = "[retracted] " if when is not None else ""
                tag, kind, updated = "entry", "listing", when or inst.created_at
                data = {**item, "retracted": when is not None}
                title = f"{prefix}{head}: criterion {item['criterion']}"
                text = (
                    f"{prefix}{head} ({item['profile_url']}) listed under criterion "
                    f"{item['criterion']}. Evidence: {item['summary']}."
                )
            out.append(
                FeedItem(
                    id=_tag(settings, tag, entry_id),
                    title=title,
                    text=text,
                    url=str(item["profile_url"]),
                    updated=updated,
                    kind=kind,
                    number=inst.number,
                    data=data,
                )
            )
    return out


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _feed_updated(items: list[FeedItem]) -> datetime:
    return max((i.updated for i in items), default=datetime(2026, 1, 1, tzinfo=UTC))


def atom_feed(session: Session, settings: PublishSettings) -> FeedDocument:
    items = feed_items(session, settings)
    ET.register_namespace("", _ATOM)
    feed = ET.Element(f"{{{_ATOM}}}feed")

    def sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{_ATOM}}}{name}", attrs)
        if text is not None:
            el.text = text
        return el

    sub(feed, "id", _tag(settings, "blacklist"))
    sub(feed, "title", f"{settings.org_name} blacklist")
    sub(feed, "subtitle", "Confirmed accounts, in installments, with retractions.")
    sub(feed, "updated", _iso(_feed_updated(items)))
    sub(sub(feed, "author"), "name", settings.org_name)
    sub(feed, "link", rel="self", href=f"{settings.public_url}/feeds/blacklist.atom")
    for item in items:
        entry = sub(feed, "entry")
        sub(entry, "id", item.id)
        sub(entry, "title", item.title)
        sub(entry, "updated", _iso(item.updated))
        sub(entry, "link", rel="alternate", href=item.url)
        sub(entry, "category", term=item.kind, label=f"installment {item.number}")
        if item.kind == "listing":
            sub(entry, "category", term=f"criterion:{item.data['criterion']}")
        sub(entry, "content", item.text, type="text")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return FeedDocument(body, "application/atom+xml; charset=utf-8")


def json_feed(session: Session, settings: PublishSettings) -> FeedDocument:
    items = feed_items(session, settings)
    doc: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{settings.org_name} blacklist",
        "home_page_url": settings.public_url,
        "feed_url": f"{settings.public_url}/feeds/blacklist.json",
        "authors": [{"name": settings.org_name}],
        "items": [
            {
                "id": i.id,
                "title": i.title,
                "content_text": i.text,
                "external_url": i.url,
                "date_modified": _iso(i.updated),
                "tags": [i.kind, f"installment:{i.number}"],
                "_vigil": {
                    "type": i.kind,
                    "installment": i.number,
                    "entry_id": i.data["entry_id"],
                    "platform": i.data["platform"],
                    "platform_account_id": i.data["platform_account_id"],
                    "criterion": i.data["criterion"],
                    "summary": i.data["summary"],
                    "retracted": i.kind == "retraction" or bool(i.data.get("retracted")),
                },
            }
            for i in items
        ],
    }
    body = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    return FeedDocument(body, "application/feed+json; charset=utf-8")
