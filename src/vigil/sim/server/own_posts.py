"""Posts the reporting organisation makes on the sim (Mastodon statuses, Bluesky records):
kept in memory beside the world, with threads by reply reference, length limits enforced."""

from __future__ import annotations

import hashlib
import html
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["OwnPost", "OwnPosts"]

_URL = re.compile(r"https?://[^\s<>\"]+", re.I)
MASTODON_MAX = 500
BLUESKY_MAX = 300
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


def _graphemes(text: str) -> int:
    # Combining marks and joiners extend the previous character (close enough for a sim).
    return sum(
        1
        for i, ch in enumerate(text)
        if unicodedata.category(ch) not in {"Mn", "Me", "Mc"}
        and ch != "\u200d"
        and (i == 0 or text[i - 1] != "\u200d")
        and not 0xFE00 <= ord(ch) <= 0xFE0F
        and not 0x1F3FB <= ord(ch) <= 0x1F3FF
    )


def _tid(n: int) -> str:
    """Bluesky's record key format: 13 base32-sortable characters of a 63-bit number."""
    return "".join(_TID_CHARS[(n >> (5 * i)) & 31] for i in reversed(range(13)))


@dataclass(slots=True)
class OwnPost:
    id: str
    network: str  # mastodon | bluesky
    author: str  # account id or DID
    text: str
    created_at: datetime
    reply_to: str | None = None  # status id or at:// URI
    root: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "network": self.network,
            "author": self.author,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
            "reply_to": self.reply_to,
            "root": self.root,
        }


class OwnPosts:
    """Every post made through the sim's write APIs, by id."""

    def __init__(self) -> None:
        self.posts: dict[str, OwnPost] = {}
        self.keys: dict[str, str] = {}  # Mastodon Idempotency-Key -> status id
        self._ids = itertools.count(900_000_000_000_000_001)

    def mastodon_error(self, text: str, reply_to: str | None, known: bool) -> str | None:
        size = _graphemes(_URL.sub("", text)) + 23 * len(_URL.findall(text))
        if not text.strip():
            return "Validation failed: Text can't be blank"
        if size > MASTODON_MAX:
            return f"Validation failed: Text character limit of {MASTODON_MAX} exceeded"
        if reply_to and not known and reply_to not in self.posts:
            return "Record not found"
        return None

    def add_status(self, author: str, text: str, reply_to: str | None, now: datetime) -> OwnPost:
        post = OwnPost(str(next(self._ids)), "mastodon", author, text, now, reply_to or None)
        self.posts[post.id] = post
        return post

    def status_html(self, post: OwnPost) -> str:
        lines = html.escape(post.text).split("\n")
        return "<p>" + "<br />".join(lines) + "</p>"

    def status_entity(
        self, post: OwnPost, base: str, account: dict[str, Any], created_at: str
    ) -> dict[str, Any]:
        """The Mastodon Status entity of one of the organisation's statuses."""
        parent = self.posts.get(post.reply_to or "")
        return {
            "id": post.id,
            "created_at": created_at,
            "in_reply_to_id": post.reply_to,
            "in_reply_to_account_id": parent.author if parent else None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": "en",
            "uri": f"{base}/users/vigil/statuses/{post.id}",
            "url": f"{base}/@vigil/{post.id}",
            "replies_count": sum(1 for p in self.posts.values() if p.reply_to == post.id),
            "reblogs_count": 0,
            "favourites_count": 0,
            "content": self.status_html(post),
            "reblog": None,
            "account": account,
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        }

    def bluesky_error(self, record: dict[str, Any]) -> str | None:
        text = str(record.get("text") or "")
        if _graphemes(text) > BLUESKY_MAX or len(text.encode()) > 3000:
            return (
                "Invalid app.bsky.feed.post record: "
                f"text must not be longer than {BLUESKY_MAX} graphemes"
            )
        reply = record.get("reply")
        if reply is not None:
            parent = str((reply.get("parent") or {}).get("uri") or "")
            if not parent.startswith("at://"):
                return "Invalid app.bsky.feed.post record: reply/parent must be a strongRef"
        return None

    def add_record(
        self, did: str, collection: str, record: dict[str, Any], rkey: str | None = None
    ) -> OwnPost | None:
        """The new record, or None when the client-chosen `rkey` is taken (a retry)."""
        # A TID from the counter: distinct for every post (a cut prefix once made them collide).
        uri = f"at://{did}/{collection}/{rkey or _tid(next(self._ids))}"
        if uri in self.posts:
            return None
        reply = record.get("reply") or {}
        post = OwnPost(
            uri,
            "bluesky",
            did,
            str(record.get("text") or ""),
            datetime.now(UTC),
            reply_to=(reply.get("parent") or {}).get("uri"),
            root=(reply.get("root") or {}).get("uri"),
            extra={
                "record": record,
                "cid": "bafyrei" + hashlib.sha256(uri.encode()).hexdigest()[:52],
            },
        )
        self.posts[uri] = post
        return post

    def by_author(self, author: str) -> list[OwnPost]:
        return [p for p in self.posts.values() if p.author == author]
