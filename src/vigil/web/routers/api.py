"""The JSON API under /api/ (OpenAPI at /api/openapi.json): Bearer API tokens for reviewers,
no login for the public appeal and tip endpoints (rate-limited, proof of work)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel

from vigil.model import UserRole
from vigil.review.appeals import appeal_status, decide_appeal, file_appeal, list_appeals
from vigil.review.decisions import DecisionView, decide
from vigil.review.policy import load_policy
from vigil.review.tips import submit_tip
from vigil.web.account_view import account_page
from vigil.web.deps import ApiUser, Db, DbSession, RoleRequired, Settings
from vigil.web.public import admit_request, challenge
from vigil.web.queue_view import BANDS, QueueFilters, queue_page
from vigil.web.routers.appeals import account_ref
from vigil.web.routers.lists import LIST_VIEWS, list_rows
from vigil.web.schemas import (
    AccountOut,
    AppealDecisionIn,
    AppealIn,
    AppealOut,
    AppealStatusOut,
    ChallengeOut,
    ContributionOut,
    DecisionIn,
    DecisionOut,
    ListEntryOut,
    OutcomeOut,
    QueueItemOut,
    QueueLinkOut,
    ReferenceOut,
    SignalOut,
    TipIn,
    UserOut,
)
from vigil.web.sessions import WebUser

__all__ = ["router"]


class ErrorOut(BaseModel):
    detail: Any


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 403, 404, 409, 422, 429)
}
router = APIRouter(prefix="/api", tags=["api"], responses=_ERRORS)

AccountId = Annotated[int, Path(ge=1, le=2**62)]
Reference = Annotated[str, Path(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
_Text = Annotated[str | None, Query(max_length=100)]


def _at_least(user: WebUser, role: UserRole) -> WebUser:
    if not user.at_least(role):
        raise RoleRequired(role)
    return user


def _decision(d: DecisionView) -> DecisionOut:
    return DecisionOut.model_validate(d, from_attributes=True)


@router.get("/me")
def me(user: ApiUser) -> UserOut:
    return UserOut(username=user.username, display_name=user.display_name, role=user.role.value)


@router.get("/queue")
def queue(
    user: ApiUser,
    session: DbSession,
    platform: _Text = None,
    signal: _Text = None,
    band: Annotated[str | None, Query(pattern="^(high|medium|low)$")] = None,
    lang: _Text = None,
    sort: Annotated[str, Query(pattern="^(score|score_asc|handle|platform)$")] = "score",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> list[QueueItemOut]:
    """The review queue, 50 per page, with the filters of the queue page."""
    filters = QueueFilters(platform, signal, band if band in BANDS else None, lang, sort, page)
    result = queue_page(session, filters, role=user.role, user_id=user.id)
    return [
        QueueItemOut(
            id=r.item.id,
            platform=r.item.platform,
            account_id=r.item.account_id,
            username=r.item.username,
            display_name=r.item.display_name,
            lang=r.lang,
            score=r.item.score if r.item.scored else None,
            signals=[
                SignalOut(name=s.name, value=s.value, explanation=s.explanation)
                for s in r.item.signals
            ],
            linked_to=[
                QueueLinkOut(
                    id=k.id,
                    account_id=k.account_id,
                    username=k.username,
                    confidence=k.confidence,
                    status=k.status,
                )
                for k in r.item.linked_to
            ],
        )
        for r in result.rows
    ]


def _entry(e: Any, handle: str, platform: str) -> ListEntryOut:
    return ListEntryOut(
        account_id=e.account_id,
        platform=platform,
        handle=handle,
        kind=e.kind,
        status=e.status,
        criterion=e.criterion,
        whitelist_type=e.whitelist_type,
        source=e.source,
        added_at=e.added_at,
        retracted_at=e.retracted_at,
    )


@router.get("/accounts/{account_id}")
def account(account_id: AccountId, user: ApiUser, db: Db) -> AccountOut:
    """An account with its score, signals, list entries and decisions."""
    page = account_page(db, account_id)
    a = page.account
    media = {m.src for p in page.evidence.posts for m in p.media if m.src}
    return AccountOut(
        id=a.id,
        platform=page.platform,
        platform_account_id=a.platform_account_id,
        handle=a.handle,
        display_name=a.display_name,
        bio=a.bio,
        lang=a.lang,
        handles=[h.handle for h in page.handles],
        score=page.score.value if page.score else None,
        contributions=[
            ContributionOut.model_validate(c, from_attributes=True) for c in page.contributions
        ],
        signals=[SignalOut.model_validate(s, from_attributes=True) for s in page.signals],
        entries=[_entry(e, a.handle, page.platform) for e in page.entries],
        decisions=[_decision(d) for d in page.history],
        awaiting_second=_decision(page.pending) if page.pending else None,
        media=sorted(media),
    )


@router.post("/accounts/{account_id}/decisions")
def post_decision(
    account_id: AccountId, body: DecisionIn, user: ApiUser, db: Db, settings: Settings
) -> OutcomeOut:
    """Decide on an account (analyst or above); `override` needs a lead."""
    _at_least(user, UserRole.LEAD if body.override else UserRole.ANALYST)
    outcome = decide(
        db,
        account_id,
        action=body.action,
        user=user.username,
        criterion=body.criterion or None,
        note=body.note or None,
        evidence=body.evidence or None,
        whitelist_type=body.whitelist_type or None,
        override=body.override,
        settings=settings.core,
    )
    return OutcomeOut.model_validate(outcome, from_attributes=True)


@router.get("/lists/{view}")
def lists(
    view: Annotated[str, Path(pattern="^(blacklist|whitelist|retracted)$")],
    user: ApiUser,
    session: DbSession,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> list[ListEntryOut]:
    rows = list_rows(session, view if view in LIST_VIEWS else "blacklist", page)[:100]
    return [_entry(e, a.handle, p) for e, a, p in rows]


@router.get("/policy")
def policy() -> dict[str, Any]:
    """The inclusion policy decisions cite (public)."""
    return load_policy().to_dict()


@router.get("/pow")
def pow_challenge(settings: Settings) -> ChallengeOut:
    """A proof-of-work challenge for one public submission: find a nonce such that
    sha256(challenge + ":" + nonce) starts with `difficulty` zero bits."""
    c = challenge(settings)
    return ChallengeOut(challenge=c.token, difficulty=c.difficulty, expires_at=c.expires_at)


@router.post("/appeals", status_code=201)
def post_appeal(
    body: AppealIn, request: Request, db: Db, session: DbSession, settings: Settings
) -> ReferenceOut:
    """File an appeal about a listed account (no login; rate-limited; proof of work)."""
    admit_request(
        request, session, settings, kind="appeal", token=body.pow_challenge, nonce=body.pow_nonce
    )
    ref = file_appeal(
        db, account_ref(body.platform, body.account), text=body.text, contact=body.contact
    )
    return ReferenceOut(reference=ref)


@router.get("/appeals/{reference}")
def get_appeal(reference: Reference, db: Db) -> AppealStatusOut:
    """An appeal's status by its reference (no login; no reviewer is named)."""
    return AppealStatusOut.model_validate(appeal_status(db, reference).public_dict())


@router.get("/appeals")
def appeals(
    user: ApiUser,
    db: Db,
    status: Annotated[str | None, Query(pattern="^(open|upheld|rejected)$")] = None,
) -> list[AppealOut]:
    _at_least(user, UserRole.LEAD)
    return [AppealOut.model_validate(a, from_attributes=True) for a in list_appeals(db, status)]


@router.post("/appeals/{reference}/decision")
def decide_on_appeal(
    reference: Reference, body: AppealDecisionIn, user: ApiUser, db: Db
) -> AppealStatusOut:
    _at_least(user, UserRole.LEAD)
    view = decide_appeal(db, reference, uphold=body.uphold, user=user.username, note=body.note)
    return AppealStatusOut.model_validate(view.public_dict())


@router.post("/tips", status_code=201)
def post_tip(
    body: TipIn, request: Request, db: Db, session: DbSession, settings: Settings
) -> ReferenceOut:
    """Tip an account for review (no login; rate-limited; proof of work); never lists it."""
    admit_request(
        request, session, settings, kind="tip", token=body.pow_challenge, nonce=body.pow_nonce
    )
    ref = submit_tip(db, platform=body.platform, account=body.account, reason=body.reason)
    return ReferenceOut(reference=ref)
