"""Mastodon API entities saved to files (what the simulator writes), turned into records.

A line (or a whole pretty-printed document) holds a Status, an Account, an array of either
(a timeline or follower page) or a v2 search answer (``accounts``, ``statuses``). Ids are
those of the instance that answered, so records belong to ``mastodon:<instance>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from vigil.model import AccountStatus
from vigil.platforms.links import mastodon_links
from vigil.platforms.records import (
    AccountRecord,
    MediaRecord,
    MentionRecord,
    PlatformSpec,
    PostRecord,
    Record,
    ReferenceRecord,
    ShapeError,
    StatusRecord,
    count_or_none,
    text_or_none,
)
from vigil.platforms.x_files import parse_time

__all__ = ["MastodonLineParser", "html_text", "infer_instance", "mastodon_platform"]

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH = re.compile(r"</p>\s*<p[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_KIND_ORDER = (("retweeted", "retweet"), ("quoted", "quote"), ("replied_to", "reply"))


def mastodon_platform(instance: str) -> PlatformSpec:
    """The platform of one instance's API: ids are only unique within it."""
    host = instance.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    return PlatformSpec(name=f"mastodon:{host}", kind="mastodon", base_url=f"https://{host}")


def html_text(value: str | None) -> str:
    """Mastodon's HTML (paragraphs, breaks, links with hidden parts) as plain text."""
    if not value:
        return ""
    text = _PARAGRAPH.sub("\n\n", _BREAK.sub("\n", value))
    return html.unescape(_TAG.sub("", text)).strip()


def _is_status(item: Mapping[str, Any]) -> bool:
    return "id" in item and "content" in item and isinstance(item.get("account"), dict)


def _is_account(item: Mapping[str, Any]) -> bool:
    return "id" in item and "acct" in item and "username" in item


def _items(obj: Any) -> list[Any]:
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict) and "id" not in obj and ("accounts" in obj or "statuses" in obj):
        return [*(obj.get("accounts") or []), *(obj.get("statuses") or [])]
    return [obj]


def _accounts_in(obj: Any) -> Iterator[Mapping[str, Any]]:
    for item in _items(obj):
        if not isinstance(item, dict):
            continue
        if _is_account(item):
            yield item
        elif _is_status(item):
            yield item["account"]
            if isinstance(item.get("reblog"), dict):
                yield from _accounts_in(item["reblog"])


def infer_instance(obj: Any) -> str | None:
    """The answering instance, from a local account's profile URL (its acct has no domain)."""
    for account in _accounts_in(obj):
        acct, url = str(account.get("acct") or ""), account.get("url")
        if "@" not in acct and isinstance(url, str):
            host = urlsplit(url).hostname
            if host:
                return host
    return None


class MastodonLineParser:
    """Turns one parsed line into records; raises `ShapeError` for unknown shapes.

    Mastodon entities carry no retrieval time: `seen_at` dates them (the file's time).
    """

    def __init__(self, *, seen_at: datetime) -> None:
        self.seen_at = seen_at

    def __call__(self, obj: Any) -> list[Record]:
        if not isinstance(obj, dict | list):
            raise ShapeError("neither a JSON object nor an array")
        self._accounts: dict[str, AccountRecord] = {}
        self._posts: dict[str, PostRecord] = {}
        self._media: dict[str, MediaRecord] = {}
        self._statuses: list[Record] = []
        for item in _items(obj):
            if not isinstance(item, dict):
                raise ShapeError("an item is not a JSON object")
            if _is_status(item):
                self._status(item)
            elif _is_account(item):
                self._account(item)
            else:
                raise ShapeError("neither a Mastodon status nor an account")
        return [
            *self._accounts.values(),
            *self._media.values(),
            *self._posts.values(),
            *self._statuses,
        ]

    def _ref(self, pid: str, handle: str) -> None:
        if pid not in self._accounts:
            self._accounts[pid] = AccountRecord(pid, handle, self.seen_at, complete=False)

    def _account(self, a: Mapping[str, Any]) -> str:
        pid = str(a["id"])
        handle = str(a.get("acct") or a.get("username") or "")
        if a.get("suspended"):
            # A suspended account's profile is blanked by the server: keep the stored one.
            self._ref(pid, handle)
            self._statuses.append(
                StatusRecord(self.seen_at, AccountStatus.SUSPENDED, pid, detail={"suspended": True})
            )
            return pid
        self._accounts[pid] = AccountRecord(
            platform_account_id=pid,
            handle=handle,
            seen_at=self.seen_at,
            display_name=text_or_none(a.get("display_name")),
            bio=html_text(text_or_none(a.get("note"))) or None,
            url=text_or_none(a.get("url")),
            avatar_url=text_or_none(a.get("avatar")),
            protected=bool(a.get("locked")),
            followers_count=count_or_none(a.get("followers_count")),
            following_count=count_or_none(a.get("following_count")),
            posts_count=count_or_none(a.get("statuses_count")),
            created_at=parse_time(a.get("created_at")),
        )
        return pid

    def _status(self, s: Mapping[str, Any]) -> str:
        sid = str(s["id"])
        author = self._account(s["account"])
        refs: list[ReferenceRecord] = []
        reblog = s.get("reblog")
        if isinstance(reblog, dict) and _is_status(reblog):
            refs.append(
                ReferenceRecord("retweeted", self._status(reblog), str(reblog["account"]["id"]))
            )
        quote = s.get("quote")
        quoted = quote.get("quoted_status") if isinstance(quote, dict) else None
        if isinstance(quote, dict) and _is_status(quote):
            quoted = quote  # older servers put the status itself under "quote"
        if isinstance(quoted, dict) and _is_status(quoted):
            refs.append(
                ReferenceRecord("quoted", self._status(quoted), str(quoted["account"]["id"]))
            )
        if s.get("in_reply_to_id"):
            target_account = s.get("in_reply_to_account_id")
            refs.append(
                ReferenceRecord(
                    "replied_to",
                    str(s["in_reply_to_id"]),
                    str(target_account) if target_account else None,
                )
            )
        mentions = []
        for m in s.get("mentions") or []:
            handle = str(m.get("acct") or m.get("username") or "")
            mid = str(m["id"]) if m.get("id") else None
            if mid:
                self._ref(mid, handle)
            if handle:
                mentions.append(MentionRecord(handle, mid))
        keys = []
        for att in s.get("media_attachments") or []:
            key = str(att["id"])
            original = (att.get("meta") or {}).get("original") or {}
            self._media[key] = MediaRecord(
                media_key=key,
                kind=str(att.get("type") or "unknown"),
                seen_at=self.seen_at,
                url=text_or_none(att.get("url") or att.get("remote_url")),
                width=count_or_none(original.get("width")),
                height=count_or_none(original.get("height")),
            )
            keys.append(key)
        created = parse_time(s.get("created_at"))
        edited = parse_time(s.get("edited_at"))
        text = html_text(text_or_none(s.get("content")))
        if s.get("spoiler_text"):
            text = f"{s['spoiler_text']}\n\n{text}".strip()
        types = {r.kind for r in refs}
        self._posts[sid] = PostRecord(
            platform_post_id=sid,
            account_id=author,
            seen_at=self.seen_at,
            # An unedited status is its own first version; an edit is named by its time.
            version_id=f"{sid}@{edited.isoformat()}" if edited else sid,
            created_at=created,
            version_created_at=edited or created,
            edited=edited is not None,
            text=text,
            lang=text_or_none(s.get("language")),
            kind=next((k for t, k in _KIND_ORDER if t in types), "original"),
            url=text_or_none(s.get("url") or s.get("uri")),
            references=tuple(dict.fromkeys(refs)),
            mentions=tuple(dict.fromkeys(mentions)),
            media_keys=tuple(dict.fromkeys(keys)),
            links=mastodon_links(s.get("content"), s.get("card")),
        )
        return sid
