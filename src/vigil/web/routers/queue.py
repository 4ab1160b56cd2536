"""The review queue page as the signed-in reviewer's role sees it: filters (platform, signal,
score band, language), sort, paging; htmx swaps only the rows when a filter changes."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from vigil.model import Platform
from vigil.signals import names as signal_names
from vigil.web.deps import CurrentUser, DbSession, verify_csrf
from vigil.web.queue_view import BANDS, SORTS, QueueFilters, queue_page
from vigil.web.templating import render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])

_Text = Annotated[str | None, Query(max_length=100)]


@router.get("/queue")
def queue(
    request: Request,
    user: CurrentUser,
    session: DbSession,
    platform: _Text = None,
    signal: _Text = None,
    band: _Text = None,
    lang: _Text = None,
    sort: Annotated[str, Query(max_length=20)] = "score",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    filters = QueueFilters(
        platform=platform or None,
        signal=signal or None,
        band=band if band in BANDS else None,
        lang=lang or None,
        sort=sort,
        page=page,
    )
    result = queue_page(session, filters, role=user.role, user_id=user.id)
    context: dict[str, object] = {"page": result, "filters": result.filters}
    if (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-target") == "queue-rows"
    ):
        return render(request, "_queue_rows.html", context)
    context.update(
        platforms=list(session.scalars(sa.select(Platform.name).order_by(Platform.name))),
        # Names from the plugin registry: a DISTINCT over millions of signal rows is slow.
        signals=sorted(signal_names()),
        langs=sorted({r.lang for r in result.rows if r.lang} | ({lang} if lang else set())),
        bands=list(BANDS),
        sorts=SORTS,
    )
    return render(request, "queue.html", context)
