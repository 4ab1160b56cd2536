"""Appeals: the public form and status lookup (no login), and the leads' inbox."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from vigil.errors import NotFoundError, VigilError
from vigil.model import Platform
from vigil.review.appeals import appeal_status, decide_appeal, file_appeal, list_appeals
from vigil.web.deps import Db, DbSession, Lead, Settings, client_address, verify_csrf
from vigil.web.public import admit, challenge
from vigil.web.templating import render

__all__ = ["account_ref", "router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])

Reference = Annotated[str, Path(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]


def account_ref(platform: str, account: str) -> str:
    """`@handle` or a platform id, as the review library resolves it."""
    value = account.strip()
    return f"{platform}:@{value[1:]}" if value.startswith("@") else f"{platform}:{value}"


def _platforms(session: DbSession) -> list[str]:
    return list(session.scalars(sa.select(Platform.name).order_by(Platform.name)))


def _form(
    request: Request, session: DbSession, settings: Settings, *, status: int = 200, **extra: object
) -> Response:
    context = {"platforms": _platforms(session), "challenge": challenge(settings), **extra}
    return render(request, "appeal_form.html", context, status=status)


@router.get("/appeal")
def appeal_form(request: Request, session: DbSession, settings: Settings) -> Response:
    return _form(request, session, settings)


@router.post("/appeal")
def appeal_submit(
    request: Request,
    db: Db,
    session: DbSession,
    settings: Settings,
    platform: Annotated[str, Form(max_length=100)],
    account: Annotated[str, Form(max_length=300)],
    text: Annotated[str, Form(max_length=5000)],
    contact: Annotated[str, Form(max_length=300)] = "",
    pow_challenge: Annotated[str, Form(max_length=200)] = "",
    pow_nonce: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    spent = request.app.state.spent_challenges
    values = {"platform": platform, "account": account, "text": text, "contact": contact}
    try:
        admit(
            settings,
            session,
            spent,
            kind="appeal",
            address=client_address(request),
            token=pow_challenge,
            nonce=pow_nonce,
        )
        reference = file_appeal(db, account_ref(platform, account), text=text, contact=contact)
    except VigilError as exc:
        return _form(
            request, session, settings, error=str(exc), values=values, status=exc.http_status
        )
    return render(request, "public_done.html", {"kind": "appeal", "reference": reference})


@router.get("/appeal/status")
def appeal_lookup(
    request: Request, reference: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    found = None
    error = None
    if reference:
        try:
            found = appeal_status(request.app.state.db, reference).public_dict()
        except (NotFoundError, VigilError):
            error = "No appeal with that reference."
    return render(
        request,
        "appeal_status.html",
        {"found": found, "error": error, "reference": reference},
        status=404 if error else 200,
    )


@router.get("/appeals")
def inbox(
    request: Request, user: Lead, db: Db, status: Annotated[str, Query(max_length=20)] = "open"
) -> Response:
    chosen = status if status in {"open", "upheld", "rejected", "all"} else "open"
    appeals = list_appeals(db, None if chosen == "all" else chosen)
    return render(request, "appeals.html", {"appeals": appeals, "status": chosen})


@router.post("/appeals/{reference}/decide")
def decide(
    request: Request,
    reference: Reference,
    user: Lead,
    db: Db,
    decision: Annotated[str, Form(pattern="^(uphold|reject)$")],
    note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    try:
        decide_appeal(db, reference, uphold=decision == "uphold", user=user.username, note=note)
    except VigilError as exc:
        appeals = list_appeals(db, "open")
        context = {"appeals": appeals, "status": "open", "error": str(exc)}
        return render(request, "appeals.html", context, status=exc.http_status)
    return RedirectResponse("/appeals?status=all", status_code=303)
