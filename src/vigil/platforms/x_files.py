"""X API v2 output as twarc2 writes it, one JSON object a line, turned into records.

Knows response pages (``data`` list or object, ``includes``, ``errors``, ``meta``), flattened
tweets and users, stream lines, follower/following pages (whose list it is comes from
``__twarc.url``) and compliance records. Pure: one parsed line in, records out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from vigil.platforms.links import x_links
from vigil.platforms.records import (
    AccountRecord,
    FollowRecord,
    MediaRecord,
    MentionRecord,
    PlatformSpec,
    PostRecord,
    Record,
    ReferenceRecord,
    ShapeError,
    count_or_none,
    text_or_none,
)
from vigil.platforms.x_statements import ComplianceKind, compliance_statement, error_statement

__all__ = ["X_PLATFORM", "ComplianceKind", "XLineParser", "parse_time", "snowflake_time"]

T = TypeVar("T")

X_PLATFORM = PlatformSpec(name="x", kind="x", base_url="https://api.twitter.com")

_SNOWFLAKE_EPOCH_MS = 1288834974657
_FIRST_SNOWFLAKE = 1 << 32  # smaller ids predate snowflakes and carry no time
_FOLLOW_URL = re.compile(r"/2/users/(\d+)/(followers|following)(?:\?|$)")
_MEDIA_KINDS = {"3": "photo", "7": "video", "16": "animated_gif"}
_REF_KIND_ORDER = (("retweeted", "retweet"), ("quoted", "quote"), ("replied_to", "reply"))


def parse_time(value: object) -> datetime | None:
    """An X or twarc timestamp as an aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def snowflake_time(tweet_id: str) -> datetime | None:
    """When a snowflake id was minted, to the second (X shows created_at to the second)."""
    if not tweet_id.isdigit() or int(tweet_id) < _FIRST_SNOWFLAKE:
        return None
    ms = (int(tweet_id) >> 22) + _SNOWFLAKE_EPOCH_MS
    try:
        return datetime.fromtimestamp(ms // 1000, UTC)
    except (OverflowError, OSError, ValueError):  # an id from beyond the year 9999
        return None


# Profiles come back page after page, tweets of one second share a time: parse each once.
_cached_time = lru_cache(maxsize=65536)(parse_time)


def _unique(items: Sequence[T]) -> tuple[T, ...]:
    """`items` without repeats, in order (most lists here hold none or one)."""
    return tuple(items) if len(items) < 2 else tuple(dict.fromkeys(items))


def _is_tweet(item: Mapping[str, Any]) -> bool:
    return "text" in item or "author_id" in item or "edit_history_tweet_ids" in item


def _is_user(item: Mapping[str, Any]) -> bool:
    return "username" in item


def _is_list(item: Mapping[str, Any]) -> bool:
    return "name" in item and ("member_count" in item or "owner_id" in item or "private" in item)


def _countries(obj: Mapping[str, Any]) -> tuple[str, ...] | None:
    withheld = obj.get("withheld")
    if not isinstance(withheld, dict):
        return None
    codes = withheld.get("country_codes")
    return tuple(str(c) for c in codes) if codes else None


class _Line:
    """Records of one line, deduplicated: includes repeat what data holds."""

    def __init__(self, seen: datetime) -> None:
        self.seen = seen
        self.accounts: dict[str, AccountRecord] = {}
        self.posts: dict[str, PostRecord] = {}
        self.media: dict[str, MediaRecord] = {}
        self.other: list[Record] = []
        self.handles: dict[str, str] = {}  # lower-case handle -> account id
        self.tweets: dict[str, Mapping[str, Any]] = {}  # every raw tweet of the line by id
        self.users: list[Mapping[str, Any]] = []

    def account(self, record: AccountRecord) -> None:
        held = self.accounts.get(record.platform_account_id)
        if held is None or (record.complete and not held.complete):
            self.accounts[record.platform_account_id] = record
        if record.handle:
            self.handles.setdefault(record.handle.lower(), record.platform_account_id)

    def records(self) -> list[Record]:
        return [*self.accounts.values(), *self.media.values(), *self.posts.values(), *self.other]


class XLineParser:
    """Turns one parsed twarc2 line into records; raises `ShapeError` for unknown shapes.

    `fallback_time` dates lines that carry no ``__twarc.retrieved_at`` (compliance files).
    """

    def __init__(
        self, *, fallback_time: datetime, compliance: ComplianceKind = ComplianceKind.AUTO
    ) -> None:
        self.fallback_time = fallback_time
        self.compliance = compliance

    def __call__(self, obj: Any) -> list[Record]:
        if not isinstance(obj, dict):
            raise ShapeError("not a JSON object")
        twarc = obj.get("__twarc")
        meta = twarc if isinstance(twarc, dict) else {}
        seen = parse_time(meta.get("retrieved_at")) or self.fallback_time
        if "action" in obj and "id" in obj and "data" not in obj:
            observed = parse_time(obj.get("redacted_at")) or self.fallback_time
            statement = compliance_statement(obj, observed, self.compliance)
            return [] if statement is None else [statement]
        line = _Line(seen)
        if any(k in obj for k in ("data", "includes", "errors", "meta")):
            self._page(obj, line, str(meta.get("url") or ""))
        elif "id" in obj and _is_tweet(obj):
            line.tweets[str(obj["id"])] = obj
            self._tweet(obj, line)
        elif "id" in obj and _is_user(obj):
            self._user(obj, line)
        else:
            raise ShapeError("neither a response page, a tweet, a user nor a compliance record")
        return line.records()

    # -- shapes ---------------------------------------------------------------------------

    def _page(self, obj: Mapping[str, Any], line: _Line, url: str) -> None:
        data = obj.get("data")
        items: list[Any] = data if isinstance(data, list) else [] if data is None else [data]
        includes = obj.get("includes")
        inc: Mapping[str, Any] = includes if isinstance(includes, dict) else {}
        inc_tweets = [t for t in inc.get("tweets") or [] if isinstance(t, dict) and "id" in t]
        for t in (*items, *inc_tweets):
            if isinstance(t, dict) and "id" in t and _is_tweet(t):
                line.tweets.setdefault(str(t["id"]), t)
        for user in inc.get("users") or []:
            if isinstance(user, dict) and "id" in user:
                self._user(user, line)
        for media in inc.get("media") or []:
            if isinstance(media, dict) and "media_key" in media:
                self._media(media, line)
        listed: list[str] = []
        for item in items:
            if not isinstance(item, dict) or "id" not in item:
                raise ShapeError("a data item is not an object with an id")
            if _is_tweet(item):
                self._tweet(item, line)
            elif _is_user(item):
                listed.append(self._user(item, line))
            elif not _is_list(item):
                raise ShapeError("data items are neither tweets, users nor lists")
        for tweet in inc_tweets:
            self._tweet(tweet, line)
        follow = _FOLLOW_URL.search(url)
        if follow and listed:
            owner, relation = follow.group(1), follow.group(2)
            for user_id in listed:
                src, dst = (user_id, owner) if relation == "followers" else (owner, user_id)
                line.other.append(FollowRecord(src, dst, line.seen))
        errors = obj.get("errors")
        for error in errors if isinstance(errors, list) else []:
            if not isinstance(error, dict):
                continue
            statement = error_statement(
                error,
                line.seen,
                handles=line.handles,
                users=line.users,
                tweets=line.tweets.values(),
            )
            if statement is not None:
                line.other.append(statement)

    def _user(self, user: Mapping[str, Any], line: _Line) -> str:
        uid = str(user["id"])
        get = user.get
        metrics = get("public_metrics") or {}
        url = get("url") or None
        entities = get("entities")
        if entities:  # the profile link as X unwound it
            expanded = (entities.get("url") or {}).get("urls") or []
            if expanded and isinstance(expanded[0], dict):
                url = expanded[0].get("expanded_url") or url
        created = get("created_at")
        # Positional: a profile is built once per page it appears on, keywords cost a third.
        line.account(
            AccountRecord(
                uid,
                str(get("username") or ""),
                line.seen,
                True,
                text_or_none(get("name")),
                text_or_none(get("description")),
                None,
                text_or_none(get("location")),
                text_or_none(url),
                text_or_none(get("profile_image_url")),
                bool(get("verified")),
                bool(get("protected")),
                count_or_none(metrics.get("followers_count")),
                count_or_none(metrics.get("following_count")),
                count_or_none(metrics.get("tweet_count")),
                _cached_time(created) if isinstance(created, str) else None,
                _countries(user) if "withheld" in user else None,
            )
        )
        line.users.append(user)
        return uid

    def _media(self, media: Mapping[str, Any], line: _Line) -> None:
        key = str(media["media_key"])
        line.media[key] = MediaRecord(
            media_key=key,
            kind=str(media.get("type") or _MEDIA_KINDS.get(key.split("_", 1)[0], "photo")),
            seen_at=line.seen,
            url=text_or_none(media.get("url") or media.get("preview_image_url")),
            width=count_or_none(media.get("width")),
            height=count_or_none(media.get("height")),
        )

    def _tweet(self, tweet: Mapping[str, Any], line: _Line) -> None:
        tid = str(tweet["id"])
        if tid in line.posts:
            return
        get = tweet.get
        author = get("author_id") or (get("author") or {}).get("id")
        if not author:
            raise ShapeError(f"tweet {tid} has no author_id")
        if "author" in tweet or "in_reply_to_user" in tweet:  # flattened: the users themselves
            for key in ("author", "in_reply_to_user"):
                if isinstance(tweet.get(key), dict) and "id" in tweet[key]:
                    self._user(tweet[key], line)
        history = list(map(str, get("edit_history_tweet_ids") or [tid]))
        post_id = history[0]
        created_text = get("created_at")
        created = _cached_time(created_text) if isinstance(created_text, str) else None
        refs = []
        for ref in get("referenced_tweets") or []:
            target = str(ref["id"])
            if _is_tweet(ref):  # flattened: the referenced tweet itself
                line.tweets.setdefault(target, ref)
                self._tweet(ref, line)
            if ref.get("type") == "replied_to":
                target_author = tweet.get("in_reply_to_user_id")
            else:
                target_author = (line.tweets.get(target) or {}).get("author_id")
            target_author = str(target_author) if target_author is not None else None
            refs.append(ReferenceRecord(str(ref.get("type")), target, target_author))
        entities = get("entities") or {}
        mentions = []
        for m in entities.get("mentions") or []:
            handle = str(m.get("username") or "")
            mid = str(m["id"]) if m.get("id") else None
            if mid and ("name" in m or "created_at" in m):  # flattened: the full user
                self._user(m, line)
            elif mid:
                line.account(AccountRecord(mid, handle, line.seen, False))  # not a profile
            if handle:
                mentions.append(MentionRecord(handle, mid))
        attachments = get("attachments") or {}
        for media in attachments.get("media") or []:  # flattened
            if isinstance(media, dict) and "media_key" in media:
                self._media(media, line)
        keys = tuple(map(str, attachments.get("media_keys") or ()))
        for key in keys:
            if key not in line.media:
                kind = _MEDIA_KINDS.get(key.split("_", 1)[0], "photo")
                line.media[key] = MediaRecord(key, kind, line.seen)
        kind = "original"
        if refs:  # most tweets reference nothing: skip the set and the search
            types = {r.kind for r in refs}
            kind = next((k for t, k in _REF_KIND_ORDER if t in types), "original")
        line.posts[tid] = PostRecord(  # positional, in field order: a third faster
            post_id,
            str(author),
            line.seen,
            tid,
            created if post_id == tid else snowflake_time(post_id) or created,
            created,
            len(history) > 1,
            len(history),
            text_or_none(get("text")),
            text_or_none(get("lang")),
            kind,
            text_or_none(get("conversation_id")),
            f"https://twitter.com/i/web/status/{tid}",
            _countries(tweet) if "withheld" in tweet else None,
            _unique(refs),
            _unique(mentions),
            _unique(keys),
            x_links(entities) if "urls" in entities else (),
        )
