"""Bluesky (atproto AppView) views rendered from the world's records: DIDs, profiles, feed items.

Identifiers (DID, handle, record key, CID) are derived deterministically so the same
world always yields the same at:// URIs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from vigil.sim.render_x import tweet_versions
from vigil.sim.world import SimAccount, SimMedia, SimPost

__all__ = [
    "BSKY_CDN",
    "HANDLE_SUFFIX",
    "bsky_handle",
    "bsky_time",
    "cid_for",
    "did_for",
    "feed_view_post",
    "post_uri",
    "post_view",
    "profile_basic",
    "profile_json",
    "rkey_for",
]

HANDLE_SUFFIX = ".bsky.sim"
BSKY_CDN = "https://cdn.bsky.sim"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_URL = re.compile(r"https?://[^\s<>\"]+")


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def bsky_time(dt: datetime) -> str:
    """atproto datetime: ``2024-01-01T00:00:00.000Z``."""
    u = _utc(dt)
    return u.strftime("%Y-%m-%dT%H:%M:%S.") + f"{u.microsecond // 1000:03d}Z"


def did_for(acc: SimAccount) -> str:
    """The account's DID: the world's, or did:plc: + 24 base32 chars of sha256(id)."""
    if acc.did:
        return acc.did
    digest = hashlib.sha256(acc.id.encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


def bsky_handle(acc: SimAccount) -> str:
    """A valid domain handle: the handle lower-cased, ``_`` as ``-``, under ``.bsky.sim``."""
    label = re.sub(r"[^a-z0-9-]", "", acc.handle.lower().replace("_", "-")).strip("-")[:63]
    return (label or f"u{acc.id}") + HANDLE_SUFFIX


def rkey_for(post: SimPost) -> str:
    """A TID record key: microseconds since the epoch and a 10-bit clock id, base32-sortable."""
    micros = int(_utc(post.created_at).timestamp() * 1_000_000)
    clock = int.from_bytes(hashlib.sha256(post.id.encode()).digest()[:2], "big") & 0x3FF
    value = (micros << 10) | clock
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def cid_for(data: bytes, *, raw: bool = False) -> str:
    """A CIDv1 string (sha2-256, base32): dag-cbor for records, raw for blobs."""
    codec = 0x55 if raw else 0x71
    digest = hashlib.sha256(data).digest()
    return "b" + base64.b32encode(
        bytes([0x01, codec, 0x12, 0x20]) + digest
    ).decode().lower().rstrip("=")


def post_uri(post: SimPost, author: SimAccount) -> str:
    return f"at://{did_for(author)}/app.bsky.feed.post/{rkey_for(post)}"


def _avatar(acc: SimAccount, media_base: str) -> str | None:
    if not acc.avatar_media:
        return None
    return f"{media_base}/img/avatar/plain/{did_for(acc)}/{acc.avatar_media}@jpeg"


def profile_basic(acc: SimAccount, *, media_base: str = BSKY_CDN) -> dict[str, Any]:
    """app.bsky.actor.defs#profileViewBasic, as embedded in posts."""
    view: dict[str, Any] = {
        "did": did_for(acc),
        "handle": bsky_handle(acc),
        "displayName": acc.display_name,
        "associated": {"chat": {"allowIncoming": "following"}},
        "viewer": {"muted": False, "blockedBy": False},
        "labels": [],
        "createdAt": bsky_time(acc.created_at),
    }
    avatar = _avatar(acc, media_base)
    if avatar:
        view["avatar"] = avatar
    return view


def profile_json(
    acc: SimAccount, *, posts_count: int | None = None, media_base: str = BSKY_CDN
) -> dict[str, Any]:
    """app.bsky.actor.defs#profileViewDetailed."""
    view = profile_basic(acc, media_base=media_base)
    view.update(
        {
            "description": acc.bio,
            "followersCount": acc.followers_count,
            "followsCount": acc.following_count,
            "postsCount": posts_count
            if posts_count is not None
            else round(acc.posts_per_day * 365),
            "indexedAt": bsky_time(acc.created_at),
            "associated": {
                "lists": 0,
                "feedgens": 0,
                "starterPacks": 0,
                "labeler": False,
                "chat": {"allowIncoming": "following"},
            },
        }
    )
    if acc.url:
        view["website"] = acc.url
    return view


def _byte_slice(text: str, start: int, end: int) -> dict[str, int]:
    return {
        "byteStart": len(text[:start].encode()),
        "byteEnd": len(text[:end].encode()),
    }


def _facets(text: str, mentioned: Sequence[SimAccount]) -> list[dict[str, Any]]:
    facets: list[tuple[int, dict[str, Any]]] = []
    for m in _URL.finditer(text):
        feature = {"$type": "app.bsky.richtext.facet#link", "uri": m.group(0)}
        facets.append(
            (m.start(), {"index": _byte_slice(text, m.start(), m.end()), "features": [feature]})
        )
    for m in _HASHTAG.finditer(text):
        feature = {"$type": "app.bsky.richtext.facet#tag", "tag": m.group(1)}
        facets.append(
            (m.start(), {"index": _byte_slice(text, m.start(), m.end()), "features": [feature]})
        )
    for acc in mentioned:
        hit = re.search(rf"(?<![\w@])@{re.escape(acc.handle)}(?!\w)", text, re.IGNORECASE)
        if hit:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did_for(acc)}
            facets.append(
                (
                    hit.start(),
                    {"index": _byte_slice(text, hit.start(), hit.end()), "features": [feature]},
                )
            )
    return [f for _, f in sorted(facets, key=lambda item: item[0])]


def _blob(m: SimMedia) -> dict[str, Any]:
    return {
        "$type": "blob",
        "ref": {"$link": cid_for(m.key.encode(), raw=True)},
        "mimeType": "image/jpeg",
        "size": max(1, m.width * m.height // 8),
    }


def _record(
    post: SimPost,
    text: str,
    media: Sequence[SimMedia],
    mentioned: Sequence[SimAccount],
    ref_strong: dict[str, str] | None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": bsky_time(post.created_at),
        "langs": [post.lang],
    }
    facets = _facets(text, mentioned)
    if facets:
        record["facets"] = facets
    if media:
        record["embed"] = {
            "$type": "app.bsky.embed.images",
            "images": [
                {
                    "alt": "",
                    "image": _blob(m),
                    "aspectRatio": {"width": m.width, "height": m.height},
                }
                for m in media
            ],
        }
    if ref_strong is not None and post.kind == "reply":
        record["reply"] = {"root": ref_strong, "parent": ref_strong}
    elif ref_strong is not None and post.kind == "quote":
        record["embed"] = {"$type": "app.bsky.embed.record", "record": ref_strong}
    return record


def post_view(
    post: SimPost,
    author: SimAccount,
    *,
    ref: SimPost | None = None,
    ref_author: SimAccount | None = None,
    as_of: datetime | None = None,
    media: Sequence[SimMedia] = (),
    mentioned: Sequence[SimAccount] = (),
    media_base: str = BSKY_CDN,
    ref_hidden: bool = False,
) -> dict[str, Any]:
    """app.bsky.feed.defs#postView; a post's latest text visible at ``as_of``.

    ``ref_hidden`` marks a quoted post that is gone (its author taken down): the record
    still points at it, the view says ``viewNotFound`` as the AppView does.
    """
    text = tweet_versions(post, as_of)[-1][1]
    ref_strong: dict[str, str] | None = None
    ref_view: dict[str, Any] | None = None
    if ref is not None and ref_author is not None:
        ref_view = post_view(ref, ref_author, as_of=as_of, media_base=media_base)
        ref_strong = {"uri": ref_view["uri"], "cid": ref_view["cid"]}
    record = _record(post, text, media, mentioned, ref_strong)
    encoded = json.dumps(record, sort_keys=True, ensure_ascii=False).encode()
    view: dict[str, Any] = {
        "uri": post_uri(post, author),
        "cid": cid_for(encoded),
        "author": profile_basic(author, media_base=media_base),
        "record": record,
        "replyCount": 0,
        "repostCount": 0,
        "likeCount": 0,
        "quoteCount": 0,
        "bookmarkCount": 0,
        "indexedAt": bsky_time(post.created_at),
        "viewer": {"threadMuted": False, "embeddingDisabled": False},
        "labels": [],
    }
    did = did_for(author)
    if media:
        view["embed"] = {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "thumb": f"{media_base}/img/feed_thumbnail/plain/{did}/{m.key}@jpeg",
                    "fullsize": f"{media_base}/img/feed_fullsize/plain/{did}/{m.key}@jpeg",
                    "alt": "",
                    "aspectRatio": {"width": m.width, "height": m.height},
                }
                for m in media
            ],
        }
    elif post.kind == "quote" and ref_view is not None and ref_hidden:
        view["embed"] = {
            "$type": "app.bsky.embed.record#view",
            "record": {
                "$type": "app.bsky.embed.record#viewNotFound",
                "uri": ref_view["uri"],
                "notFound": True,
            },
        }
    elif post.kind == "quote" and ref_view is not None:
        view["embed"] = {
            "$type": "app.bsky.embed.record#view",
            "record": {
                "$type": "app.bsky.embed.record#viewRecord",
                "uri": ref_view["uri"],
                "cid": ref_view["cid"],
                "author": ref_view["author"],
                "value": ref_view["record"],
                "labels": [],
                "indexedAt": ref_view["indexedAt"],
            },
        }
    return view


def feed_view_post(
    post: SimPost,
    author: SimAccount,
    *,
    ref: SimPost | None = None,
    ref_author: SimAccount | None = None,
    as_of: datetime | None = None,
    media: Sequence[SimMedia] = (),
    ref_media: Sequence[SimMedia] = (),
    mentioned: Sequence[SimAccount] = (),
    media_base: str = BSKY_CDN,
    ref_hidden: bool = False,
) -> dict[str, Any]:
    """app.bsky.feed.defs#feedViewPost: a repost shows the original with a reasonRepost."""
    if post.kind == "retweet" and ref is not None and ref_author is not None:
        return {
            "post": post_view(ref, ref_author, as_of=as_of, media=ref_media, media_base=media_base),
            "reason": {
                "$type": "app.bsky.feed.defs#reasonRepost",
                "by": profile_basic(author, media_base=media_base),
                "uri": f"at://{did_for(author)}/app.bsky.feed.repost/{rkey_for(post)}",
                "cid": cid_for(post.id.encode()),
                "indexedAt": bsky_time(post.created_at),
            },
        }
    item: dict[str, Any] = {
        "post": post_view(
            post,
            author,
            ref=ref,
            ref_author=ref_author,
            as_of=as_of,
            media=media,
            mentioned=mentioned,
            media_base=media_base,
            ref_hidden=ref_hidden,
        )
    }
    if post.kind == "reply" and ref is not None and ref_author is not None:
        parent = post_view(ref, ref_author, as_of=as_of, media=ref_media, media_base=media_base)
        parent["$type"] = "app.bsky.feed.defs#postView"
        item["reply"] = {"root": parent, "parent": parent}
    return item
