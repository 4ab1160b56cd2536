"""What guards the public forms and API (appeals, tips): a per-address hourly limit and a
proof of work in place of a CAPTCHA, each solved challenge good for one submission."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session

from vigil.errors import InputError
from vigil.review.tips import CHALLENGE_TTL, Challenge, pow_challenge, verify_pow
from vigil.web.settings import WebSettings
from vigil.web.throttle import check_public, note

__all__ = ["SpentChallenges", "admit", "challenge"]


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
