"""The organisation's own platform accounts: credentials from the environment (never stored
or logged) and Mastodon.py / atproto clients, with their errors translated at the boundary."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.config import PublishSettings
from vigil.errors import ConfigError, NotFoundError, PlatformError, RateLimitedError

__all__ = [
    "Credentials",
    "bluesky_client",
    "bluesky_errors",
    "mastodon_client",
    "mastodon_errors",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Credentials:
    """Tokens of the organisation's accounts; `repr` never shows them."""

    mastodon_token: str | None = field(default=None, repr=False)
    bluesky_handle: str | None = None
    bluesky_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, home: Path | None = None
    ) -> Credentials:
        """From the environment; with `home`, tokens not set there come from the keystore."""
        env = os.environ if environ is None else environ
        if home is None:
            return cls(
                mastodon_token=env.get("VIGIL_MASTODON_TOKEN") or None,
                bluesky_handle=env.get("VIGIL_BLUESKY_HANDLE") or None,
                bluesky_password=env.get("VIGIL_BLUESKY_PASSWORD") or None,
            )
        from vigil.keys.tokens import resolve_token

        return cls(
            mastodon_token=resolve_token(home, "mastodon", "VIGIL_MASTODON_TOKEN", env),
            bluesky_handle=env.get("VIGIL_BLUESKY_HANDLE") or None,
            bluesky_password=resolve_token(home, "bluesky", "VIGIL_BLUESKY_PASSWORD", env),
        )


def mastodon_client(
    settings: PublishSettings, creds: Credentials, base_url: str | None = None
) -> Any:
    """Mastodon.py on the organisation's instance (or `base_url`)."""
    from mastodon import Mastodon

    url = base_url or settings.mastodon_url
    if not url or not creds.mastodon_token:
        raise ConfigError("Mastodon needs VIGIL_MASTODON_URL and VIGIL_MASTODON_TOKEN")
    return Mastodon(
        access_token=creds.mastodon_token,
        api_base_url=url,
        ratelimit_method="throw",
        request_timeout=30,
        user_agent="vigil",
    )


@contextmanager
def mastodon_errors(what: str) -> Iterator[None]:
    from mastodon import MastodonError, MastodonNotFoundError, MastodonRatelimitError

    try:
        yield
    except MastodonRatelimitError as exc:
        raise RateLimitedError(f"Mastodon: rate limited while {what}") from exc
    except MastodonNotFoundError as exc:
        # Mastodon answers 404 for a suspended or deleted target too.
        raise NotFoundError(f"Mastodon: not found while {what}") from exc
    except MastodonError as exc:
        raise PlatformError(f"Mastodon: {what} failed: {type(exc).__name__}: {exc}") from exc


def bluesky_client(settings: PublishSettings, creds: Credentials) -> tuple[Any, str]:
    """A logged-in atproto client and the session's DID."""
    from atproto import Client  # type: ignore[import-untyped]

    if not creds.bluesky_handle or not creds.bluesky_password:
        raise ConfigError("Bluesky needs VIGIL_BLUESKY_HANDLE and VIGIL_BLUESKY_PASSWORD")
    client = Client(base_url=settings.bluesky_url)
    with bluesky_errors("logging in"):
        client.login(creds.bluesky_handle, creds.bluesky_password, fetch_bsky_profile=False)
        did = client.com.atproto.server.get_session().did
    return client, str(did)


@contextmanager
def bluesky_errors(what: str) -> Iterator[None]:
    from atproto_client.exceptions import (  # type: ignore[import-untyped]
        AtProtocolError,
        RequestErrorBase,
    )

    try:
        yield
    except RequestErrorBase as exc:
        resp = getattr(exc, "response", None)
        status = getattr(resp, "status_code", None)
        if status == 429:
            raise RateLimitedError(f"Bluesky: rate limited while {what}") from exc
        content = getattr(resp, "content", None)
        detail = getattr(content, "message", None) or getattr(content, "error", None) or ""
        raise PlatformError(f"Bluesky: {what} failed ({status}): {detail}") from exc
    except AtProtocolError as exc:
        raise PlatformError(f"Bluesky: {what} failed: {type(exc).__name__}") from exc
