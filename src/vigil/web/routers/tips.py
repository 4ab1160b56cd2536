"""The public tip form: an account and a reason put it in the queue (source `tip`), never
on a list; rate-limited per address and guarded by a proof of work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from vigil.review.tips import submit_tip
from vigil.web.deps import Db, DbSession, Settings, verify_csrf
from vigil.web.public import (
    AccountField,
    PlatformField,
    PowChallengeField,
    PowNonceField,
    public_form,
    submit_public_form,
)

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])


@router.get("/tip")
def tip_form(request: Request, session: DbSession, settings: Settings) -> Response:
    return public_form(request, session, settings, "tip_form.html")


@router.post("/tip")
def tip_submit(
    request: Request,
    db: Db,
    session: DbSession,
    settings: Settings,
    platform: PlatformField,
    account: AccountField,
    reason: Annotated[str, Form(max_length=5000)],
    pow_challenge: PowChallengeField = "",
    pow_nonce: PowNonceField = "",
) -> Response:
    return submit_public_form(
        request,
        session,
        settings,
        kind="tip",
        template="tip_form.html",
        values={"platform": platform, "account": account, "reason": reason},
        token=pow_challenge,
        nonce=pow_nonce,
        submit=lambda: submit_tip(db, platform=platform, account=account, reason=reason),
    )
