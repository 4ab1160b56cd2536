"""The public tip form: an account and a reason put it in the queue (source `tip`), never
on a list; rate-limited per address and guarded by a proof of work."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from vigil.errors import VigilError
from vigil.model import Platform
from vigil.review.tips import submit_tip
from vigil.web.deps import Db, DbSession, Settings, client_address, verify_csrf
from vigil.web.public import admit, challenge
from vigil.web.templating import render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])


def _form(
    request: Request, session: DbSession, settings: Settings, *, status: int = 200, **extra: object
) -> Response:
    platforms = list(session.scalars(sa.select(Platform.name).order_by(Platform.name)))
    context = {"platforms": platforms, "challenge": challenge(settings), **extra}
    return render(request, "tip_form.html", context, status=status)


@router.get("/tip")
def tip_form(request: Request, session: DbSession, settings: Settings) -> Response:
    return _form(request, session, settings)


@router.post("/tip")
def tip_submit(
    request: Request,
    db: Db,
    session: DbSession,
    settings: Settings,
    platform: Annotated[str, Form(max_length=100)],
    account: Annotated[str, Form(max_length=300)],
    reason: Annotated[str, Form(max_length=5000)],
    pow_challenge: Annotated[str, Form(max_length=200)] = "",
    pow_nonce: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    spent = request.app.state.spent_challenges
    values = {"platform": platform, "account": account, "reason": reason}
    try:
        admit(
            settings,
            session,
            spent,
            kind="tip",
            address=client_address(request),
            token=pow_challenge,
            nonce=pow_nonce,
        )
        reference = submit_tip(db, platform=platform, account=account, reason=reason)
    except VigilError as exc:
        return _form(
            request, session, settings, status=exc.http_status, error=str(exc), values=values
        )
    return render(request, "public_done.html", {"kind": "tip", "reference": reference})
