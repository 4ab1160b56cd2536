"""The media signal: hash stored images with PDQ, match them against every hash bank,
keep each match (bank, item, distance) and explain per account which images matched.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from vigil.errors import InputError
from vigil.model import BankHash, HashBank, Media, MediaMatch, Post, PostMedia, utcnow
from vigil.signals.banks import bank_hashes
from vigil.signals.base import ScanContext, SignalPlugin, SignalResult
from vigil.signals.hash_index import HashIndex
from vigil.signals.pdq import (
    MIN_QUALITY,
    PdqHash,
    load_image,
    query_variants,
    to_codes,
    video_hashes,
)
from vigil.store import append
from vigil.store.media import sniff_format

__all__ = ["Match", "MediaSignal", "hash_media", "match_media"]

log = logging.getLogger(__name__)

_CHUNK = 5000
_IMAGE_KINDS = ("photo", "image")
_VIDEO_KINDS = ("video", "animated_gif", "gifv")
_MATCH_COLUMNS = [
    "media_id", "bank_id", "bank_hash_id", "item", "distance", "query_variant", "matched_at",
]  # fmt: skip
# (database, bank id, hash count, last hash id) -> index: rebuilt only when the bank grew
# (bank hashes are only ever added).
_INDEXES: dict[tuple[str, int, int, int], tuple[HashIndex, list[int], list[str]]] = {}


@dataclass(frozen=True, slots=True)
class Match:
    media_id: int
    bank: str
    bank_id: int
    bank_hash_id: int
    item: str
    distance: int
    query_variant: str


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield list(ids[i : i + _CHUNK])


def _media_in_scope(session: Session, accounts: Sequence[int] | None) -> list[int]:
    if accounts is None:
        return [int(i) for i in session.execute(select(Media.id).order_by(Media.id)).scalars()]
    found: set[int] = set()
    for chunk in _chunks(accounts):
        stmt = (
            select(PostMedia.media_id)
            .join(Post, Post.id == PostMedia.post_id)
            .where(Post.account_id.in_(chunk))
        )
        found.update(int(i) for i in session.execute(stmt).scalars())
    return sorted(found)


def hash_media(session: Session, media_dir: Path, media_ids: Sequence[int]) -> int:
    """PDQ-hash the stored images among `media_ids` that have no hash yet; returns the count."""
    done = 0
    for chunk in _chunks(media_ids):
        stmt = select(Media.id, Media.local_path, Media.kind).where(
            Media.id.in_(chunk),
            Media.pdq.is_(None),
            Media.local_path.is_not(None),
            Media.kind.in_(_IMAGE_KINDS + _VIDEO_KINDS),
        )
        for media_id, local_path, kind in session.execute(stmt).all():
            path = media_dir / str(local_path)
            try:
                if kind in _VIDEO_KINDS and sniff_video(path):
                    hashes = _video(path)
                else:
                    hashes = query_variants(load_image(path))
            except (InputError, FileNotFoundError) as exc:
                log.warning("media %s not hashed: %s", media_id, exc)
                continue
            full, extra = hashes[0], hashes[1:]
            session.execute(
                update(Media)
                .where(Media.id == media_id)
                .values(
                    pdq=full.hex,
                    pdq_quality=full.quality,
                    pdq_variants=[
                        {"variant": h.variant, "pdq": h.hex, "quality": h.quality} for h in extra
                    ],
                )
            )
            done += 1
    return done


def sniff_video(path: Path) -> bool:
    """Whether the file's bytes say video (an X "animated_gif" may also be a real GIF)."""
    with path.open("rb") as f:
        return sniff_format(f.read(16)) in ("mp4", "webm")


def _video(path: Path) -> list[PdqHash]:
    """The best-quality frame stands for the video; every frame is looked up."""
    frames = video_hashes(path)
    best = max(frames, key=lambda h: h.quality)
    return [PdqHash(best.hex, best.quality), *frames]


def _bank_index(session: Session, bank: HashBank) -> tuple[HashIndex, list[int], list[str]]:
    stmt = select(func.count(BankHash.id), func.max(BankHash.id)).where(BankHash.bank_id == bank.id)
    count, last = session.execute(stmt).one()
    database = str(session.get_bind().engine.url)
    key = (database, bank.id, int(count), int(last or 0))
    if key not in _INDEXES:
        for old in [k for k in _INDEXES if k[:2] == key[:2]]:
            del _INDEXES[old]
        rows = bank_hashes(session, bank.id)
        index = HashIndex(to_codes([p for _, p, _ in rows]))
        _INDEXES[key] = (index, [i for i, _, _ in rows], [it for _, _, it in rows])
    return _INDEXES[key]


def _queries(session: Session, media_ids: Sequence[int]) -> list[tuple[int, str, str]]:
    """(media id, variant, hex) for every hash of good enough quality."""
    out: list[tuple[int, str, str]] = []
    for chunk in _chunks(media_ids):
        stmt = select(Media.id, Media.pdq, Media.pdq_quality, Media.pdq_variants).where(
            Media.id.in_(chunk), Media.pdq.is_not(None)
        )
        for media_id, pdq, quality, variants in session.execute(stmt).all():
            if (quality or 0) >= MIN_QUALITY:
                out.append((int(media_id), "full", pdq))
            for v in variants or []:
                if int(v.get("quality", 0)) >= MIN_QUALITY:
                    out.append((int(media_id), str(v["variant"]), str(v["pdq"])))
    return out


def match_media(session: Session, media_ids: Sequence[int]) -> list[Match]:
    """Match `media_ids` against every bank at its threshold; their stored matches are
    replaced by the best match per (image, bank, item)."""
    queries = _queries(session, media_ids)
    codes = to_codes([q[2] for q in queries])
    best: dict[tuple[int, int, str], Match] = {}
    for bank in session.execute(select(HashBank).order_by(HashBank.name)).scalars():
        index, hash_ids, items = _bank_index(session, bank)
        for hit in index.search(codes, bank.threshold):
            media_id, variant, _ = queries[hit.query]
            key = (media_id, bank.id, items[hit.row])
            if key not in best or hit.distance < best[key].distance:
                best[key] = Match(
                    media_id, bank.name, bank.id, hash_ids[hit.row], items[hit.row],
                    hit.distance, variant,
                )  # fmt: skip
    for chunk in _chunks(media_ids):
        session.execute(delete(MediaMatch).where(MediaMatch.media_id.in_(chunk)))
    now = utcnow()
    matches = sorted(best.values(), key=lambda m: (m.media_id, m.distance))
    rows = [
        (m.media_id, m.bank_id, m.bank_hash_id, m.item, m.distance, m.query_variant, now)
        for m in matches
    ]
    append(session, MediaMatch, _MATCH_COLUMNS, rows)
    return matches


def _strength(distance: int) -> float:
    # 1.0 for an identical hash, 0.5 at the default threshold of 31.
    return max(0.0, 1.0 - distance / 64)


def _explain(matches: list[Match]) -> str:
    images = len({m.media_id for m in matches})
    by_item: dict[tuple[str, str], list[int]] = defaultdict(list)
    for m in sorted(matches, key=lambda m: m.distance):
        by_item[(m.bank, m.item)].append(m.distance)
    parts = [
        f"bank '{bank}' item '{item}' at distance {' and '.join(map(str, ds))}"
        for (bank, item), ds in sorted(by_item.items(), key=lambda kv: kv[1][0])
    ]
    noun = "image matches" if images == 1 else "images match"
    return f"{images} {noun} " + "; ".join(parts)


class MediaSignal(SignalPlugin):
    """Value 0..1: the closeness of the best match, raised by every further matching image."""

    name = "media"
    version = "1"
    description = "posted images within a hash bank's PDQ distance of known propaganda"

    def compute(self, ctx: ScanContext) -> Iterable[SignalResult]:
        session = ctx.session
        media_ids = _media_in_scope(session, ctx.accounts)
        hashed = hash_media(session, ctx.settings.media_dir, media_ids)
        matches = match_media(session, media_ids)
        log.info("media: hashed %s images, %s matches", hashed, len(matches))
        by_media: dict[int, list[Match]] = defaultdict(list)
        for m in matches:
            by_media[m.media_id].append(m)
        posts: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        for chunk in _chunks(sorted(by_media)):
            stmt = (
                select(Post.account_id, Post.id, PostMedia.media_id)
                .join(PostMedia, PostMedia.post_id == Post.id)
                .where(PostMedia.media_id.in_(chunk))
            )
            as_of = ctx.options.get("as_of")
            if as_of is not None:  # a replay of an earlier day (vigil eval): later posts unseen
                stmt = stmt.where(Post.created_at <= as_of)
            for account_id, post_id, media_id in session.execute(stmt).all():
                posts[int(account_id)][int(media_id)].add(int(post_id))
        scope = None if ctx.accounts is None else set(ctx.accounts)
        for account_id, media in sorted(posts.items()):
            if scope is not None and account_id not in scope:
                continue
            found = [m for media_id in media for m in by_media[media_id]]
            yield SignalResult(
                account_id=account_id,
                value=_value(found),
                explanation=_explain(found),
                evidence=_evidence(found, media),
            )


def _value(found: list[Match]) -> float:
    per_image = [
        _strength(min(m.distance for m in found if m.media_id == i))
        for i in {m.media_id for m in found}
    ]
    miss = float(np.prod([1.0 - 0.5 * s for s in per_image[1:]])) if per_image[1:] else 1.0
    best = max(per_image)
    return round(1.0 - (1.0 - best) * miss, 4)


def _evidence(found: list[Match], media: dict[int, set[int]]) -> dict[str, Any]:
    return {
        "media": sorted(media),
        "posts": sorted({p for ps in media.values() for p in ps}),
        "matches": [
            {"media": m.media_id, "bank": m.bank, "item": m.item, "distance": m.distance,
             "variant": m.query_variant}
            for m in sorted(found, key=lambda m: (m.distance, m.media_id))
        ],
    }  # fmt: skip
