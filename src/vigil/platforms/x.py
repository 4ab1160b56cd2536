"""The X API v2 connector: user lookups, timelines and follow lists as normalised records.

API pages are the very pages twarc2 writes to files, so the file importer's parser reads
them (with a ``__twarc`` block naming the URL and the server's time of retrieval).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from vigil.model import AccountStatus
from vigil.platforms.base import Connection, FollowGraph, Page, Platform, Timelines, UserLookup
from vigil.platforms.records import PlatformSpec, Record, StatusRecord
from vigil.platforms.x_client import DEFAULT_X_API, XClient, XResponse
from vigil.platforms.x_files import XLineParser

__all__ = ["XPlatform"]

USER_FIELDS = (
    "created_at,description,entities,location,name,pinned_tweet_id,profile_image_url,"
    "protected,public_metrics,url,username,verified,withheld"
)
TWEET_FIELDS = (
    "attachments,author_id,conversation_id,created_at,edit_history_tweet_ids,entities,"
    "in_reply_to_user_id,lang,possibly_sensitive,public_metrics,referenced_tweets,withheld"
)
EXPANSIONS = (
    "author_id,referenced_tweets.id,referenced_tweets.id.author_id,entities.mentions.username,"
    "in_reply_to_user_id,attachments.media_keys"
)
MEDIA_FIELDS = "url,preview_image_url,type,width,height"
_ID = re.compile(r"^[0-9]{1,19}$")
_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_SOURCE = "collect"


class XPlatform(Platform, UserLookup, Timelines, FollowGraph):
    """X API v2 with an app bearer token; any base URL that speaks it (`vigil sim serve`)."""

    name = "x"
    token_env = "VIGIL_X_BEARER_TOKEN"  # noqa: S105 - the name of a variable, not a secret
    default_base_url = DEFAULT_X_API
    lookup_batch = 100

    def __init__(
        self, client: XClient, *, timeline_page: int = 100, follow_page: int = 1000
    ) -> None:
        self.client = client
        self.timeline_page = timeline_page
        self.follow_page = follow_page
        self._spec = PlatformSpec(name="x", kind="x", base_url=client.base_url)

    @classmethod
    def connect(cls, connection: Connection) -> XPlatform:
        client = XClient(
            connection.token or "",
            base_url=connection.base_url or DEFAULT_X_API,
            transport=connection.transport,
            clock=connection.clock,
        )
        return cls(client)

    @property
    def spec(self) -> PlatformSpec:
        return self._spec

    def close(self) -> None:
        self.client.close()

    def stats(self) -> dict[str, float]:
        c = self.client
        return {
            "requests": c.requests,
            "rate_limit_waits": c.rate_limit_waits,
            "waited_server_seconds": c.waited_seconds,
        }

    # -- capabilities ---------------------------------------------------------------------

    def lookup_ids(self, ids: Sequence[str]) -> Page:
        return self._lookup("/2/users", "ids", ids)

    def lookup_handles(self, handles: Sequence[str]) -> Page:
        return self._lookup("/2/users/by", "usernames", handles)

    def timeline(self, account_id: str, cursor: str | None = None) -> Page:
        params: dict[str, str | int] = {
            "max_results": self.timeline_page,
            "tweet.fields": TWEET_FIELDS,
            "expansions": EXPANSIONS,
            "user.fields": USER_FIELDS,
            "media.fields": MEDIA_FIELDS,
        }
        if cursor:
            params["pagination_token"] = cursor
        response = self.client.get(f"/2/users/{account_id}/tweets", params)
        return self._page(response, owner=account_id)

    def followers(self, account_id: str, cursor: str | None = None) -> Page:
        return self._edges(account_id, "followers", cursor)

    def following(self, account_id: str, cursor: str | None = None) -> Page:
        return self._edges(account_id, "following", cursor)

    # -- pages ----------------------------------------------------------------------------

    def _lookup(self, path: str, parameter: str, values: Sequence[str]) -> Page:
        if len(values) > self.lookup_batch:
            raise ValueError(f"at most {self.lookup_batch} {parameter} a lookup")
        # X refuses the whole request for one malformed value: such a seed cannot exist.
        pattern = _ID if parameter == "ids" else _USERNAME
        malformed = {v: AccountStatus.NOT_FOUND for v in values if not pattern.match(v)}
        values = [v for v in values if v not in malformed]
        if not values:
            return Page(unavailable=malformed, requests=0)
        params: dict[str, str | int] = {parameter: ",".join(values), "user.fields": USER_FIELDS}
        response = self.client.get(path, params)
        page = self._page(response)
        data = response.body.get("data")
        page.accounts = [str(u["id"]) for u in data or [] if isinstance(u, dict) and "id" in u]
        page.unavailable = malformed | {
            str(e.get("value")): status
            for e in _errors(response.body)
            if e.get("parameter") == parameter and (status := _status(e)) is not None
        }
        return page

    def _edges(self, account_id: str, relation: str, cursor: str | None) -> Page:
        params: dict[str, str | int] = {
            "max_results": self.follow_page,
            "user.fields": USER_FIELDS,
        }
        if cursor:
            params["pagination_token"] = cursor
        response = self.client.get(f"/2/users/{account_id}/{relation}", params)
        page = self._page(response, owner=account_id)
        data = response.body.get("data")
        page.accounts = [str(u["id"]) for u in data or [] if isinstance(u, dict) and "id" in u]
        return page

    def _page(self, response: XResponse, *, owner: str | None = None) -> Page:
        body: dict[str, Any] = dict(response.body)
        body["__twarc"] = {"url": response.url, "retrieved_at": response.server_time.isoformat()}
        parser = XLineParser(fallback_time=response.server_time)
        records = [_as_collected(r) for r in parser(body)]
        meta = body.get("meta")
        cursor = meta.get("next_token") if isinstance(meta, dict) else None
        page = Page(records=records, cursor=str(cursor) if cursor else None)
        if owner is not None:
            for error in _errors(body):
                status = _status(error)
                if error.get("parameter") == "id" and error.get("value") == owner and status:
                    page.unavailable[owner] = status
                    page.cursor = None
        return page


def _as_collected(record: Record) -> Record:
    """Status statements from a live collection say so (the parser marks them imported)."""
    if isinstance(record, StatusRecord) and record.source == "import":
        return dataclasses.replace(record, source=_SOURCE)
    return record


def _errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    errors = body.get("errors")
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _status(error: dict[str, Any]) -> AccountStatus | None:
    """What an X error object says about the user it names, if it is about a user."""
    if error.get("resource_type") not in (None, "user"):
        return None
    detail = str(error.get("detail") or "").lower()
    if "suspended" in detail:
        return AccountStatus.SUSPENDED
    if "not authorized" in detail or str(error.get("type", "")).endswith(
        "not-authorized-for-resource"
    ):
        return AccountStatus.PROTECTED
    if "could not find" in detail or error.get("title") == "Not Found Error":
        return AccountStatus.NOT_FOUND
    return None
