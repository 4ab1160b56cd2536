"""The resurgence signal: a new account that looks like a suspended one comes back as a
proposed `AccountLink` (confidence and evidence) and a `resurgence` value on the new account.

Candidates are blocked (handle skeleton, display name, avatar, MinHash LSH over followees),
so only plausible pairs are compared, and a new account must be created after the suspended
one was last seen active.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.model import (
    Account,
    AccountStatus,
    Follow,
    Media,
    Platform,
    Post,
    Score,
    StatusObservation,
)
from vigil.model.detection import AccountLink, LinkStatus
from vigil.platforms.x_files import snowflake_time
from vigil.signals.base import ScanContext, SignalPlugin, SignalResult
from vigil.signals.graph_load import epoch_s, stream_pairs
from vigil.signals.lookalike import Profile, followee_csr, round_features
from vigil.signals.resurgence_match import MIN_CONFIDENCE, find_links, oldest_bound
from vigil.store import append

__all__ = [
    "METHOD",
    "MIN_CONFIDENCE",
    "ResurgenceSignal",
    "find_links",
    "load_profiles",
]

log = logging.getLogger(__name__)

METHOD = "resurgence"
VERSION = "1"
_CHUNK = 5000
_FEW = 200_000  # up to this many accounts, their follows are fetched by id
STRONG_SCORE = 0.5  # a prior scored at least this counts as strongly suspected
WEAK_PRIOR = 0.6  # share of the value kept when the prior was neither confirmed nor strong
_DEFAULT_AVATAR = "default_profile"
_COLUMNS = [
    "new_account_id", "prior_account_id", "confidence", "evidence", "method", "version",
    "status", "created_at",
]  # fmt: skip


def _suspended(session: Session) -> dict[int, float]:
    """Accounts whose latest status observation is `suspended` -> first time seen so."""
    o = StatusObservation
    stmt = sa.select(o.account_id, o.status, o.observed_at).order_by(o.account_id, o.observed_at)
    latest: dict[int, tuple[str, float]] = {}
    for account_id, status, observed_at in session.execute(stmt):
        prev = latest.get(account_id)
        since = prev[1] if prev and prev[0] == status else observed_at.timestamp()
        latest[int(account_id)] = (str(status), since)
    return {a: t for a, (s, t) in latest.items() if s == AccountStatus.SUSPENDED}


def load_profiles(
    session: Session, ids: Iterable[int] | None = None, *, created_after: float | None = None
) -> dict[int, Profile]:
    """Profiles with followees and avatar hashes: of the accounts `ids`, or of those created
    after `created_after` (epoch seconds), or of every account when both are None."""
    cols = (
        Account.id, Account.platform_id, Account.handle, Account.display_name, Account.bio,
        Account.location, Account.avatar_url, Account.created_at, Account.profile_seen_at,
        Account.platform_account_id, Platform.kind,
    )  # fmt: skip
    base = sa.select(*cols).join(Platform, Platform.id == Account.platform_id)
    if ids is not None:
        wanted = sorted(set(ids))
        stmts = [
            base.where(Account.id.in_(wanted[i : i + _CHUNK]))
            for i in range(0, len(wanted), _CHUNK)
        ]
    elif created_after is not None:
        after = datetime.fromtimestamp(created_after, UTC)
        stmts = [base.where(sa.or_(Account.created_at.is_(None), Account.created_at > after))]
    else:
        stmts = [base]
    out: dict[int, Profile] = {}
    for stmt in stmts:
        for i, pid, handle, name, bio, place, avatar, created, seen, key, kind in session.execute(
            stmt
        ):
            if created is None and kind == "x":
                # X ids are snowflakes: an account known only by id still tells its age.
                created = snowflake_time(key)
            profile = Profile(
                id=int(i),
                platform_id=int(pid),
                handle=handle or "",
                name=name or "",
                bio=bio or "",
                location=place or "",
                avatar="" if not avatar or _DEFAULT_AVATAR in avatar else avatar,
                created=epoch_s(created),
                last_active=epoch_s(seen),
            )
            if ids is None and created_after is not None and not profile.created > created_after:
                continue
            out[profile.id] = profile
    _add_avatars(session, out)
    _add_followees(session, out)
    return out


def _add_avatars(session: Session, out: dict[int, Profile]) -> None:
    pdq = sa.select(Account.id, Media.pdq).join(Media, Media.url == Account.avatar_url)
    for i, code in session.execute(pdq.where(Media.pdq.is_not(None))):
        if i in out:
            out[int(i)].avatar_pdq = str(code)


def _add_followees(session: Session, out: dict[int, Profile]) -> None:
    ids = sorted(out)
    if len(ids) <= _FEW:
        stmts = [
            sa.select(Follow.source_id, Follow.target_id).where(
                Follow.source_id.in_(ids[i : i + _CHUNK])
            )
            for i in range(0, len(ids), _CHUNK)
        ]
        chunks = [stream_pairs(session, stmt) for stmt in stmts]
        pairs = np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.int64)
    else:
        pairs = stream_pairs(session, sa.select(Follow.source_id, Follow.target_id))
        pairs = pairs[np.isin(pairs[:, 0], np.asarray(ids, dtype=np.int64))]
    if len(pairs):
        owners, offsets, targets = followee_csr(pairs[:, 0], pairs[:, 1])
        for k, owner in enumerate(owners.tolist()):
            out[owner].followees = targets[offsets[k] : offsets[k + 1]]


def _last_posts(session: Session, ids: Iterable[int]) -> dict[int, float]:
    ids = list(ids)
    out: dict[int, float] = {}
    for i in range(0, len(ids), 5000):
        stmt = (
            sa.select(Post.account_id, sa.func.max(Post.created_at))
            .where(Post.account_id.in_(ids[i : i + 5000]))
            .group_by(Post.account_id)
        )
        for account_id, last in session.execute(stmt):
            if last is not None:
                out[int(account_id)] = epoch_s(last) if isinstance(last, datetime) else math.nan
    return out


def _explain(handle: str, conf: float, features: dict[str, float], standing: str) -> str:
    parts = [f"{k} {features[k]:.2f}" for k in ("handle", "name", "bio") if k in features]
    if features.get("avatar"):
        parts.append("same avatar")
    if "shared_followees" in features:
        parts.append(f"{int(features['shared_followees'])} shared followees")
    gap = features.get("gap_hours", 0.0)
    return (
        f"looks like suspended @{handle or '?'} ({standing}; confidence {conf:.2f}): "
        + ", ".join(parts)
        + f"; created {gap:.0f} h after it was last seen"
    )


class ResurgenceSignal(SignalPlugin):
    """Writes proposed `AccountLink`s as it goes (in the scan's transaction): proposed links
    of the scanned accounts are replaced; confirmed and rejected ones are kept, and a
    rejected pair is never proposed again. Value: best link confidence, times 0.6 when the
    suspended account was neither confirmed nor scored >= 0.5."""

    name = "resurgence"
    version = VERSION
    description = (
        "A new account that looks like a suspended one: handle, display name, bio, avatar and "
        "followee overlap (MinHash), created after the suspended account was last seen."
    )

    def compute(self, ctx: ScanContext) -> Iterable[SignalResult]:
        s = ctx.session
        suspended = _suspended(s)
        profiles = load_profiles(s, suspended)
        for p, t in _last_posts(s, suspended).items():
            profiles[p].last_active = np.nanmax([profiles[p].last_active, t]).item()
        for p, seen in suspended.items():
            profiles[p].suspended_seen = seen
        # Only accounts younger than the oldest suspended one can be its return: at scale
        # that leaves the recent accounts, not the whole store.
        if ctx.accounts is None:
            since = oldest_bound(profiles.values())
            if since is not None:
                profiles.update(
                    {
                        k: v
                        for k, v in load_profiles(s, created_after=since).items()
                        if k not in profiles
                    }
                )
            reviewed = _reviewed(s, None)
            scope = sorted(set(profiles) | set(reviewed))
        else:
            scope = list(ctx.accounts)
            profiles.update(load_profiles(s, [i for i in scope if i not in profiles]))
            reviewed = _reviewed(s, scope)
        links = find_links(profiles, suspended, scope)
        scores = _scores(s, suspended)
        rows: list[tuple[Any, ...]] = []
        for n in scope:
            kept = [r for r in reviewed.get(n, []) if r[2] != LinkStatus.REJECTED]
            skip = {r[0] for r in reviewed.get(n, [])}
            fresh = [t for t in links.get(n, []) if t[0] not in skip]
            for p, conf, features in fresh:
                rows.append(_row(n, p, conf, features, ctx.now))
            best = [(p, c, f) for p, c, _, f in kept] + fresh
            if best:
                yield self._result(n, best, profiles, ctx.confirmed, scores)
        # A link proposed again keeps the time it was first proposed (how fast links come
        # is measured from it).
        first = _replace_proposed(s, None if ctx.accounts is None else scope)
        rows = [(*r[:7], first.get((r[0], r[1]), r[7])) for r in rows]
        append(s, AccountLink, _COLUMNS, rows)
        log.info(
            "resurgence: %s links proposed among %s suspended accounts", len(rows), len(suspended)
        )

    def _result(
        self,
        n: int,
        links: list[tuple[int, float, dict[str, float]]],
        profiles: dict[int, Profile],
        confirmed: frozenset[int],
        scores: dict[int, float],
    ) -> SignalResult:
        def standing(p: int) -> tuple[float, str]:
            if p in confirmed:
                return 1.0, "confirmed"
            if scores.get(p, 0.0) >= STRONG_SCORE:
                return 1.0, f"scored {scores[p]:.2f}"
            return WEAK_PRIOR, "not confirmed"

        ranked = sorted(links, key=lambda t: -t[1] * standing(t[0])[0])
        p, conf, features = ranked[0]
        factor, label = standing(p)
        prior = profiles.get(p)
        evidence = {
            "accounts": [q for q, _, _ in ranked],
            "links": [
                {"prior_account_id": q, "confidence": round(c, 4), "features": round_features(f)}
                for q, c, f in ranked
            ],
        }
        return SignalResult(
            n,
            round(conf * factor, 6),
            _explain(prior.handle if prior else "", conf, features, label),
            evidence,
        )


def _row(n: int, p: int, conf: float, features: dict[str, float], now: datetime) -> tuple[Any, ...]:
    evidence = {"features": round_features(features)}
    return (n, p, round(conf, 6), evidence, METHOD, VERSION, LinkStatus.PROPOSED, now)


def _reviewed(
    session: Session, scope: Sequence[int] | None
) -> dict[int, list[tuple[int, float, str, dict[str, float]]]]:
    """Links a reviewer confirmed or rejected, by new account."""
    link = AccountLink
    stmt = sa.select(
        link.new_account_id, link.prior_account_id, link.confidence, link.status, link.evidence
    ).where(link.method == METHOD, link.status != LinkStatus.PROPOSED)
    wanted = None if scope is None else set(scope)
    out: dict[int, list[tuple[int, float, str, dict[str, float]]]] = {}
    for n, p, conf, status, evidence in session.execute(stmt):
        if wanted is None or n in wanted:
            value = 1.0 if status == LinkStatus.CONFIRMED else float(conf)
            feats = dict((evidence or {}).get("features") or {})
            out.setdefault(int(n), []).append((int(p), value, str(status), feats))
    return out


def _scores(session: Session, ids: Iterable[int]) -> dict[int, float]:
    ids = list(ids)
    out: dict[int, float] = {}
    for i in range(0, len(ids), 5000):
        stmt = sa.select(Score.account_id, Score.value).where(
            Score.account_id.in_(ids[i : i + 5000])
        )
        out.update((int(a), float(v)) for a, v in session.execute(stmt))
    return out


def _replace_proposed(
    session: Session, scope: Sequence[int] | None
) -> dict[tuple[int, int], datetime]:
    """Delete the proposed links of `scope` (all when None); returns when each was made.

    Proposed links are derived from the store, so recomputing replaces them; reviewed ones
    stay."""
    link = AccountLink
    proposed = sa.and_(link.method == METHOD, link.status == LinkStatus.PROPOSED)
    ids = None if scope is None else list(scope)
    wheres = (
        [proposed]
        if ids is None
        else [
            sa.and_(proposed, link.new_account_id.in_(ids[i : i + _CHUNK]))
            for i in range(0, len(ids), _CHUNK)
        ]
    )
    first: dict[tuple[int, int], datetime] = {}
    for where in wheres:
        stmt = sa.select(link.new_account_id, link.prior_account_id, link.created_at).where(where)
        first.update(((int(n), int(p)), t) for n, p, t in session.execute(stmt))
        session.execute(sa.delete(link).where(where))
    return first
