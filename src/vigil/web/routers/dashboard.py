"""The dashboard: counts of what the store holds and a chart of decisions over time."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from vigil.web.dashboard_view import counts, decisions_chart, decisions_per_day
from vigil.web.deps import CurrentUser, DbSession, verify_csrf
from vigil.web.templating import render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])


@router.get("/dashboard")
def dashboard(request: Request, user: CurrentUser, session: DbSession) -> Response:
    series = decisions_per_day(session)
    context = {
        "counts": counts(session),
        "chart": decisions_chart(series),
        "total": sum(d.total for d in series),
    }
    return render(request, "dashboard.html", context)
