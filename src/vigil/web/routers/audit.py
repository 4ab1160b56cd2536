"""The audit log viewer: newest events first, filtered by action, actor or subject."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from vigil.model import AuditEvent, UserRole
from vigil.web.deps import DbSession, verify_csrf
from vigil.web.deps import require as require_role
from vigil.web.sessions import WebUser
from vigil.web.templating import render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])

PAGE = 100
_Filter = Annotated[str, Query(max_length=200)]


@router.get("/audit")
def audit(
    request: Request,
    user: Annotated[WebUser, Depends(require_role(UserRole.ANALYST))],
    session: DbSession,
    action: _Filter = "",
    actor: _Filter = "",
    subject: _Filter = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    stmt = sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(PAGE + 1)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor:
        stmt = stmt.where(AuditEvent.actor == actor)
    if subject:
        stmt = stmt.where(AuditEvent.subject == subject)
    if before:
        stmt = stmt.where(AuditEvent.seq < before)
    events = list(session.scalars(stmt))
    more = events[PAGE - 1].seq if len(events) > PAGE else None
    context = {
        "events": events[:PAGE],
        "more": more,
        "filters": {"action": action, "actor": actor, "subject": subject},
    }
    return render(request, "audit.html", context)
