"""The account page (evidence, history, decision form) and the decision it posts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from vigil.errors import VigilError
from vigil.model import UserRole
from vigil.review.decisions import decide
from vigil.review.threats import mark_threat
from vigil.web.account_view import account_page
from vigil.web.deps import Analyst, CurrentUser, Db, DbSession, RoleRequired, Settings, verify_csrf
from vigil.web.queue_view import queue_neighbours
from vigil.web.sessions import WebUser
from vigil.web.templating import render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])

AccountId = Annotated[int, Path(ge=1, le=2**62)]
OUTCOMES = {
    "listed": "Confirmed: the account is on the blacklist.",
    "pending": "Confirmation recorded: a second reviewer must confirm before it is listed.",
    "recorded": "Decision recorded.",
    "threat": "Marked as a threat to life: leads have been alerted.",
}


def _page(
    request: Request,
    db: Db,
    session: DbSession,
    account_id: int,
    user: WebUser,
    *,
    status: int = 200,
    **extra: object,
) -> Response:
    page = account_page(db, account_id)
    # Previous/next follow this reviewer's own queue (their role, their pending cases).
    prev_id, next_id = queue_neighbours(session, account_id, role=user.role, user_id=user.id)
    context = {"page": page, "prev_id": prev_id, "next_id": next_id, **extra}
    return render(request, "account.html", context, status=status)


@router.get("/accounts/{account_id}")
def account(
    request: Request,
    account_id: AccountId,
    user: CurrentUser,
    db: Db,
    session: DbSession,
    outcome: str | None = None,
) -> Response:
    return _page(request, db, session, account_id, user, notice=OUTCOMES.get(outcome or ""))


@router.post("/accounts/{account_id}/decide")
def decide_account(
    request: Request,
    account_id: AccountId,
    user: Analyst,
    db: Db,
    session: DbSession,
    settings: Settings,
    action: Annotated[str, Form(max_length=20)],
    criterion: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=10_000)] = "",
    whitelist_type: Annotated[str, Form(max_length=32)] = "",
    override: Annotated[str, Form(max_length=5)] = "",
    evidence: Annotated[list[str] | None, Form(max_length=500)] = None,
) -> Response:
    """Record the reviewer's decision; a viewer cannot reach this and only leads override."""
    wants_override = override == "on"
    if wants_override and not user.at_least(UserRole.LEAD):
        raise RoleRequired(UserRole.LEAD)
    try:
        outcome = decide(
            db,
            account_id,
            action=action,
            user=user.username,
            criterion=criterion or None,
            note=note or None,
            evidence=evidence or None,
            whitelist_type=whitelist_type or None,
            override=wants_override,
            settings=settings.core,
        )
    except VigilError as exc:
        return _page(request, db, session, account_id, user, error=str(exc), status=exc.http_status)
    code = "listed" if outcome.listed else "pending" if outcome.needs_second else "recorded"
    return RedirectResponse(f"/accounts/{account_id}?outcome={code}", status_code=303)


@router.post("/accounts/{account_id}/threat")
def threat(
    request: Request,
    account_id: AccountId,
    user: Analyst,
    db: Db,
    session: DbSession,
    settings: Settings,
    note: Annotated[str, Form(min_length=1, max_length=10_000)],
) -> Response:
    """Mark an imminent threat to life: leads are alerted at once (VIGIL_ALERT_WEBHOOK)."""
    try:
        mark_threat(db, account_id, user=user.username, note=note, settings=settings.core)
    except VigilError as exc:
        return _page(request, db, session, account_id, user, error=str(exc), status=exc.http_status)
    return RedirectResponse(f"/accounts/{account_id}?outcome=threat", status_code=303)
