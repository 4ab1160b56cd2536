"""The Bluesky connector over the atproto SDK: any service URL, logged in or not.

Profiles come 25 a request; an actor missing from the answer is asked for alone, because
only that error says why (taken down, or not found). Follow lists are enriched with the
detailed profiles of the accounts they list, as X's follow pages carry full users.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from atproto import Client  # type: ignore[import-untyped]
from atproto_client.exceptions import (  # type: ignore[import-untyped]
    AtProtocolError,
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError  # type: ignore[import-untyped]
from atproto_client.models.utils import get_model_as_dict  # type: ignore[import-untyped]

from vigil.errors import ConfigError, PlatformError, RateLimitedError
from vigil.model import AccountStatus
from vigil.platforms.base import (
    CapabilityUnavailableError,
    Connection,
    FollowGraph,
    Page,
    Platform,
    Timelines,
    UserLookup,
)
from vigil.platforms.bluesky_records import BlueskyViews
from vigil.platforms.clock import ObservedClock, ServerClock
from vigil.platforms.records import FollowRecord, PlatformSpec, Record, StatusRecord

__all__ = ["BLUESKY_PLATFORM", "BlueskyPlatform"]

log = logging.getLogger(__name__)

BLUESKY_PLATFORM = PlatformSpec(name="bluesky", kind="bluesky", base_url="https://bsky.social")
_T = TypeVar("_T")
_SOURCE = "collect"
_PROFILES = 25
_GONE = {
    "AccountTakedown": AccountStatus.SUSPENDED,
    "AccountDeactivated": AccountStatus.DEACTIVATED,
}
_MISSING = ("Profile not found", "Actor not found", "Unable to resolve")
_MAX_RATE_WAITS = 3


class BlueskyPlatform(Platform, UserLookup, Timelines, FollowGraph):
    """app.bsky reads through one service (a PDS entryway, the AppView or `vigil sim serve`)."""

    name = "bluesky"
    token_env = "VIGIL_BLUESKY_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
    login_env = "VIGIL_BLUESKY_HANDLE"
    default_base_url = "https://bsky.social"
    lookup_batch = _PROFILES

    def __init__(
        self,
        client: Client,
        base_url: str,
        *,
        clock: ServerClock | None = None,
        timeline_page: int = 100,
        follow_page: int = 100,
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.clock: ServerClock = clock if clock is not None else ObservedClock()
        self.timeline_page = timeline_page
        self.follow_page = follow_page
        self._spec = PlatformSpec("bluesky", "bluesky", base_url=self.base_url)
        self.requests = 0
        self.rate_limit_waits = 0

    @classmethod
    def connect(cls, connection: Connection) -> BlueskyPlatform:
        base = connection.base_url or cls.default_base_url or ""
        client = Client(base_url=base)
        platform = cls(client, base, clock=connection.clock)
        if connection.login and connection.token:
            try:
                client.login(connection.login, connection.token, fetch_bsky_profile=False)
            except UnauthorizedError as exc:
                raise PlatformError(
                    f"Bluesky at {base} refused the login of {connection.login}"
                ) from exc
            except AtProtocolError as exc:
                raise PlatformError(f"Bluesky at {base}: cannot log in: {exc}") from exc
        elif connection.login or connection.token:
            raise ConfigError("Bluesky needs both a handle and an app password, or neither")
        return platform

    @property
    def spec(self) -> PlatformSpec:
        return self._spec

    def stats(self) -> dict[str, float]:
        return {"requests": self.requests, "rate_limit_waits": self.rate_limit_waits}

    # -- capabilities ---------------------------------------------------------------------

    def lookup_ids(self, ids: Sequence[str]) -> Page:
        return self._lookup(ids, by_handle=False)

    def lookup_handles(self, handles: Sequence[str]) -> Page:
        return self._lookup([h.lower() for h in handles], by_handle=True)

    def timeline(self, account_id: str, cursor: str | None = None) -> Page:
        seen = self._now()
        params: dict[str, Any] = {"actor": account_id, "limit": self.timeline_page}
        if cursor:
            params["cursor"] = cursor
        try:
            answer = self._call(lambda: self.client.app.bsky.feed.get_author_feed(params))
        except BadRequestError:
            return self._why_gone(account_id)
        data = get_model_as_dict(answer)
        views = BlueskyViews(seen)
        for item in data.get("feed") or []:
            if isinstance(item, dict):
                views.feed_item(item)
        feed = data.get("feed") or []
        next_cursor = data.get("cursor") if feed else None
        return Page(records=views.records(), cursor=str(next_cursor) if next_cursor else None)

    def followers(self, account_id: str, cursor: str | None = None) -> Page:
        return self._edges(account_id, cursor, followers=True)

    def following(self, account_id: str, cursor: str | None = None) -> Page:
        return self._edges(account_id, cursor, followers=False)

    # -- pages ----------------------------------------------------------------------------

    def _lookup(self, actors: Sequence[str], *, by_handle: bool) -> Page:
        if not actors:
            return Page(requests=0)
        if len(actors) > _PROFILES:
            raise ValueError(f"at most {_PROFILES} actors a lookup")
        seen = self._now()
        answer = self._call(
            lambda: self.client.app.bsky.actor.get_profiles({"actors": list(actors)})
        )
        views = BlueskyViews(seen)
        page = Page()
        found: set[str] = set()
        for profile in get_model_as_dict(answer).get("profiles") or []:
            did = views.profile(profile)
            page.accounts.append(did)
            found.update({did, str(profile.get("handle", "")).lower()})
        page.records = views.records()
        for actor in actors:
            if actor in found:
                continue
            gone = self._why_gone(actor, by_handle=by_handle)
            page.requests += gone.requests
            page.records += gone.records
            if gone.unavailable:
                page.unavailable[actor] = next(iter(gone.unavailable.values()))
            else:
                page.accounts += gone.accounts  # shown alone although missing from the batch
        return page

    def _why_gone(self, actor: str, *, by_handle: bool = False) -> Page:
        """Ask for one profile to learn why the AppView will not show an actor."""
        seen = self._now()
        try:
            answer = self._call(lambda: self.client.app.bsky.actor.get_profile({"actor": actor}))
        except BadRequestError as exc:
            error, message = _xrpc(exc)
            status = _GONE.get(error)
            if status is None and any(m in message for m in _MISSING):
                status = AccountStatus.NOT_FOUND
            if status is None:
                raise PlatformError(f"Bluesky at {self.base_url}: {error}: {message}") from exc
            detail = {"error": error, "message": message}
            record = StatusRecord(
                seen,
                status,
                None if by_handle else actor,
                actor if by_handle else None,
                source=_SOURCE,
                detail=detail,
            )
            return Page(records=[record], unavailable={actor: status})
        views = BlueskyViews(seen)
        did = views.profile(get_model_as_dict(answer))
        return Page(records=views.records(), accounts=[did])

    def _edges(self, account_id: str, cursor: str | None, *, followers: bool) -> Page:
        seen = self._now()
        params: dict[str, Any] = {"actor": account_id, "limit": self.follow_page}
        if cursor:
            params["cursor"] = cursor
        graph = self.client.app.bsky.graph
        fetch = graph.get_followers if followers else graph.get_follows
        try:
            answer = self._call(lambda: fetch(params))
        except BadRequestError:
            return self._why_gone(account_id)
        data = get_model_as_dict(answer)
        listed = data.get("followers" if followers else "follows") or []
        others = [str(p["did"]) for p in listed if isinstance(p, dict) and "did" in p]
        views = BlueskyViews(seen)
        for profile in listed:
            if isinstance(profile, dict) and "did" in profile:
                views.profile(profile)
        records: list[Record] = views.records()
        for other in others:
            src, dst = (other, account_id) if followers else (account_id, other)
            records.append(FollowRecord(src, dst, seen))
        page = Page(records=records, accounts=others)
        for i in range(0, len(others), _PROFILES):
            detailed = self._lookup(others[i : i + _PROFILES], by_handle=False)
            page.records += detailed.records
            page.requests += detailed.requests
        next_cursor = data.get("cursor") if listed else None
        page.cursor = str(next_cursor) if next_cursor else None
        return page

    def _call(self, request: Callable[[], _T]) -> _T:
        """One XRPC call with Vigil's errors; 429s wait until the reset the server names."""
        waits = 0
        while True:
            self.requests += 1
            try:
                return request()
            except BadRequestError:
                raise
            except RateLimitExceededError as exc:
                waits += 1
                reset = _reset(exc)
                if waits > _MAX_RATE_WAITS or reset is None:
                    raise RateLimitedError(
                        f"Bluesky at {self.base_url}: rate limited", reset_at=reset
                    ) from exc
                self.rate_limit_waits += 1
                self.clock.wait(max(1.0, reset - self.clock.now()))
            except UnauthorizedError as exc:
                raise PlatformError(f"Bluesky at {self.base_url} refused the session") from exc
            except NetworkError as exc:
                raise PlatformError(f"Bluesky at {self.base_url} unreachable: {exc}") from exc
            except RequestErrorBase as exc:
                status = exc.response.status_code if exc.response is not None else None
                error, message = _xrpc(exc)
                if status == 501 or error == "MethodNotImplemented":
                    raise CapabilityUnavailableError(
                        f"Bluesky at {self.base_url} does not implement this method ({message})"
                    ) from exc
                raise PlatformError(f"Bluesky at {self.base_url}: {exc}") from exc

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), UTC)


def _xrpc(exc: RequestErrorBase) -> tuple[str, str]:
    """The XRPC error name and message of a failed call."""
    content = exc.response.content if exc.response is not None else None
    if isinstance(content, XrpcError):
        return str(content.error or ""), str(content.message or "")
    return "", str(exc)


def _reset(exc: RequestErrorBase) -> float | None:
    headers = exc.response.headers if exc.response is not None else {}
    value = headers.get("ratelimit-reset")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
