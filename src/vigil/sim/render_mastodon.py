"""Mastodon REST entities (Account, Status, MediaAttachment) rendered from the world's records.

Follows Mastodon 4.x's serializers, including how a suspended account is blanked out.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vigil.sim.render_x import tweet_versions
from vigil.sim.world import Role, SimAccount, SimMedia, SimPost

__all__ = [
    "RenderCache",
    "account_json",
    "attachment_id",
    "content_html",
    "masto_time",
    "media_attachment_json",
    "status_json",
]

_TOKEN = re.compile(
    r"(?P<url>https?://[^\s<>\"]+)|(?<![\w@])@(?P<mention>\w+(?:@[\w.-]+\w)?)|(?<![\w&])#(?P<tag>\w+)"
)

_SCHEME = re.compile(r"(https?://(?:www\.)?)(.*)")
_ESCAPED = re.compile(r"[&<>]")  # what html.escape(..., quote=False) changes


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def masto_time(dt: datetime) -> str:
    """Mastodon's timestamp form: ``2019-12-08T03:48:33.901Z``."""
    # isoformat truncates to milliseconds as ``microsecond // 1000`` does, at a fraction of
    # strftime's cost (hundreds of thousands of statuses are written).
    return _utc(dt).isoformat(timespec="milliseconds")[:23] + "Z"


def _local(acc: SimAccount, base_url: str) -> tuple[str, str]:
    """(profile url, ActivityPub uri) on the account's home server."""
    home = f"https://{acc.instance}" if acc.instance else base_url
    return f"{home}/@{acc.handle}", f"{home}/users/{acc.handle}"


@functools.lru_cache(maxsize=4096)  # outlets' and profiles' links recur in many statuses
def _link(url: str) -> str:
    m = _SCHEME.match(url)
    prefix, rest = (m.group(1), m.group(2)) if m else ("", url)
    shown, hidden = (rest[:30], rest[30:]) if len(rest) > 30 else (rest, "")
    cls = "ellipsis" if hidden else ""
    return (
        f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" translate="no">'
        f'<span class="invisible">{html.escape(prefix)}</span>'
        f'<span class="{cls}">{html.escape(shown)}</span>'
        f'<span class="invisible">{html.escape(hidden)}</span></a>'
    )


def _same(text: str, quote: bool = False) -> str:
    """html.escape for a text that holds none of ``&<>``."""
    return text


def content_html(text: str, base_url: str, mentioned: Sequence[SimAccount] = ()) -> str:
    """Status text as Mastodon's formatter writes it: escaped, linked, in paragraphs."""
    by_name: dict[str, SimAccount] = {}
    if mentioned:
        by_name = {a.handle.lower(): a for a in mentioned}
        by_name.update({a.acct.lower(): a for a in mentioned})
    # Most texts hold nothing to escape; their pieces then need no escaping either.
    escape = html.escape if _ESCAPED.search(text) else _same
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        out.append(escape(text[pos : m.start()], quote=False))
        pos = m.end()
        if m.group("url"):
            out.append(_link(m.group("url")))
        elif m.group("mention"):
            acc = by_name.get(m.group("mention").lower())
            if acc is None:
                out.append(html.escape(m.group(0), quote=False))
                continue
            url, _ = _local(acc, base_url)
            out.append(
                f'<span class="h-card" translate="no"><a href="{url}" class="u-url mention">'
                f"@<span>{html.escape(acc.handle)}</span></a></span>"
            )
        else:
            # A tag is word characters only, none of which html.escape changes.
            tag = m.group("tag")
            out.append(
                f'<a href="{base_url}/tags/{tag.lower()}" class="mention hashtag" '
                f'rel="tag">#<span>{tag}</span></a>'
            )
    out.append(escape(text[pos:], quote=False))
    body = "".join(out)
    if not body.strip():
        return ""
    paragraphs = [p.replace("\n", "<br />") for p in body.split("\n\n") if p.strip()]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _note(bio: str) -> str:
    if not bio.strip():
        return ""
    escaped = html.escape(bio, quote=False).replace("\n", "<br />")
    return f"<p>{escaped}</p>"


def _avatar(acc: SimAccount, base_url: str) -> str:
    if acc.avatar_media:
        return f"{base_url}/media/{acc.avatar_media}.jpg"
    return f"{base_url}/avatars/original/missing.png"


def account_json(
    acc: SimAccount,
    *,
    suspended: bool,
    base_url: str,
    posts_count: int | None = None,
    last_status_at: datetime | None = None,
) -> dict[str, Any]:
    """A Mastodon Account entity.

    A suspended account keeps its id, names and counts but, as Mastodon's serializer does
    for an unavailable account, shows an empty display name and note, default images, no
    fields or emojis, and ``suspended: true``.
    """
    url, uri = _local(acc, base_url)
    missing_header = f"{base_url}/headers/original/missing.png"
    avatar = f"{base_url}/avatars/original/missing.png" if suspended else _avatar(acc, base_url)
    created = _utc(acc.created_at).replace(hour=0, minute=0, second=0, microsecond=0)
    account: dict[str, Any] = {
        "id": acc.id,
        "username": acc.handle,
        "acct": acc.acct,
        "display_name": "" if suspended else acc.display_name,
        "locked": False if suspended else acc.protected,
        "bot": False if suspended else acc.role is Role.BOT,
        "discoverable": not suspended,
        "indexable": not suspended,
        "group": False,
        "created_at": masto_time(created),
        "note": "" if suspended else _note(acc.bio),
        "url": url,
        "uri": uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": missing_header,
        "header_static": missing_header,
        "followers_count": acc.followers_count,
        "following_count": acc.following_count,
        "statuses_count": posts_count
        if posts_count is not None
        else round(acc.posts_per_day * 365),
        "last_status_at": _utc(last_status_at).date().isoformat() if last_status_at else None,
        "hide_collections": False,
        "noindex": False,
        "emojis": [],
        "roles": [],
        "fields": [],
    }
    if suspended:
        account["suspended"] = True
    elif acc.url:
        account["fields"] = [
            {"name": "Website", "value": _link(acc.url), "verified_at": None},
        ]
    return account


def attachment_id(key: str) -> str:
    """A numeric Mastodon id for a media key (X keys already end in a snowflake)."""
    tail = key.rsplit("_", 1)[-1]
    if tail.isdigit():
        return tail
    return str(int.from_bytes(hashlib.sha256(key.encode()).digest()[:7], "big"))


def media_attachment_json(m: SimMedia, *, base_url: str) -> dict[str, Any]:
    """A MediaAttachment entity for an image."""
    ext = m.file.rsplit(".", 1)[-1] if "." in m.file else "jpg"
    url = f"{base_url}/media/{m.key}.{ext}"
    aspect = round(m.width / m.height, 4) if m.height else 1.0
    scale = min(1.0, 640 / max(m.width, m.height, 1))
    small_w, small_h = round(m.width * scale), round(m.height * scale)
    return {
        "id": attachment_id(m.key),
        "type": "image",
        "url": url,
        "preview_url": url,
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {
            "original": {
                "width": m.width,
                "height": m.height,
                "size": f"{m.width}x{m.height}",
                "aspect": aspect,
            },
            "small": {
                "width": small_w,
                "height": small_h,
                "size": f"{small_w}x{small_h}",
                "aspect": aspect,
            },
        },
        "description": None,
        "blurhash": None,
    }


@dataclass
class RenderCache:
    """Renderings a writer of many statuses reuses: each is identical every time it is made.

    Valid for one ``base_url`` over records that do not change while it is used. Accounts
    are keyed by suspension state as well (embedded accounts have no counts or dates that
    vary); embedded originals only when unedited, since ``as_of`` hides later edits.
    """

    accounts: dict[tuple[str, bool], dict[str, Any]] = field(default_factory=dict)
    originals: dict[str, dict[str, Any]] = field(default_factory=dict)


def _embedded_account(
    acc: SimAccount, suspended: bool, base_url: str, cache: RenderCache | None
) -> dict[str, Any]:
    if cache is None:
        return account_json(acc, suspended=suspended, base_url=base_url)
    key = (acc.id, suspended)
    found = cache.accounts.get(key)
    if found is None:
        found = cache.accounts[key] = account_json(acc, suspended=suspended, base_url=base_url)
    return found


def _original(
    ref: SimPost,
    ref_author: SimAccount,
    base_url: str,
    as_of: datetime | None,
    ref_media: Sequence[SimMedia],
    cache: RenderCache | None,
) -> dict[str, Any]:
    """The status a reblog wraps or a quote carries (rendered without its own reference)."""
    if cache is not None and not ref.edits:
        found = cache.originals.get(ref.id)
        if found is not None:
            return found
    inner = status_json(
        ref,
        ref_author,
        base_url=base_url,
        ref=None,
        ref_author=None,
        as_of=as_of,
        media=ref_media,
        cache=cache,
    )
    if cache is not None and not ref.edits:
        cache.originals[ref.id] = inner
    return inner


def status_json(
    post: SimPost,
    author: SimAccount,
    *,
    base_url: str,
    ref: SimPost | None,
    ref_author: SimAccount | None,
    as_of: datetime | None = None,
    media: Sequence[SimMedia] = (),
    ref_media: Sequence[SimMedia] = (),
    mentioned: Sequence[SimAccount] = (),
    author_suspended: bool = False,
    ref_hidden: bool = False,
    cache: RenderCache | None = None,
) -> dict[str, Any]:
    """A Status entity; a retweet becomes a reblog wrapping ``ref``, a quote carries ``quote``.

    ``as_of`` hides edits made later; ``edited_at`` is the last visible edit's time.
    ``ref_hidden`` marks a quoted status that is gone (its author suspended). ``cache``
    lets a caller rendering many statuses reuse the identical parts (see `RenderCache`).
    """
    account = _embedded_account(author, author_suspended, base_url, cache)
    profile_url, author_uri = _local(author, base_url)
    if post.kind == "retweet" and ref is not None and ref_author is not None:
        inner = _original(ref, ref_author, base_url, as_of, ref_media, cache)
        activity = f"{author_uri}/statuses/{post.id}/activity"
        return {
            "id": post.id,
            "created_at": masto_time(post.created_at),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": None,
            "uri": activity,
            "url": activity,
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "content": "",
            "reblog": inner,
            "account": account,
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        }
    versions = tweet_versions(post, as_of)
    text = versions[-1][1]
    status: dict[str, Any] = {
        "id": post.id,
        "created_at": masto_time(post.created_at),
        "in_reply_to_id": post.ref_id if post.kind == "reply" else None,
        "in_reply_to_account_id": ref_author.id if post.kind == "reply" and ref_author else None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": post.lang,
        "uri": f"{author_uri}/statuses/{post.id}",
        "url": f"{profile_url}/{post.id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": masto_time(versions[-1][0]) if len(versions) > 1 else None,
        "favourited": False,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "content": content_html(text, base_url, mentioned),
        "reblog": None,
        "account": account,
        "media_attachments": [media_attachment_json(m, base_url=base_url) for m in media],
        "mentions": [
            {
                "id": a.id,
                "username": a.handle,
                "url": _local(a, base_url)[0],
                "acct": a.acct,
            }
            for a in mentioned
        ],
        "tags": [
            {"name": t.lower(), "url": f"{base_url}/tags/{t.lower()}"}
            for t in dict.fromkeys(post.hashtags)
        ],
        "emojis": [],
        "card": None,
        "poll": None,
    }
    if post.kind == "quote" and (ref_hidden or ref is None):
        status["quote"] = {"state": "deleted", "quoted_status": None}
    elif post.kind == "quote" and ref is not None and ref_author is not None:
        status["quote"] = {
            "state": "accepted",
            "quoted_status": _original(ref, ref_author, base_url, as_of, ref_media, cache),
        }
    return status
