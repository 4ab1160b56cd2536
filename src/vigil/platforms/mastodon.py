"""The Mastodon connector over Mastodon.py: any instance URL, with or without an access token.

Entities come back from Mastodon.py as typed dicts; their JSON form is what the file
importer's parser reads, so live and imported data become the same records. Ids are the
answering instance's own, so records belong to ``mastodon:<instance host>``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonUnauthorizedError,
)

from vigil.errors import ConfigError, PlatformError, RateLimitedError
from vigil.model import AccountStatus
from vigil.platforms.base import Connection, FollowGraph, Page, Platform, Timelines, UserLookup
from vigil.platforms.clock import ObservedClock, ServerClock
from vigil.platforms.mastodon_files import MastodonLineParser, mastodon_platform
from vigil.platforms.records import (
    FollowRecord,
    PlatformSpec,
    Record,
    StatusRecord,
)

__all__ = ["MastodonPlatform"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_SOURCE = "collect"
_MAX_RATE_WAITS = 5
_NO_RESET_WAIT = 60.0


class MastodonPlatform(Platform, UserLookup, Timelines, FollowGraph):
    """One Mastodon instance's REST API (Mastodon.py waits out its rate limits itself)."""

    name = "mastodon"
    token_env = "VIGIL_MASTODON_TOKEN"  # noqa: S105 - the name of a variable, not a secret
    lookup_batch = 1

    def __init__(
        self,
        api: Mastodon,
        base_url: str,
        *,
        clock: ServerClock | None = None,
        timeline_page: int = 40,
        follow_page: int = 80,
    ) -> None:
        self.api = api
        self.base_url = base_url.rstrip("/")
        self.clock: ServerClock = clock if clock is not None else ObservedClock()
        self.timeline_page = timeline_page
        self.follow_page = follow_page
        spec = mastodon_platform(urlsplit(self.base_url).netloc)
        self._spec = PlatformSpec(spec.name, spec.kind, base_url=self.base_url)
        self.requests = 0
        self.rate_limit_waits = 0

    @classmethod
    def connect(cls, connection: Connection) -> MastodonPlatform:
        if not connection.base_url:
            raise ConfigError("Mastodon needs the instance's URL: pass --api-base URL")
        api = Mastodon(
            access_token=connection.token or None,
            api_base_url=connection.base_url,
            version_check_mode="none",
            # Waits go through our ServerClock, so tests and sims never sleep for real.
            ratelimit_method="throw",
            request_timeout=30,
        )
        return cls(api, connection.base_url, clock=connection.clock)

    @property
    def spec(self) -> PlatformSpec:
        return self._spec

    def stats(self) -> dict[str, float]:
        return {"requests": self.requests, "rate_limit_waits": self.rate_limit_waits}

    # -- capabilities ---------------------------------------------------------------------

    def lookup_ids(self, ids: Sequence[str]) -> Page:
        return self._lookup(ids, lambda v: self.api.account(v))

    def lookup_handles(self, handles: Sequence[str]) -> Page:
        return self._lookup(handles, lambda v: self.api.account_lookup(v))

    def timeline(self, account_id: str, cursor: str | None = None) -> Page:
        seen = self._now()
        try:
            items = self._call(
                lambda: self.api.account_statuses(
                    account_id, max_id=cursor, limit=self.timeline_page
                )
            )
        except MastodonNotFoundError:
            return _gone(account_id, seen)
        records = MastodonLineParser(seen_at=seen)(_plain(items))
        return Page(records=[_as_collected(r) for r in records], cursor=_next(items))

    def followers(self, account_id: str, cursor: str | None = None) -> Page:
        return self._edges(account_id, cursor, followers=True)

    def following(self, account_id: str, cursor: str | None = None) -> Page:
        return self._edges(account_id, cursor, followers=False)

    # -- pages ----------------------------------------------------------------------------

    def _lookup(self, values: Sequence[str], fetch: Callable[[str], Any]) -> Page:
        page = Page(requests=0)
        for value in values:
            seen = self._now()
            page.requests += 1
            try:
                entity = self._call(partial(fetch, value))
            except MastodonNotFoundError:
                gone = _gone(value, seen)
                page.records += gone.records
                page.unavailable.update(gone.unavailable)
                continue
            plain = _plain(entity)
            records = [_as_collected(r) for r in MastodonLineParser(seen_at=seen)(plain)]
            page.records += records
            if plain.get("suspended"):
                page.unavailable[value] = AccountStatus.SUSPENDED
            else:
                page.accounts.append(str(plain["id"]))
        return page

    def _edges(self, account_id: str, cursor: str | None, *, followers: bool) -> Page:
        seen = self._now()
        fetch = self.api.account_followers if followers else self.api.account_following
        try:
            items = self._call(lambda: fetch(account_id, max_id=cursor, limit=self.follow_page))
        except MastodonNotFoundError:
            return _gone(account_id, seen)
        plain = _plain(items)
        records: list[Record] = list(MastodonLineParser(seen_at=seen)(plain))
        others = [str(a["id"]) for a in plain if isinstance(a, dict) and "id" in a]
        for other in others:
            src, dst = (other, account_id) if followers else (account_id, other)
            records.append(FollowRecord(src, dst, seen))
        return Page(
            records=[_as_collected(r) for r in records], cursor=_next(items), accounts=others
        )

    def _call(self, request: Callable[[], _T]) -> _T:
        """One Mastodon.py call with Vigil's errors (not found is the caller's to handle).

        A 429 waits until the reset Mastodon.py read from ``X-RateLimit-Reset`` (already
        moved onto the local clock by the server's ``Date``), then tries again.
        """
        waits = 0
        while True:
            self.requests += 1
            try:
                return request()
            except MastodonNotFoundError:
                raise
            except MastodonRatelimitError as exc:
                waits += 1
                if waits > _MAX_RATE_WAITS:
                    raise RateLimitedError(
                        f"Mastodon at {self.base_url}: still rate limited after "
                        f"{_MAX_RATE_WAITS} waits"
                    ) from exc
                reset = self.api.ratelimit_reset
                wait = float(reset) - time.time() if reset else _NO_RESET_WAIT
                self.rate_limit_waits += 1
                log.info("Mastodon rate limit: waiting %.0f s", wait)
                self.clock.wait(max(1.0, wait))
            except MastodonUnauthorizedError as exc:
                raise PlatformError(
                    f"Mastodon at {self.base_url} refused the access token ({_reason(exc)})"
                ) from exc
            except MastodonNetworkError as exc:
                raise PlatformError(f"Mastodon at {self.base_url} unreachable: {exc}") from exc
            except MastodonAPIError as exc:
                raise PlatformError(f"Mastodon at {self.base_url}: {_reason(exc)}") from exc
            except MastodonError as exc:
                raise PlatformError(f"Mastodon at {self.base_url}: {exc}") from exc

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), UTC)


def _plain(entity: Any) -> Any:
    """Entities as the JSON the server sent: Mastodon.py's typed dicts hold the same keys,
    with times parsed into datetimes (its own `to_json` is ~100x slower)."""
    if isinstance(entity, dict):
        return {str(k): _plain(v) for k, v in dict.items(entity)}
    if isinstance(entity, list):
        return [_plain(e) for e in entity]
    if isinstance(entity, datetime):
        return entity.isoformat()
    return entity


def _next(page: Any) -> str | None:
    """The ``max_id`` Mastodon.py read from the Link header's next page, if any."""
    if not page:
        return None
    info = getattr(page, "_pagination_next", None)
    if not info or info.get("max_id") is None:
        return None
    return str(info["max_id"])


def _gone(account: str, seen: datetime) -> Page:
    """An account the instance says does not exist (404)."""
    status = StatusRecord(
        seen, AccountStatus.NOT_FOUND, account, source=_SOURCE, detail={"http_status": 404}
    )
    return Page(records=[status], unavailable={account: AccountStatus.NOT_FOUND})


def _as_collected(record: Record) -> Record:
    """Status statements from a live collection say so (the parser marks them imported)."""
    if isinstance(record, StatusRecord) and record.source == "import":
        return dataclasses.replace(record, source=_SOURCE)
    return record


def _reason(exc: MastodonError) -> str:
    """Mastodon.py packs (message, status, reason, error) into args; keep what a human reads."""
    parts = [str(a) for a in exc.args[1:] if a]
    return " ".join(parts) or str(exc)
