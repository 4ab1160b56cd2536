"""Bluesky AppView views (profiles, feed items) as plain JSON, turned into records.

Accounts are named by DID, posts by their ``at://`` URI and versions by CID. A repost is a
post of its own (the repost record's URI) that references the original, as a retweet does.
Only detailed profiles (with counts) are full profiles; the views embedded in posts are
references, so they never blank a profile the store already holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vigil.platforms.links import bluesky_links
from vigil.platforms.records import (
    AccountRecord,
    MediaRecord,
    MentionRecord,
    PostRecord,
    Record,
    ReferenceRecord,
    count_or_none,
    storable,
    text_or_none,
)
from vigil.platforms.x_files import parse_time

__all__ = ["BlueskyViews", "did_of_uri"]

_DETAILED = "app.bsky.actor.defs#profileViewDetailed"


def did_of_uri(uri: str) -> str | None:
    """The repository (author) DID of an ``at://did/collection/rkey`` URI."""
    if not uri.startswith("at://"):
        return None
    did = uri[5:].split("/", 1)[0]
    return did if did.startswith("did:") else None


class BlueskyViews:
    """Collects the records of any number of views seen at one time, without repeats."""

    def __init__(self, seen_at: datetime) -> None:
        self.seen = seen_at
        self._accounts: dict[str, AccountRecord] = {}
        self._posts: dict[str, PostRecord] = {}
        self._media: dict[str, MediaRecord] = {}

    def records(self) -> list[Record]:
        return [*self._accounts.values(), *self._media.values(), *self._posts.values()]

    # -- accounts -------------------------------------------------------------------------

    def profile(self, view: Mapping[str, Any]) -> str:
        """Any profile view; only a detailed one (or one with counts) is a full profile."""
        view = storable(view)  # a server may send NUL characters PostgreSQL refuses
        did, handle = str(view["did"]), str(view.get("handle") or "")
        full = view.get("$type") == _DETAILED or "followersCount" in view
        held = self._accounts.get(did)
        if not full:
            if held is None:
                self._accounts[did] = AccountRecord(did, handle, self.seen, complete=False)
            return did
        self._accounts[did] = AccountRecord(
            platform_account_id=did,
            handle=handle,
            seen_at=self.seen,
            display_name=text_or_none(view.get("displayName")),
            bio=text_or_none(view.get("description")),
            url=text_or_none(view.get("website")),
            avatar_url=text_or_none(view.get("avatar")),
            followers_count=count_or_none(view.get("followersCount")),
            following_count=count_or_none(view.get("followsCount")),
            posts_count=count_or_none(view.get("postsCount")),
            created_at=parse_time(view.get("createdAt")),
        )
        return did

    # -- posts ----------------------------------------------------------------------------

    def feed_item(self, item: Mapping[str, Any]) -> None:
        """One ``feedViewPost``: the post, the reply parent, and the repost if it is one."""
        item = storable(item)  # a server may send NUL characters PostgreSQL refuses
        post = item.get("post")
        if not isinstance(post, dict):
            return
        self.post(post)
        reply = item.get("reply")
        if isinstance(reply, dict) and isinstance(reply.get("parent"), dict):
            parent = reply["parent"]
            if "record" in parent and "author" in parent:
                self.post(parent)
        reason = item.get("reason")
        if isinstance(reason, dict) and str(reason.get("$type", "")).endswith("#reasonRepost"):
            self._repost(reason, post)

    def post(self, view: Mapping[str, Any], record: Mapping[str, Any] | None = None) -> str:
        """A ``postView`` (or an embedded ``viewRecord`` whose record is `record`)."""
        uri = str(view["uri"])
        if uri in self._posts:
            return uri
        author = self.profile(view["author"])
        rec: Mapping[str, Any] = record if record is not None else view.get("record") or {}
        text = str(rec.get("text") or "")
        refs: list[ReferenceRecord] = []
        reply = rec.get("reply")
        if isinstance(reply, dict) and isinstance(reply.get("parent"), dict):
            parent_uri = str(reply["parent"].get("uri") or "")
            if parent_uri:
                refs.append(ReferenceRecord("replied_to", parent_uri, did_of_uri(parent_uri)))
        quoted = _quoted_uri(rec.get("embed"))
        if quoted:
            refs.append(ReferenceRecord("quoted", quoted, did_of_uri(quoted)))
            self._embedded_quote(view.get("embed"))
        keys = self._images(rec.get("embed"), view.get("embed"))
        langs = rec.get("langs") or []
        created = parse_time(rec.get("createdAt")) or parse_time(view.get("indexedAt"))
        kinds = {r.kind for r in refs}
        self._posts[uri] = PostRecord(
            platform_post_id=uri,
            account_id=author,
            seen_at=self.seen,
            version_id=str(view.get("cid") or uri),
            created_at=created,
            version_created_at=created,
            text=text,
            lang=str(langs[0]) if langs else None,
            kind="quote" if "quoted" in kinds else "reply" if "replied_to" in kinds else "original",
            url=_web_url(view),
            references=tuple(refs),
            mentions=_mentions(text, rec.get("facets")),
            media_keys=keys,
            links=bluesky_links(text, rec.get("facets"), rec.get("embed")),
        )
        return uri

    def _repost(self, reason: Mapping[str, Any], post: Mapping[str, Any]) -> None:
        by = reason.get("by")
        if not isinstance(by, dict):
            return
        reposter = self.profile(by)
        original = str(post["uri"])
        uri = str(reason.get("uri") or f"{original}#repost-by-{reposter}")
        when = parse_time(reason.get("indexedAt"))
        self._posts[uri] = PostRecord(
            platform_post_id=uri,
            account_id=reposter,
            seen_at=self.seen,
            version_id=str(reason.get("cid") or uri),
            created_at=when,
            version_created_at=when,
            kind="retweet",
            references=(ReferenceRecord("retweeted", original, did_of_uri(original)),),
        )

    def _embedded_quote(self, embed: object) -> None:
        """The quoted post itself, when the view embeds it (it may be gone: viewNotFound)."""
        if not isinstance(embed, dict):
            return
        inner = embed.get("record")
        if isinstance(inner, dict) and "record" in inner and isinstance(inner["record"], dict):
            inner = inner["record"]  # recordWithMedia nests one level deeper
        if (
            isinstance(inner, dict)
            and str(inner.get("$type", "")).endswith("#viewRecord")
            and isinstance(inner.get("author"), dict)
            and isinstance(inner.get("value"), dict)
        ):
            self.post(inner, record=inner["value"])

    def _images(self, record_embed: object, view_embed: object) -> tuple[str, ...]:
        """Images by blob CID, with the view's full-size URL to fetch them from."""
        blobs = _image_blobs(record_embed)
        views = _image_views(view_embed)
        keys: list[str] = []
        for i, blob in enumerate(blobs):
            ref = (blob.get("image") or {}).get("ref") or {}
            key = str(ref.get("$link") or "")
            if not key:
                continue
            ratio = blob.get("aspectRatio") or {}
            url = views[i].get("fullsize") if i < len(views) else None
            self._media[key] = MediaRecord(
                media_key=key,
                kind="photo",
                seen_at=self.seen,
                url=str(url) if url else None,
                width=count_or_none(ratio.get("width")),
                height=count_or_none(ratio.get("height")),
            )
            keys.append(key)
        return tuple(dict.fromkeys(keys))


def _quoted_uri(embed: object) -> str | None:
    if not isinstance(embed, dict):
        return None
    kind = str(embed.get("$type", ""))
    record = embed.get("record")
    if kind == "app.bsky.embed.recordWithMedia" and isinstance(record, dict):
        record = record.get("record")
    if kind.startswith("app.bsky.embed.record") and isinstance(record, dict):
        uri = record.get("uri")
        return str(uri) if uri else None
    return None


def _image_blobs(embed: object) -> list[dict[str, Any]]:
    if not isinstance(embed, dict):
        return []
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed.get("media")
        if not isinstance(embed, dict):
            return []
    images = embed.get("images")
    return [i for i in images if isinstance(i, dict)] if isinstance(images, list) else []


def _image_views(embed: object) -> list[dict[str, Any]]:
    if not isinstance(embed, dict):
        return []
    if "media" in embed and isinstance(embed["media"], dict):
        embed = embed["media"]
    images = embed.get("images") if isinstance(embed, dict) else None
    return [i for i in images if isinstance(i, dict)] if isinstance(images, list) else []


def _mentions(text: str, facets: object) -> tuple[MentionRecord, ...]:
    """Mention facets: the DID, and the handle as written at the facet's byte range."""
    if not isinstance(facets, list):
        return ()
    raw = text.encode()
    found: list[MentionRecord] = []
    for facet in facets:
        if not isinstance(facet, dict):
            continue
        index = facet.get("index") or {}
        for feature in facet.get("features") or []:
            if not isinstance(feature, dict) or not feature.get("did"):
                continue
            start, end = int(index.get("byteStart", 0)), int(index.get("byteEnd", 0))
            handle = raw[start:end].decode(errors="replace").lstrip("@")
            found.append(MentionRecord(handle or str(feature["did"]), str(feature["did"])))
    return tuple(dict.fromkeys(found))


def _web_url(view: Mapping[str, Any]) -> str | None:
    author = view.get("author") or {}
    handle = author.get("handle") if isinstance(author, dict) else None
    rkey = str(view.get("uri", "")).rsplit("/", 1)[-1]
    return f"https://bsky.app/profile/{handle}/post/{rkey}" if handle and rkey else None
