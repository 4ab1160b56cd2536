"""Installments as threads of posts within each network's limit, counted the network's way:
Mastodon 500 graphemes with every URL as 23; Bluesky 300 graphemes (and 3000 bytes)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BLUESKY_LIMIT",
    "MASTODON_LIMIT",
    "ThreadPost",
    "bluesky_length",
    "graphemes",
    "installment_lines",
    "mastodon_length",
    "retraction_text",
    "split_thread",
]

MASTODON_LIMIT = 500
BLUESKY_LIMIT = 300
_BLUESKY_BYTES = 3000
_URL_LENGTH = 23
_URL = re.compile(r"https?://[^\s<>\"]+", re.I)
_ZWJ = "\u200d"


def _extends(ch: str, prev: str) -> bool:
    """Whether `ch` continues the grapheme cluster `prev` ended (extended clusters, simplified)."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) in {"Mn", "Me", "Mc"}
        or ch == _ZWJ
        or prev == _ZWJ
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tones
        or 0xE0020 <= cp <= 0xE007F  # emoji tag sequences
        or (prev == "\r" and ch == "\n")
    )


def graphemes(text: str) -> int:
    """User-perceived characters; regional-indicator pairs (flags) count once."""
    count = 0
    prev = ""
    ri_run = 0
    for ch in text:
        is_ri = 0x1F1E6 <= ord(ch) <= 0x1F1FF
        if is_ri and ri_run % 2 == 1:
            ri_run += 1
        elif prev and _extends(ch, prev):
            pass
        else:
            count += 1
            ri_run = 1 if is_ri else 0
        prev = ch
    return count


def mastodon_length(text: str) -> int:
    """Mastodon's count: every URL is 23 characters whatever its length."""
    urls = _URL.findall(text)
    return graphemes(_URL.sub("", text)) + _URL_LENGTH * len(urls)


def bluesky_length(text: str) -> int:
    """Bluesky's count: graphemes, but a post over 3000 bytes is refused too."""
    size = graphemes(text)
    return size if len(text.encode()) <= _BLUESKY_BYTES else _BLUESKY_BYTES + 1


@dataclass(slots=True)
class ThreadPost:
    text: str
    entry_ids: list[int] = field(default_factory=list)


def _line(item: dict[str, Any]) -> str:
    # The profile link identifies the account; no @handle, so the post mentions nobody.
    return f"• {item['criterion']}: {item['profile_url']} ({item['summary']})"


def installment_lines(items: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(int(i["entry_id"]), _line(i)) for i in items]


def _fit(line: str, limit: int, length: Callable[[str], int]) -> str:
    """Shorten a line that alone is over the limit (the summary goes first)."""
    while length(line) > limit and len(line) > 1:
        cut = line[: max(1, len(line) - max(1, length(line) - limit) - 1)]
        line = cut.rstrip() + "…"
    return line


def split_thread(
    header: str, lines: list[tuple[int, str]], limit: int, length: Callable[[str], int]
) -> list[ThreadPost]:
    """Greedy packing: the header opens the first post, lines are never split across posts."""
    posts = [ThreadPost(_fit(header, limit, length))]
    for entry_id, raw in lines:
        line = _fit(raw, limit, length)
        current = posts[-1]
        candidate = f"{current.text}\n{line}"
        if length(candidate) > limit:
            posts.append(ThreadPost(line, [entry_id]))
        else:
            current.text = candidate
            current.entry_ids.append(entry_id)
    return posts


def retraction_text(item: dict[str, Any], org: str) -> str:
    return (
        f"Retraction: {item['profile_url']} is removed from the {org} list after review "
        "(whitelisted or appeal upheld). It should not have been listed; please disregard "
        "the earlier post."
    )
