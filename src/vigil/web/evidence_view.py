"""The evidence on an account page: posts with highlighted spans, stored media, bank matches
side by side, confirmed neighbours and resurgence links. Media is referenced only by the
sha256 of a file in Vigil's own store; a platform URL is never handed to the browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import (
    Account,
    BankHash,
    Follow,
    HashBank,
    ListEntry,
    ListKind,
    ListStatus,
    Media,
    MediaMatch,
    Platform,
    Post,
    PostMedia,
    Signal,
)
from vigil.model import detection as _detection

__all__ = ["LinkView", "MatchView", "MediaView", "NeighbourView", "PostView", "account_evidence"]

RECENT_POSTS = 20
_VIDEO = {"video", "animated_gif", "gifv"}


@dataclass(frozen=True, slots=True)
class MediaView:
    """`src` is a /media/ path or None when Vigil holds no copy (then nothing is loaded)."""

    id: int
    kind: str
    src: str | None

    @property
    def is_video(self) -> bool:
        return self.kind in _VIDEO


@dataclass(slots=True)
class PostView:
    post: Post
    spans: list[list[Any]] = field(default_factory=list)
    counter_spans: list[list[Any]] = field(default_factory=list)
    media: list[MediaView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MatchView:
    id: int
    media: MediaView
    bank: str
    item: str
    label: str | None
    distance: int
    threshold: int
    variant: str
    bank_media: MediaView | None


@dataclass(frozen=True, slots=True)
class NeighbourView:
    account_id: int
    platform: str
    handle: str
    relation: str
    criterion: str | None


@dataclass(frozen=True, slots=True)
class LinkView:
    account_id: int
    platform: str
    handle: str
    how: str
    confidence: float | None
    status: str | None


@dataclass(slots=True)
class Evidence:
    posts: list[PostView]
    matches: list[MatchView]
    neighbours: list[NeighbourView]
    links: list[LinkView]


def media_view(media: Media) -> MediaView:
    stored = bool(media.sha256 and media.local_path)
    return MediaView(media.id, media.kind, f"/media/{media.sha256}" if stored else None)


def _spans(signals: dict[str, Signal]) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    text = signals.get("text")
    evidence: dict[str, Any] = (text.evidence or {}) if text else {}
    spans = evidence.get("spans") or {}
    counter = (evidence.get("counter") or {}).get("spans") or {}
    return (
        spans if isinstance(spans, dict) else {},
        counter if isinstance(counter, dict) else {},
    )


def _posts(session: Session, account_id: int, signals: dict[str, Signal]) -> list[PostView]:
    spans, counter = _spans(signals)
    cited = [int(k) for k in list(spans)[:RECENT_POSTS] if str(k).isdigit()]
    recent = sa.select(Post).where(Post.account_id == account_id)
    recent = recent.order_by(Post.created_at.desc().nulls_last(), Post.id.desc())
    posts = {p.id: p for p in session.scalars(recent.limit(RECENT_POSTS))}
    if cited:
        stmt = sa.select(Post).where(Post.account_id == account_id, Post.id.in_(cited))
        posts.update({p.id: p for p in session.scalars(stmt)})
    views = {
        pid: PostView(p, spans.get(str(pid)) or [], counter.get(str(pid)) or [])
        for pid, p in posts.items()
    }
    if views:
        attached = (
            sa.select(PostMedia.post_id, Media)
            .join(Media, Media.id == PostMedia.media_id)
            .where(PostMedia.post_id.in_(list(views)))
        )
        for post_id, media in session.execute(attached):
            views[post_id].media.append(media_view(media))
    # Posts the signals cite first (they are why the account is here), then the newest.
    return sorted(
        views.values(),
        key=lambda v: (
            not (v.spans or v.counter_spans),
            -(v.post.created_at or v.post.first_seen).timestamp(),
        ),
    )


def _matches(session: Session, account_id: int) -> list[MatchView]:
    stmt = (
        sa.select(MediaMatch, Media, BankHash, HashBank)
        .join(Media, Media.id == MediaMatch.media_id)
        .join(BankHash, BankHash.id == MediaMatch.bank_hash_id)
        .join(HashBank, HashBank.id == MediaMatch.bank_id)
        .where(
            MediaMatch.media_id.in_(
                sa.select(PostMedia.media_id)
                .join(Post, Post.id == PostMedia.post_id)
                .where(Post.account_id == account_id)
            )
        )
        .order_by(MediaMatch.distance, MediaMatch.id)
        .limit(50)
    )
    out = []
    for match, media, item, bank in session.execute(stmt):
        # The bank holds hashes; a copy of the item's image shows only if Vigil stored one.
        copy = session.scalars(
            sa.select(Media)
            .where(Media.pdq == item.pdq, Media.local_path.is_not(None), Media.id != media.id)
            .limit(1)
        ).first()
        out.append(
            MatchView(
                id=match.id,
                media=media_view(media),
                bank=bank.name,
                item=item.item,
                label=item.label,
                distance=match.distance,
                threshold=bank.threshold,
                variant=match.query_variant,
                bank_media=media_view(copy) if copy else None,
            )
        )
    return out


def _accounts(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    stmt = (
        sa.select(Account.id, Platform.name, Account.handle)
        .join(Platform, Platform.id == Account.platform_id)
        .where(Account.id.in_(list(ids)[:500]))
    )
    return {int(i): (p, h) for i, p, h in session.execute(stmt)}


def _neighbours(
    session: Session, account_id: int, signals: dict[str, Signal]
) -> list[NeighbourView]:
    """Accounts on the blacklist now that this one follows, is followed by, or the network
    signal names; only confirmed accounts are shown, never the rest of the graph."""
    relation: dict[int, str] = {}
    network = signals.get("network")
    for other in ((network.evidence or {}).get("confirmed_neighbours") or []) if network else []:
        if isinstance(other, int):
            relation[other] = "network signal"
    for src, dst in session.execute(
        sa.select(Follow.source_id, Follow.target_id)
        .where(sa.or_(Follow.source_id == account_id, Follow.target_id == account_id))
        .limit(5000)
    ):
        if src == account_id:
            relation[int(dst)] = "follows"
        else:
            relation.setdefault(int(src), "follower")
    if not relation:
        return []
    stmt = sa.select(ListEntry.account_id, ListEntry.criterion).where(
        ListEntry.account_id.in_(list(relation)[:5000]),
        ListEntry.kind == ListKind.BLACK,
        ListEntry.status == ListStatus.ACTIVE,
    )
    listed = {int(i): criterion for i, criterion in session.execute(stmt)}
    names = _accounts(session, set(listed))
    return [
        NeighbourView(i, names[i][0], names[i][1], relation[i], listed[i])
        for i in sorted(listed)
        if i in names
    ][:50]


def _links(session: Session, account: Account) -> list[LinkView]:
    """Resurgence links (when the detection model has them) and accounts of the same identity."""
    found: dict[int, tuple[str, float | None, str | None]] = {}
    link_model: Any = getattr(_detection, "AccountLink", None)
    if link_model is not None:
        new_col = getattr(link_model, "new_account_id", None)
        prior_col = getattr(link_model, "prior_account_id", None)
        if new_col is not None and prior_col is not None:
            rows = session.scalars(
                sa.select(link_model)
                .where(sa.or_(new_col == account.id, prior_col == account.id))
                .limit(50)
            )
            for row in rows:
                earlier = row.new_account_id == account.id
                other = int(row.prior_account_id if earlier else row.new_account_id)
                side = "earlier account" if earlier else "later account"
                how = f"{side} ({getattr(row, 'method', 'resurgence')})"
                conf = getattr(row, "confidence", None)
                found[other] = (
                    how,
                    float(conf) if conf is not None else None,
                    getattr(row, "status", None),
                )
    if account.identity_id is not None:
        same = session.scalars(
            sa.select(Account.id)
            .where(Account.identity_id == account.identity_id, Account.id != account.id)
            .limit(50)
        )
        for other in same:
            found.setdefault(int(other), ("same identity", None, None))
    names = _accounts(session, set(found))
    return [
        LinkView(i, names[i][0], names[i][1], how, conf, status)
        for i, (how, conf, status) in found.items()
        if i in names
    ]


def account_evidence(session: Session, account: Account, signals: dict[str, Signal]) -> Evidence:
    return Evidence(
        posts=_posts(session, account.id, signals),
        matches=_matches(session, account.id),
        neighbours=_neighbours(session, account.id, signals),
        links=_links(session, account),
    )
