"""Exports of the lists: CSV and JSON rows of blacklist (and optionally whitelist) entries,
and the PDQ hashes of confirmed accounts' media in the forms `vigil bank import` reads."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import Account, ListEntry, Media, Platform, Post, PostMedia
from vigil.publish.entries import entry_views, safe_text

__all__ = ["LIST_COLUMNS", "hash_rows", "hashes_csv", "list_rows", "rows_csv", "rows_json"]

LIST_COLUMNS = [
    "entry_id",
    "kind",
    "status",
    "platform",
    "platform_account_id",
    "handle",
    "profile_url",
    "criterion",
    "summary",
    "source",
    "whitelist_type",
    "listed_at",
    "retracted_at",
]


def list_rows(
    session: Session, *, kind: str = "black", status: str | None = None
) -> list[dict[str, Any]]:
    """Entries of the list(s) in id order; `kind` is black, white or all."""
    stmt = sa.select(ListEntry).order_by(ListEntry.id)
    if kind != "all":
        stmt = stmt.where(ListEntry.kind == kind)
    if status is not None:
        stmt = stmt.where(ListEntry.status == status)
    entries = list(session.scalars(stmt))
    black = {v.entry_id: v for v in entry_views(session, [e for e in entries if e.kind == "black"])}
    accounts = {
        a.id: (a, p)
        for a, p in session.execute(
            sa.select(Account, Platform)
            .join(Platform, Platform.id == Account.platform_id)
            .where(Account.id.in_({e.account_id for e in entries if e.kind != "black"}))
        )
    }
    rows = []
    for e in entries:
        view = black.get(e.id)
        if view is not None:
            row = {k: v for k, v in view.to_public().items() if k in LIST_COLUMNS}
        else:
            acc, plat = accounts[e.account_id]
            row = {
                "entry_id": e.id,
                "platform": plat.name,
                "platform_account_id": acc.platform_account_id,
                "handle": safe_text(acc.handle, 120),
                "profile_url": "",
                "criterion": e.criterion or "",
                "summary": "",
                "listed_at": e.added_at.isoformat(),
                "retracted_at": e.retracted_at.isoformat() if e.retracted_at else None,
            }
        row.update(kind=e.kind, status=e.status, source=e.source, whitelist_type=e.whitelist_type)
        rows.append({c: row.get(c) for c in LIST_COLUMNS})
    return rows


def rows_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        # A cell starting with = + - @ is a formula to a spreadsheet: attacker text is quoted.
        writer.writerow(
            {k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()}
        )
    return out.getvalue()


def rows_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def hash_rows(session: Session) -> list[dict[str, Any]]:
    """PDQ hashes of media posted by actively listed, confirmed accounts (one per hash)."""
    stmt = (
        sa.select(Media.pdq, Media.pdq_quality, Media.sha256, Media.id, ListEntry.criterion)
        .join(PostMedia, PostMedia.media_id == Media.id)
        .join(Post, Post.id == PostMedia.post_id)
        .join(ListEntry, ListEntry.account_id == Post.account_id)
        .where(
            ListEntry.kind == "black",
            ListEntry.status == "active",
            ListEntry.decision_id.is_not(None),
            Media.pdq.is_not(None),
        )
        .order_by(Media.id)
    )
    seen: set[str] = set()
    rows = []
    for pdq, quality, sha, media_id, criterion in session.execute(stmt):
        if pdq is None or pdq in seen:
            continue
        seen.add(pdq)
        rows.append(
            {
                "pdq": pdq,
                "label": f"vigil:{criterion or 'listed'}",
                "item": sha or f"media-{media_id}",
                "quality": quality,
            }
        )
    return rows


def hashes_csv(rows: list[dict[str, Any]]) -> str:
    return rows_csv(rows, ["pdq", "label", "item", "quality"])
