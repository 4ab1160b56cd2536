"""What guards the public forms and API (appeals, tips): a per-address hourly limit and a
proof of work in place of a CAPTCHA, each solved challenge good for one submission; and the
form handling both public forms share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Annotated

import sqlalchemy as sa
from fastapi import Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.errors import InputError, VigilError
from vigil.model import Platform
from vigil.review.tips import CHALLENGE_TTL, Challenge, pow_challenge, verify_pow
from vigil.web.deps import client_address
from vigil.web.settings import WebSettings
from vigil.web.templating import render
from vigil.web.throttle import check_public, note

__all__ = [
    "AccountField",
    "PlatformField",
    "PowChallengeField",
    "PowNonceField",
    "SpentChallenges",
    "admit",
    "admit_request",
    "challenge",
    "public_form",
    "submit_public_form",
]

# The public forms' shared fields (the same limits as the JSON API's models).
PlatformField = Annotated[str, Form(max_length=100)]
AccountField = Annotated[str, Form(max_length=300)]
PowChallengeField = Annotated[str, Form(max_length=200)]
PowNonceField = Annotated[str, Form(max_length=40)]


class SpentChallenges:
    """Tokens already used, kept until they would have expired anyway (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}

    def spend(self, settings: WebSettings, token: str, nonce: str) -> bool:
        with self._lock:
            now = time.time()
            if len(self._seen) > 10_000:
                self._seen = {
                    t: at for t, at in self._seen.items() if now - at < CHALLENGE_TTL + 60
                }
            if token in self._seen:
                return False
            if not verify_pow(settings.secret, token, nonce, min_difficulty=_bits(settings)):
                return False
            self._seen[token] = now
            return True


def _bits(settings: WebSettings) -> int:
    if settings.pow_difficulty is not None:
        return settings.pow_difficulty
    return int(getattr(settings.core, "pow_difficulty", 16))


def challenge(settings: WebSettings) -> Challenge:
    return pow_challenge(settings.secret, difficulty=_bits(settings))


def admit(
    settings: WebSettings,
    session: Session,
    spent: SpentChallenges,
    *,
    kind: str,
    address: str,
    token: str,
    nonce: str,
) -> None:
    """Refuse over the hourly limit (Throttled) or without a fresh solved challenge (InputError);
    every admitted or refused attempt counts towards the limit."""
    key = check_public(settings, session, kind, address)
    note(session, kind, key, success=True)
    session.commit()
    if not spent.spend(settings, token, nonce):
        raise InputError(
            "the form's proof of work is missing, expired or already used: reload the form",
            field="pow_nonce",
        )


def admit_request(
    request: Request, session: Session, settings: WebSettings, *, kind: str, token: str, nonce: str
) -> None:
    """`admit` for a request to the public form or API, by the client's address."""
    admit(
        settings,
        session,
        request.app.state.spent_challenges,
        kind=kind,
        address=client_address(request),
        token=token,
        nonce=nonce,
    )


def public_form(
    request: Request,
    session: Session,
    settings: WebSettings,
    template: str,
    *,
    status: int = 200,
    **extra: object,
) -> Response:
    """A public form page with the platforms to choose from and a fresh challenge."""
    platforms = list(session.scalars(sa.select(Platform.name).order_by(Platform.name)))
    context = {"platforms": platforms, "challenge": challenge(settings), **extra}
    return render(request, template, context, status=status)


def submit_public_form(
    request: Request,
    session: Session,
    settings: WebSettings,
    *,
    kind: str,
    template: str,
    values: dict[str, str],
    token: str,
    nonce: str,
    submit: Callable[[], str],
) -> Response:
    """Admit the submission, then `submit` it and show its reference; on a refusal or an
    error, the form again with the message and what was typed."""
    try:
        admit_request(request, session, settings, kind=kind, token=token, nonce=nonce)
        reference = submit()
    except VigilError as exc:
        return public_form(
            request,
            session,
            settings,
            template,
            status=exc.http_status,
            error=str(exc),
            values=values,
        )
    return render(request, "public_done.html", {"kind": kind, "reference": reference})
