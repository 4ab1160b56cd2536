"""What X says about accounts inside its output: the `errors` array and compliance records.

"User has been suspended", "Could not find user" and "not authorized" errors are status
observations of those accounts, dated by the page's retrieval. A compliance record says a
tweet or user was removed and why; twarc2 writes both kinds alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from vigil.model import AccountStatus
from vigil.platforms.records import StatusRecord, Subject

__all__ = ["ComplianceKind", "compliance_statement", "error_statement"]

_RETWEET_PREFIX = re.compile(r"^RT @(\w+):")
_STATUS_URL = re.compile(r"(?:twitter|x)\.com/(\w+)/status/(\d+)")
_COMPLIANCE_STATUS = {
    "protected": AccountStatus.PROTECTED,
    "deactivated": AccountStatus.DEACTIVATED,
    "suspended": AccountStatus.SUSPENDED,
    "deleted": AccountStatus.DELETED,
}


class ComplianceKind(StrEnum):
    """What the ids in a compliance file are."""

    AUTO = "auto"  # a stored post's author, else a stored account, else left unresolved
    USERS = "users"
    TWEETS = "tweets"


def _error_status(error: Mapping[str, Any]) -> AccountStatus | None:
    detail = str(error.get("detail") or "").lower()
    kind = str(error.get("type") or "")
    if "suspended" in detail:
        return AccountStatus.SUSPENDED
    if "not authorized" in detail or kind.endswith("not-authorized-for-resource"):
        return AccountStatus.UNAUTHORIZED
    if "could not find" in detail or error.get("title") == "Not Found Error":
        return AccountStatus.NOT_FOUND
    return None


def error_statement(
    error: Mapping[str, Any],
    seen: datetime,
    *,
    handles: Mapping[str, str],
    users: Sequence[Mapping[str, Any]],
    tweets: Iterable[Mapping[str, Any]],
) -> StatusRecord | None:
    """The observation an error of a page makes, or None when it says nothing about an account.

    `handles` (lower-case handle -> id), `users` and `tweets` are what the same page holds:
    they name the account behind a handle, a pinned tweet or a referenced tweet.
    """
    value = str(error.get("resource_id") or error.get("value") or "")
    parameter = str(error.get("parameter") or "")
    status = _error_status(error)
    if not value or status is None:
        return None
    detail = {"error": dict(error)}
    if error.get("resource_type") == "user":
        if parameter.endswith("username") or parameter == "usernames":
            return StatusRecord(seen, status, handles.get(value.lower()), value, detail=detail)
        return StatusRecord(seen, status, value, detail=detail)
    if error.get("resource_type") != "tweet" or status is not AccountStatus.UNAUTHORIZED:
        return None  # a tweet that cannot be found says nothing about its author
    uid, handle = _author_of(value, parameter, handles, users, tweets)
    if uid is None and handle is None:
        return StatusRecord(
            seen,
            None,
            value,
            subject=Subject.POST,
            author_status=AccountStatus.UNAUTHORIZED,
            detail=detail,
        )
    return StatusRecord(seen, AccountStatus.UNAUTHORIZED, uid, handle, detail=detail)


def _author_of(
    tweet_id: str,
    parameter: str,
    handles: Mapping[str, str],
    users: Sequence[Mapping[str, Any]],
    tweets: Iterable[Mapping[str, Any]],
) -> tuple[str | None, str | None]:
    """Who wrote a tweet we may not see, from what the page says about it."""
    if parameter == "pinned_tweet_id":
        for user in users:
            if str(user.get("pinned_tweet_id")) == tweet_id:
                return str(user["id"]), None
        return None, None
    for tweet in tweets:
        for ref in tweet.get("referenced_tweets") or []:
            if str(ref.get("id")) != tweet_id:
                continue
            if ref.get("type") == "replied_to" and tweet.get("in_reply_to_user_id"):
                return str(tweet["in_reply_to_user_id"]), None
            handle = _named_author(tweet, tweet_id, str(ref.get("type")))
            if handle:
                return handles.get(handle.lower()), handle
    return None, None


def _named_author(tweet: Mapping[str, Any], target: str, kind: str) -> str | None:
    """The handle a retweet's "RT @x:" or a quote's status link gives for the referenced tweet."""
    if kind == "retweeted":
        match = _RETWEET_PREFIX.match(str(tweet.get("text") or ""))
        return match.group(1) if match else None
    urls: Iterable[Any] = (tweet.get("entities") or {}).get("urls") or []
    for url in urls:
        match = _STATUS_URL.search(str(url.get("expanded_url") or ""))
        if match and match.group(2) == target:
            return match.group(1)
    return None


def compliance_statement(
    obj: Mapping[str, Any], observed: datetime, kind: ComplianceKind
) -> StatusRecord | None:
    """The observation a compliance record makes (``action: delete`` with a reason)."""
    reason = str(obj.get("reason") or "")
    status = _COMPLIANCE_STATUS.get(reason)
    if obj.get("action") != "delete" or status is None:
        return None  # e.g. scrub_geo: nothing about the account
    subject = {
        ComplianceKind.AUTO: Subject.UNKNOWN,
        ComplianceKind.USERS: Subject.ACCOUNT,
        ComplianceKind.TWEETS: Subject.POST,
    }[kind]
    return StatusRecord(
        observed,
        None if subject is Subject.POST else status,
        str(obj["id"]),
        subject=subject,
        # A deleted tweet says nothing about its author; the other reasons do.
        author_status=None if reason == "deleted" else status,
        source="compliance",
        detail={"compliance": dict(obj)},
    )
