"""The evidence a decision cites: the account's posts, media matches and signals, checked.

Accepted as a mapping (``{"posts": [..], "media_matches": [..], "signals": [..]}``) or as
items ``post:ID``, ``match:ID``, ``signal:NAME``; each item must belong to the account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.errors import InputError
from vigil.model import MediaMatch, Post, PostMedia, Signal
from vigil.review.fields import clean_line, store_id

__all__ = ["EvidenceInput", "check_evidence", "default_evidence", "is_empty", "parse_items"]

EvidenceInput = Mapping[str, Iterable[Any]] | Iterable[str] | None

_KINDS = {"post": "posts", "match": "media_matches", "signal": "signals"}
_MAX_ITEMS = 500


def parse_items(items: Iterable[str]) -> dict[str, list[Any]]:
    """``post:12``, ``match:7``, ``signal:media`` (also comma-separated) into the mapping."""
    out: dict[str, list[Any]] = {"posts": [], "media_matches": [], "signals": []}
    for raw in items:
        for item in str(raw).split(","):
            item = item.strip()
            if not item:
                continue
            kind, sep, value = item.partition(":")
            key = _KINDS.get(kind.strip().lower())
            if not sep or key is None or not value.strip():
                raise InputError(
                    f"evidence item {item[:40]!r}: use post:ID, match:ID or signal:NAME",
                    field="evidence",
                )
            out[key].append(value.strip())
    return out


def _ints(values: Iterable[Any], what: str) -> list[int]:
    out = []
    for v in values:
        number = store_id(v)
        if number is None:
            raise InputError(f"{what} {str(v)[:40]!r} is not a store id", field="evidence")
        out.append(number)
    return out


def _posts(session: Session, account_id: int, values: list[Any]) -> list[int]:
    found: list[int] = []
    for value in values:
        text = clean_line(str(value), field="evidence", max_len=200)
        number = store_id(text)
        post_id = None
        if number is not None:
            post_id = session.scalar(
                sa.select(Post.id).where(Post.account_id == account_id, Post.id == number)
            )
        if post_id is None:
            # A reviewer may paste the platform's own post id instead of the store's.
            post_id = session.scalar(
                sa.select(Post.id).where(
                    Post.account_id == account_id, Post.platform_post_id == text
                )
            )
        if post_id is None:
            raise InputError(f"post {text[:40]!r} is not a post of this account", field="evidence")
        found.append(int(post_id))
    return sorted(set(found))


def _matches(session: Session, account_id: int, values: list[Any]) -> list[int]:
    wanted = set(_ints(values, "media match"))
    if not wanted:
        return []
    found = set(
        session.scalars(
            sa.select(MediaMatch.id)
            .join(PostMedia, PostMedia.media_id == MediaMatch.media_id)
            .join(Post, Post.id == PostMedia.post_id)
            .where(MediaMatch.id.in_(wanted), Post.account_id == account_id)
        )
    )
    missing = sorted(wanted - found)
    if missing:
        raise InputError(
            f"media match {missing[0]} is not a match of this account's media", field="evidence"
        )
    return sorted(found)


def _signals(session: Session, account_id: int, values: list[Any]) -> list[str]:
    wanted = {clean_line(str(v), field="evidence", max_len=64) for v in values}
    if not wanted:
        return []
    known = set(
        session.scalars(
            sa.select(Signal.name).where(Signal.account_id == account_id, Signal.name.in_(wanted))
        )
    )
    missing = sorted(wanted - known)
    if missing:
        raise InputError(
            f"signal {missing[0][:40]!r} was not computed for this account", field="evidence"
        )
    return sorted(known)


def check_evidence(session: Session, account_id: int, evidence: EvidenceInput) -> dict[str, Any]:
    """The evidence as stored: sorted, de-duplicated store ids and signal names."""
    if evidence is None:
        raw: Mapping[str, Iterable[Any]] = {}
    elif isinstance(evidence, Mapping):
        unknown = set(evidence) - set(_KINDS.values())
        if unknown:
            raise InputError(
                f"unknown evidence kind {sorted(unknown)[0]!r} (posts, media_matches, signals)",
                field="evidence",
            )
        raw = evidence
    elif isinstance(evidence, str):
        raw = parse_items([evidence])
    else:
        raw = parse_items(evidence)
    values = {k: list(raw.get(k) or []) for k in _KINDS.values()}
    if sum(len(v) for v in values.values()) > _MAX_ITEMS:
        raise InputError(f"at most {_MAX_ITEMS} evidence items", field="evidence")
    return {
        "posts": _posts(session, account_id, values["posts"]),
        "media_matches": _matches(session, account_id, values["media_matches"]),
        "signals": _signals(session, account_id, values["signals"]),
    }


def default_evidence(session: Session, account_id: int) -> dict[str, Any]:
    """When none is cited: the signals that found something for this account."""
    names = session.scalars(
        sa.select(Signal.name)
        .where(Signal.account_id == account_id, Signal.value > 0)
        .distinct()
        .order_by(Signal.name)
    )
    return {"posts": [], "media_matches": [], "signals": list(names)}


def is_empty(evidence: Mapping[str, Any]) -> bool:
    return not any(evidence.get(k) for k in _KINDS.values())
