"""Listed accounts as the public sees them: handle, profile link, criterion and a short
evidence summary, built from blacklist rows; never the reviewer, never the reviewer's note."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import Account, Decision, ListEntry, Platform, Post, Signal

__all__ = [
    "EntryView",
    "confirmed_entries",
    "entry_views",
    "evidence_post_ids",
    "profile_url",
    "safe_text",
    "whitelisted_accounts",
]

_SUMMARY_SIGNALS = 3
_CHUNK = 500  # entries per batch of queries


def safe_text(value: str | None, limit: int = 200) -> str:
    """Attacker-written text made inert for display: no control or format characters
    (bidi overrides, zero-width joiners), whitespace collapsed, length bounded."""
    if not value:
        return ""
    kept = "".join(
        " " if unicodedata.category(ch) in {"Cc", "Zl", "Zp"} else ch
        for ch in value
        if unicodedata.category(ch) != "Cf"
    )
    text = " ".join(kept.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class EntryView:
    """One blacklist entry for publication; `to_public` is what leaves Vigil."""

    entry_id: int
    account_id: int
    platform: str
    platform_kind: str
    platform_account_id: str
    handle: str
    profile_url: str
    criterion: str
    summary: str
    decision_id: int | None
    listed_at: datetime
    retracted_at: datetime | None
    evidence_posts: tuple[str, ...]  # platform post ids named by the decision

    @property
    def retracted(self) -> bool:
        return self.retracted_at is not None

    def to_public(self) -> dict[str, Any]:
        data = asdict(self)
        data["listed_at"] = self.listed_at.isoformat()
        data["retracted_at"] = self.retracted_at.isoformat() if self.retracted_at else None
        data["evidence_posts"] = list(self.evidence_posts)
        return data


def profile_url(platform: Platform, account: Account) -> str:
    """The account's page, by its stable id where the network allows it."""
    handle = quote(account.handle or "", safe="@._-")
    if platform.kind == "x":
        return f"https://x.com/i/user/{quote(account.platform_account_id)}"
    if platform.kind == "bluesky":
        return f"https://bsky.app/profile/{quote(account.platform_account_id, safe=':')}"
    if platform.kind == "mastodon":
        host = platform.name.partition(":")[2] or "mastodon.invalid"
        base = (platform.base_url or f"https://{host}").rstrip("/")
        return f"{base}/@{handle}"
    base = (platform.base_url or f"https://{platform.name}").rstrip("/")
    return f"{base}/{handle}"


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _refs(decision: Decision | None) -> list[str]:
    """The post references a decision's evidence names (internal ids or platform ids)."""
    ev = (decision.evidence if decision is not None else None) or {}
    raw = _as_list(ev.get("post_ids")) or _as_list(ev.get("posts")) or _as_list(ev.get("statuses"))
    refs = [r.get("id") if isinstance(r, dict) else r for r in raw]
    return [str(r) for r in refs if r is not None]


def _cited_posts(session: Session, cited: dict[int, list[str]]) -> dict[int, list[tuple[int, str]]]:
    """account id -> (post id, platform post id) of the posts any of its references name."""
    names = {n for refs in cited.values() for n in refs}
    if not names:
        return {}
    internal = {int(n) for n in names if n.isdigit()}
    out: dict[int, list[tuple[int, str]]] = {}
    for post_id, pid, account_id in session.execute(
        sa.select(Post.id, Post.platform_post_id, Post.account_id).where(
            Post.account_id.in_(cited),
            sa.or_(Post.id.in_(internal), Post.platform_post_id.in_(names)),
        )
    ):
        out.setdefault(account_id, []).append((post_id, pid))
    return out


def _resolve(refs: list[str], rows: list[tuple[int, str]]) -> list[str]:
    by_internal = {str(i): pid for i, pid in rows}
    platform_ids = {pid for _, pid in rows}
    out: list[str] = []
    for name in refs:
        # A platform id wins over an internal id of the same spelling.
        pid = name if name in platform_ids else by_internal.get(name)
        if pid and pid not in out:
            out.append(pid)
    return out


def evidence_post_ids(session: Session, decision: Decision | None, account_id: int) -> list[str]:
    """Platform ids of the account's posts the decision cites (internal ids or platform ids)."""
    refs = _refs(decision)
    return _resolve(refs, _cited_posts(session, {account_id: refs}).get(account_id, []))


def _summary(decision: Decision | None, posts: int, signals: Sequence[str]) -> str:
    parts: list[str] = []
    ev = (decision.evidence if decision is not None else None) or {}
    if posts:
        parts.append(f"{posts} post{'s' if posts != 1 else ''} cited")
    # The review workflow cites {"posts", "media_matches", "signals"}; older rows other keys.
    media = len(
        _as_list(ev.get("media_matches"))
        or _as_list(ev.get("media_ids"))
        or _as_list(ev.get("media"))
    )
    cited = [safe_text(s, 40) for s in _as_list(ev.get("signals")) if isinstance(s, str)]
    signals = cited[:_SUMMARY_SIGNALS] or signals
    if media:
        parts.append(f"{media} media match{'es' if media != 1 else ''}")
    if signals:
        parts.append("signals: " + ", ".join(signals))
    return "; ".join(parts) or "confirmed on review under the inclusion policy"


def confirmed_entries(session: Session) -> sa.Select[ListEntry]:
    """Blacklist entries that came from a review decision (imports without one never go out)."""
    return sa.select(ListEntry).where(ListEntry.kind == "black", ListEntry.decision_id.is_not(None))


def whitelisted_accounts() -> sa.Select[int]:
    """Accounts with an active whitelist entry: never published or reported, whatever else
    the lists say (a safety net should the two lists ever disagree)."""
    return sa.select(ListEntry.account_id).where(
        ListEntry.kind == "white", ListEntry.status == "active"
    )


def _top_signals(session: Session, account_ids: set[int]) -> dict[int, list[str]]:
    top: dict[int, list[str]] = {}
    for account_id, name in session.execute(
        sa.select(Signal.account_id, Signal.name)
        .where(Signal.account_id.in_(account_ids), Signal.value > 0)
        .order_by(Signal.account_id, Signal.value.desc(), Signal.name)
    ):
        names = top.setdefault(account_id, [])
        if name not in names and len(names) < _SUMMARY_SIGNALS:
            names.append(name)
    return top


def entry_views(session: Session, entries: Iterable[ListEntry]) -> list[EntryView]:
    """Public views of the given entries, in the given order (a few queries per 500)."""
    rows = list(entries)
    platforms = {p.id: p for p in session.scalars(sa.select(Platform))}
    views: list[EntryView] = []
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        account_ids = {e.account_id for e in chunk}
        accounts = {
            a.id: a for a in session.scalars(sa.select(Account).where(Account.id.in_(account_ids)))
        }
        decision_ids = {e.decision_id for e in chunk if e.decision_id is not None}
        decisions = {
            d.id: d
            for d in session.scalars(sa.select(Decision).where(Decision.id.in_(decision_ids)))
        }
        cited: dict[int, list[str]] = {}
        for e in chunk:
            if e.decision_id is not None:
                cited.setdefault(e.account_id, []).extend(_refs(decisions.get(e.decision_id)))
        posts_by_account = _cited_posts(session, cited)
        signals = _top_signals(session, account_ids)
        for e in chunk:
            acc = accounts[e.account_id]
            plat = platforms[acc.platform_id]
            decision = decisions.get(e.decision_id) if e.decision_id is not None else None
            posts = _resolve(_refs(decision), posts_by_account.get(acc.id, []))
            views.append(
                EntryView(
                    entry_id=e.id,
                    account_id=acc.id,
                    platform=plat.name,
                    platform_kind=plat.kind,
                    platform_account_id=acc.platform_account_id,
                    handle=safe_text(acc.handle, 120),
                    profile_url=profile_url(plat, acc),
                    criterion=e.criterion or "unspecified",
                    summary=_summary(decision, len(posts), signals.get(acc.id, [])),
                    decision_id=e.decision_id,
                    listed_at=e.added_at,
                    retracted_at=e.retracted_at if e.status == "retracted" else None,
                    evidence_posts=tuple(posts),
                )
            )
    return views
