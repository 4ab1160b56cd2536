"""The lists: blacklist, whitelist and retracted entries (retraction is a status, kept)."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from vigil.model import Account, ListEntry, ListKind, ListStatus, Platform
from vigil.web.deps import CurrentUser, DbSession, verify_csrf
from vigil.web.templating import render

__all__ = ["LIST_VIEWS", "list_rows", "router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])

PAGE = 100
LIST_VIEWS = ("blacklist", "whitelist", "retracted")


def list_rows(session: DbSession, view: str, page: int = 1) -> list[tuple[ListEntry, Account, str]]:
    stmt = (
        sa.select(ListEntry, Account, Platform.name)
        .join(Account, Account.id == ListEntry.account_id)
        .join(Platform, Platform.id == Account.platform_id)
    )
    if view == "retracted":
        stmt = stmt.where(ListEntry.status == ListStatus.RETRACTED)
        stmt = stmt.order_by(ListEntry.retracted_at.desc(), ListEntry.id.desc())
    else:
        kind = ListKind.BLACK if view == "blacklist" else ListKind.WHITE
        stmt = stmt.where(ListEntry.kind == kind, ListEntry.status == ListStatus.ACTIVE)
        stmt = stmt.order_by(ListEntry.added_at.desc(), ListEntry.id.desc())
    stmt = stmt.limit(PAGE + 1).offset((page - 1) * PAGE)
    return [(e, a, str(p)) for e, a, p in session.execute(stmt)]


@router.get("/lists")
def lists(
    request: Request,
    user: CurrentUser,
    session: DbSession,
    view: Annotated[str, Query(max_length=20)] = "blacklist",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    chosen = view if view in LIST_VIEWS else "blacklist"
    rows = list_rows(session, chosen, page)
    context = {
        "rows": rows[:PAGE],
        "view": chosen,
        "views": LIST_VIEWS,
        "page": page,
        "has_more": len(rows) > PAGE,
    }
    return render(request, "lists.html", context)
