"""Appeals: the public form and status lookup (no login), and the leads' inbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from vigil.errors import NotFoundError, VigilError
from vigil.review.appeals import appeal_status, decide_appeal, file_appeal, list_appeals
from vigil.web.deps import Db, DbSession, Lead, Settings, verify_csrf
from vigil.web.public import (
    AccountField,
    PlatformField,
    PowChallengeField,
    PowNonceField,
    public_form,
    submit_public_form,
)
from vigil.web.templating import render

__all__ = ["account_ref", "router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])

Reference = Annotated[str, Path(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]


def account_ref(platform: str, account: str) -> str:
    """`@handle` or a platform id, as the review library resolves it."""
    value = account.strip()
    return f"{platform}:@{value[1:]}" if value.startswith("@") else f"{platform}:{value}"


@router.get("/appeal")
def appeal_form(request: Request, session: DbSession, settings: Settings) -> Response:
    return public_form(request, session, settings, "appeal_form.html")


@router.post("/appeal")
def appeal_submit(
    request: Request,
    db: Db,
    session: DbSession,
    settings: Settings,
    platform: PlatformField,
    account: AccountField,
    text: Annotated[str, Form(max_length=5000)],
    contact: Annotated[str, Form(max_length=300)] = "",
    pow_challenge: PowChallengeField = "",
    pow_nonce: PowNonceField = "",
) -> Response:
    return submit_public_form(
        request,
        session,
        settings,
        kind="appeal",
        template="appeal_form.html",
        values={"platform": platform, "account": account, "text": text, "contact": contact},
        token=pow_challenge,
        nonce=pow_nonce,
        submit=lambda: file_appeal(db, account_ref(platform, account), text=text, contact=contact),
    )


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
