"""X API v2 shapes (users, tweets, media, errors, twarc2 pages) rendered from the world's records.

Shapes are copied from real twarc2 output so importers and monitors see what X really sends.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from vigil.sim.world import SimAccount, SimMedia, SimPost

__all__ = [
    "DEFAULT_AVATAR_URL",
    "NOT_FOUND_TYPE",
    "TWARC_VERSION",
    "X_MEDIA_BASE",
    "api_body",
    "media_json",
    "not_found_error",
    "page",
    "suspended_error",
    "tweet_json",
    "tweet_versions",
    "user_json",
    "version_id",
    "x_time",
]

X_MEDIA_BASE = "https://pbs.twimg.sim"
DEFAULT_AVATAR_URL = (
    "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
)
NOT_FOUND_TYPE = "https://api.twitter.com/2/problems/resource-not-found"
TWARC_VERSION = "2.14.0"
_TWEPOCH_MS = 1288834974657
_EDIT_WINDOW = timedelta(minutes=30)
_MAX_EDITS = 5
_HASHTAG = re.compile(r"(?<![\w&])[#＃](\w+)")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def x_time(dt: datetime) -> str:
    """X's timestamp form: ``2015-01-01T00:00:00.000Z`` (milliseconds always written)."""
    # isoformat truncates to milliseconds as X does, at a fraction of strftime's cost.
    return _utc(dt).isoformat(timespec="milliseconds")[:23] + "Z"


def _tco(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return "https://t.co/" + base64.b64encode(digest, altchars=b"Ab").decode()[:10]


def _display_url(url: str) -> str:
    bare = re.sub(r"^https?://(www\.)?", "", url)
    return bare if len(bare) <= 26 else bare[:25] + "…"


def version_id(post: SimPost, i: int) -> str:
    """Tweet id of version ``i`` of a post: 0 is the post's own id, later ones are snowflakes.

    Later ids are built like X's (milliseconds since the Twitter epoch, shifted by 22 bits)
    from the edit's time, with low bits from a hash so they are stable and distinct.
    """
    if i == 0:
        return post.id
    when = post.edits[i - 1][0]
    ms = max(0, int(_utc(when).timestamp() * 1000) - _TWEPOCH_MS)
    low = int.from_bytes(hashlib.sha256(f"{post.id}:{i}".encode()).digest()[:3], "big")
    return str((ms << 22) | (low & 0x3FFFFF))


def tweet_versions(post: SimPost, as_of: datetime | None = None) -> list[tuple[datetime, str]]:
    """The original plus every edit made by ``as_of`` (all of them when None)."""
    versions = [(post.created_at, post.text)]
    for when, text in post.edits:
        if as_of is None or _utc(when) <= _utc(as_of):
            versions.append((when, text))
    return versions


def _link_urls(text: str, urls: Sequence[str], seed: str) -> tuple[str, list[dict[str, Any]]]:
    """Replace each URL by a t.co link (appending it when absent), as X rewrites tweet text."""
    entities: list[dict[str, Any]] = []
    for url in urls:
        short = _tco(f"{seed}|{url}")
        at = text.find(url)
        if at < 0:
            text = f"{text} {short}" if text else short
            at = len(text) - len(short)
        else:
            text = text[:at] + short + text[at + len(url) :]
        entities.append(
            {
                "start": at,
                "end": at + len(short),
                "url": short,
                "expanded_url": url,
                "display_url": _display_url(url),
            }
        )
    return text, entities


def _mentions(
    text: str, ids: Sequence[str], accounts: Mapping[str, SimAccount] | None
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if accounts is not None:
        for account_id in ids:
            acc = accounts.get(account_id)
            if acc is None:
                continue
            m = re.search(rf"(?<![\w@])@{re.escape(acc.handle)}(?!\w)", text, re.IGNORECASE)
            if m:
                found.append(
                    {"start": m.start(), "end": m.end(), "username": acc.handle, "id": acc.id}
                )
        return sorted(found, key=lambda e: int(e["start"]))
    # Without an index, the text's @names are paired with the mention ids in order.
    for m, account_id in zip(_MENTION.finditer(text), ids, strict=False):
        found.append({"start": m.start(), "end": m.end(), "username": m.group(1), "id": account_id})
    return found


def tweet_json(
    post: SimPost,
    version: int = -1,
    *,
    as_of: datetime | None = None,
    author: SimAccount | None = None,
    accounts: Mapping[str, SimAccount] | None = None,
    ref_author_id: str | None = None,
) -> dict[str, Any]:
    """One tweet object (all tweet.fields) for one version of a post.

    ``version`` indexes the original plus its edits (-1: the latest made by ``as_of``);
    ``edit_history_tweet_ids`` lists every version visible at ``as_of``.
    ``accounts`` resolves mention ids to usernames; ``ref_author_id`` fills
    ``in_reply_to_user_id`` for replies.
    """
    versions = tweet_versions(post, as_of)
    index = version if version >= 0 else len(versions) + version
    if not 0 <= index < len(versions):
        raise IndexError(f"post {post.id} has no version {version}")
    when, raw_text = versions[index]
    tid = version_id(post, index)
    text, url_entities = _link_urls(raw_text, post.urls, tid)
    username = author.handle if author is not None else "i"
    if post.media_keys:
        # X gives all photos of a tweet one shared t.co link at the end of the text.
        short = _tco(f"{tid}|media")
        text = f"{text} {short}" if text else short
        start = len(text) - len(short)
        for n, key in enumerate(post.media_keys, start=1):
            url_entities.append(
                {
                    "start": start,
                    "end": start + len(short),
                    "url": short,
                    "expanded_url": f"https://twitter.com/{username}/status/{tid}/photo/{n}",
                    "display_url": "pic.twitter.com/" + short.rsplit("/", 1)[1],
                    "media_key": key,
                }
            )
    entities: dict[str, Any] = {}
    if url_entities:
        entities["urls"] = url_entities
    tags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(text)
    ]
    if tags:
        entities["hashtags"] = tags
    mentions = _mentions(text, post.mentions, accounts)
    if mentions:
        entities["mentions"] = mentions

    tweet: dict[str, Any] = {
        "id": tid,
        "text": text,
        "edit_history_tweet_ids": [version_id(post, i) for i in range(len(versions))],
        "author_id": post.author_id,
        "created_at": x_time(when),
        "conversation_id": post.ref_id if post.kind == "reply" and post.ref_id else tid,
        "lang": post.lang,
        "possibly_sensitive": False,
        "reply_settings": "everyone",
        "source": "Twitter Web App",
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
        "edit_controls": {
            "edits_remaining": max(0, _MAX_EDITS - (len(versions) - 1)),
            "is_edit_eligible": post.kind != "retweet",
            "editable_until": x_time(post.created_at + _EDIT_WINDOW),
        },
    }
    if entities:
        tweet["entities"] = entities
    if post.media_keys:
        tweet["attachments"] = {"media_keys": list(post.media_keys)}
    if post.ref_id:
        kind = {"retweet": "retweeted", "quote": "quoted", "reply": "replied_to"}.get(post.kind)
        if kind:
            tweet["referenced_tweets"] = [{"type": kind, "id": post.ref_id}]
    if post.kind == "reply" and ref_author_id:
        tweet["in_reply_to_user_id"] = ref_author_id
    return tweet


def _profile_image(acc: SimAccount, media_base: str) -> str:
    if not acc.avatar_media:
        return DEFAULT_AVATAR_URL
    return f"{media_base}/profile_images/{acc.avatar_media}_normal.jpg"


def user_json(
    acc: SimAccount,
    *,
    tweet_count: int | None = None,
    media_base: str = X_MEDIA_BASE,
) -> dict[str, Any]:
    """One user object with every common user.field.

    ``tweet_count`` defaults to an estimate from ``posts_per_day`` over a year, because
    the world is a sample and the profile counts the account's whole history.
    """
    if tweet_count is None:
        tweet_count = round(acc.posts_per_day * 365)
    user: dict[str, Any] = {
        "id": acc.id,
        "name": acc.display_name,
        "username": acc.handle,
        "created_at": x_time(acc.created_at),
        "description": acc.bio,
        "location": acc.location,
        "url": "",
        "protected": acc.protected,
        "verified": acc.verified,
        "profile_image_url": _profile_image(acc, media_base),
        "public_metrics": {
            "followers_count": acc.followers_count,
            "following_count": acc.following_count,
            "tweet_count": tweet_count,
            "listed_count": acc.followers_count // 150,
        },
    }
    entities: dict[str, Any] = {}
    if acc.url:
        short = _tco(f"user|{acc.id}|{acc.url}")
        user["url"] = short
        entities["url"] = {
            "urls": [
                {
                    "start": 0,
                    "end": len(short),
                    "url": short,
                    "expanded_url": acc.url,
                    "display_url": _display_url(acc.url),
                }
            ]
        }
    desc: dict[str, Any] = {}
    tags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(acc.bio)
    ]
    if tags:
        desc["hashtags"] = tags
    names = [
        {"start": m.start(), "end": m.end(), "username": m.group(1)}
        for m in _MENTION.finditer(acc.bio)
    ]
    if names:
        desc["mentions"] = names
    if desc:
        entities["description"] = desc
    if entities:
        user["entities"] = entities
    return user


def media_json(m: SimMedia, *, media_base: str = X_MEDIA_BASE) -> dict[str, Any]:
    """One ``includes.media`` object for a photo."""
    ext = m.file.rsplit(".", 1)[-1] if "." in m.file else "jpg"
    return {
        "media_key": m.key,
        "type": "photo",
        "url": f"{media_base}/media/{m.key}.{ext}",
        "width": m.width,
        "height": m.height,
    }


def suspended_error(acc: SimAccount, parameter: str, value: str) -> dict[str, Any]:
    """X's error for a suspended user, keyed like the real one.

    X echoes the value that was asked for (an id when looked up by id, a username when by
    username), not always the handle; ``acc`` only confirms whom it concerns.
    """
    del acc
    return {
        "parameter": parameter,
        "resource_id": value,
        "value": value,
        "detail": f"User has been suspended: [{value}].",
        "title": "Forbidden",
        "resource_type": "user",
        "type": NOT_FOUND_TYPE,
    }


def not_found_error(parameter: str, value: str, *, resource_type: str = "user") -> dict[str, Any]:
    """X's error for an id or username that does not exist (``resource_type`` user or tweet)."""
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": NOT_FOUND_TYPE,
    }


def api_body(
    data: Any = None,
    users: Sequence[dict[str, Any]] = (),
    tweets: Sequence[dict[str, Any]] = (),
    media: Sequence[dict[str, Any]] = (),
    errors: Sequence[dict[str, Any]] = (),
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A response body as the API sends it; empty parts are left out as X leaves them out."""
    body: dict[str, Any] = {}
    if data is not None and data != []:
        body["data"] = data
    includes: dict[str, Any] = {}
    if users:
        includes["users"] = list(users)
    if tweets:
        includes["tweets"] = list(tweets)
    if media:
        includes["media"] = list(media)
    if includes:
        body["includes"] = includes
    if errors:
        body["errors"] = list(errors)
    if meta is not None:
        body["meta"] = meta
    return body


def page(
    data: Any,
    users: Sequence[dict[str, Any]],
    tweets: Sequence[dict[str, Any]],
    media: Sequence[dict[str, Any]],
    errors: Sequence[dict[str, Any]],
    meta: dict[str, Any] | None,
    url: str,
    retrieved_at: datetime,
) -> dict[str, Any]:
    """One twarc2 JSONL line: the API body plus twarc's ``__twarc`` block."""
    body = api_body(data, users, tweets, media, errors, meta)
    body["__twarc"] = {
        "url": url,
        "version": TWARC_VERSION,
        "retrieved_at": _utc(retrieved_at).replace(microsecond=0).isoformat(),
    }
    return body
