"""Posts with their edit versions, and media rows, written for one batch of records.

A post row shows its latest version. Edited posts keep every version seen in
`PostVersion`; when a post stored unedited turns out to be edited, its stored text is first
kept as the version named by the post's own id, so no text is ever overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, case, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from vigil.model import Media, Post, PostVersion, utcnow
from vigil.model.content import PostUrl
from vigil.platforms.media_link import MediaLinker
from vigil.platforms.merge_sql import earliest, latest, merge_rows, select_in, when_newer
from vigil.platforms.records import MediaRecord, PostRecord

__all__ = ["known_posts", "write_links", "write_media", "write_posts"]

_POST: Table = Post.__table__  # type: ignore[assignment]
_VERSION: Table = PostVersion.__table__  # type: ignore[assignment]
_MEDIA: Table = Media.__table__  # type: ignore[assignment]
_URL: Table = PostUrl.__table__  # type: ignore[assignment]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHUNK = 500
_UNKNOWN_KIND = "unknown"

PostIds = dict[str, tuple[int, int]]  # platform post or version id -> (post row, author row)


def known_posts(session: Session, platform_id: int, ids: Sequence[str]) -> PostIds:
    """Stored posts by platform post id or by the id of one of their versions."""
    found: PostIds = {}
    p = _POST
    fixed = {"platform_id": platform_id}
    columns = ("platform_post_id", "id", "account_id")
    for pid, row_id, author in select_in(session, p, columns, fixed, "platform_post_id", ids):
        found[str(pid)] = (int(row_id), int(author))
    rest = [i for i in ids if i not in found]
    # Two steps, each on an index: SQLite would otherwise walk every post of the platform.
    found_versions = select_in(
        session, _VERSION, ("platform_version_id", "post_id"), {}, "platform_version_id", rest
    )
    versions: dict[Any, Any] = dict(map(tuple, found_versions))
    if versions:
        owners = {
            int(row_id): int(author)
            for row_id, author in select_in(
                session, p, ("id", "account_id"), fixed, "id", sorted(set(versions.values()))
            )
        }
        for vid, post_id in versions.items():
            if int(post_id) in owners:
                found.setdefault(str(vid), (int(post_id), owners[int(post_id)]))
    return found


_POST_COLUMNS = (
    "platform_id",
    "platform_post_id",
    "account_id",
    "created_at",
    "text",
    "lang",
    "kind",
    "conversation_id",
    "url",
    "withheld_in",
    "version_count",
    "first_seen",
    "last_seen",
)


def write_posts(
    session: Session, platform_id: int, posts: Sequence[PostRecord], accounts: Mapping[str, int]
) -> PostIds:
    """Upsert the batch's posts (and versions of edited ones); returns ids by post and version."""
    single: dict[str, PostRecord] = {}
    groups: dict[str, list[PostRecord]] = {}  # posts seen more than once in the batch
    edited_keys: set[str] = set()
    for r in posts:
        key = r.platform_post_id
        held = single.get(key)
        if held is None:
            single[key] = r
        elif key in groups:
            groups[key].append(r)
        else:
            groups[key] = [held, r]
        if r.edited:
            edited_keys.add(key)
    edited = sorted(edited_keys)
    if edited:
        _keep_unedited_text(session, platform_id, edited)
    rows: list[tuple[Any, ...]] = []
    for key in sorted(single):
        g = groups.get(key)
        if g is None:  # the common case, one version seen once: no merging to do
            r = single[key]
            rows.append(
                (
                    platform_id,
                    key,
                    accounts[r.account_id],
                    r.created_at,
                    r.text,
                    r.lang,
                    r.kind,
                    r.conversation_id,
                    r.url,
                    list(r.withheld_in) if r.withheld_in else None,
                    r.version_count,
                    r.seen_at,
                    r.seen_at,
                )
            )
            continue
        newest = max(g, key=lambda r: r.seen_at)
        current = max(g, key=lambda r: (r.version_created_at or _EPOCH, r.version_id))
        original = next((r for r in g if r.version_id == key), current)
        rows.append(
            (
                platform_id,
                key,
                accounts[original.account_id],
                original.created_at,
                current.text,
                current.lang,
                original.kind,
                original.conversation_id,
                original.url,
                list(newest.withheld_in) if newest.withheld_in else None,
                max(r.version_count for r in g),
                min(r.seen_at for r in g),
                newest.seen_at,
            )
        )
    stored = merge_rows(
        session,
        _POST,
        rows,
        keys=["platform_id", "platform_post_id"],
        set_=lambda x, t: {
            "first_seen": earliest(x, t, "first_seen"),
            "last_seen": latest(x, t, "last_seen"),
            "withheld_in": when_newer(x, t, "withheld_in", "last_seen"),
            "version_count": latest(x, t, "version_count"),
        },
        returning=["id", "account_id"],
        columns=_POST_COLUMNS,
    )
    out: PostIds = {}
    for key, row in stored.items():
        ids = (int(row[0]), int(row[1]))
        out[key] = ids
        g = groups.get(key)
        if g is None:
            out[single[key].version_id] = ids
        else:
            for r in g:
                out[r.version_id] = ids
    if edited:
        _write_versions(session, [r for k in edited for r in groups.get(k) or [single[k]]], out)
    return out


def _keep_unedited_text(session: Session, platform_id: int, keys: Sequence[str]) -> None:
    """Before an edit lands, keep the text of stored posts that have no versions yet."""
    p, v = _POST, _VERSION
    for i in range(0, len(keys), _CHUNK):
        chunk = list(keys[i : i + _CHUNK])
        unversioned = select(
            p.c.id, p.c.platform_post_id, p.c.text, p.c.created_at, p.c.first_seen
        ).where(
            p.c.platform_id == platform_id,
            p.c.platform_post_id.in_(chunk),
            ~exists().where(v.c.post_id == p.c.id),
        )
        session.execute(
            insert(v).from_select(
                ["post_id", "platform_version_id", "text", "created_at", "retrieved_at"],
                unversioned,
            )
        )


def _write_versions(session: Session, records: Sequence[PostRecord], ids: PostIds) -> None:
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for r in records:
        post_id = ids[r.version_id][0]
        held = rows.get((post_id, r.version_id))
        if held is None or r.seen_at < held["retrieved_at"]:
            rows[(post_id, r.version_id)] = {
                "post_id": post_id,
                "platform_version_id": r.version_id,
                "text": r.text,
                "created_at": r.version_created_at,
                "retrieved_at": r.seen_at,
            }
    merge_rows(
        session,
        _VERSION,
        [rows[k] for k in sorted(rows)],
        keys=["post_id", "platform_version_id"],
        set_=lambda x, t: {"retrieved_at": earliest(x, t, "retrieved_at")},
    )
    p, v = _POST, _VERSION
    newest_text = (
        select(v.c.text)
        .where(v.c.post_id == p.c.id)
        .order_by(v.c.created_at.desc().nulls_last(), v.c.platform_version_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    count = select(func.count()).select_from(v).where(v.c.post_id == p.c.id).scalar_subquery()
    post_ids = sorted({k[0] for k in rows})
    session.execute(
        update(p)
        .where(p.c.id.in_(post_ids))
        .values(
            text=newest_text,
            version_count=case((count > p.c.version_count, count), else_=p.c.version_count),
        )
    )


def write_links(session: Session, posts: Sequence[PostRecord], ids: PostIds) -> None:
    """Each post's links, from the latest version seen (a later batch's newer version wins)."""
    chosen: dict[int, PostRecord] = {}
    for r in posts:
        if not r.links:
            continue
        post_id = ids[r.version_id][0]
        held = chosen.get(post_id)
        if held is None or (r.version_created_at or _EPOCH, r.version_id) > (
            held.version_created_at or _EPOCH,
            held.version_id,
        ):
            chosen[post_id] = r
    rows = [
        {
            "post_id": post_id,
            "position": position,
            "url": u.url,
            "expanded_url": u.expanded_url,
            "host": u.host,
            "domain": u.domain,
            "version_at": chosen[post_id].version_created_at,
        }
        for post_id in sorted(chosen)
        for position, u in enumerate(chosen[post_id].links)
    ]
    merge_rows(
        session,
        _URL,
        rows,
        keys=["post_id", "position"],
        set_=lambda x, t: {
            c: when_newer(x, t, c, "version_at")
            for c in ("url", "expanded_url", "host", "domain", "version_at")
        },
    )


def write_media(
    session: Session,
    platform_id: int,
    media: Sequence[MediaRecord],
    posts: Sequence[PostRecord],
    linker: MediaLinker | None,
) -> dict[str, int]:
    """Upsert media rows (also for keys posts name without describing); link files if asked."""
    records: dict[str, MediaRecord] = {}
    for m in media:
        if m.media_key not in records or m.seen_at >= records[m.media_key].seen_at:
            records[m.media_key] = m
    keys = set(records).union(k for p in posts for k in p.media_keys)
    rows = []
    for key in sorted(keys):
        r = records.get(key)
        rows.append(
            {
                "platform_id": platform_id,
                "media_key": key,
                "kind": r.kind if r else _UNKNOWN_KIND,
                "url": r.url if r else None,
                "width": r.width if r else None,
                "height": r.height if r else None,
            }
        )
    stored = merge_rows(
        session,
        _MEDIA,
        rows,
        keys=["platform_id", "media_key"],
        set_=lambda x, t: {
            "kind": case((x.kind != _UNKNOWN_KIND, x.kind), else_=t.c.kind),
            "url": func.coalesce(x.url, t.c.url),
            "width": func.coalesce(x.width, t.c.width),
            "height": func.coalesce(x.height, t.c.height),
        },
        returning=["id"],
    )
    ids = {str(key): int(row[0]) for key, row in stored.items()}
    if linker is not None and records:
        _link_files(session, linker, records, ids)
    return ids


def _link_files(
    session: Session,
    linker: MediaLinker,
    records: Mapping[str, MediaRecord],
    ids: Mapping[str, int],
) -> None:
    now = utcnow()
    updates = []
    for key, r in sorted(records.items()):
        stored = linker.link(key, r.url, r.kind)
        if stored is None:
            continue
        updates.append(
            {
                "b_id": ids[key],
                "b_sha": stored.sha256,
                "b_path": stored.relative_path,
                "b_width": stored.width or r.width,
                "b_height": stored.height or r.height,
                "b_at": now,
            }
        )
    if not updates:
        return
    m = _MEDIA
    session.execute(
        update(m)
        .where(
            m.c.id == bindparam("b_id"),
            or_(m.c.sha256.is_(None), m.c.sha256 != bindparam("b_sha")),
        )
        .values(
            sha256=bindparam("b_sha"),
            local_path=bindparam("b_path"),
            width=bindparam("b_width"),
            height=bindparam("b_height"),
            fetched_at=bindparam("b_at"),
        ),
        updates,
    )
