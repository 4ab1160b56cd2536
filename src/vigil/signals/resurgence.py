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
from datetime import datetime
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
from vigil.signals.lookalike import (
    Profile,
    block_keys,
    common_keys,
    compare,
    confidence,
    followee_csr,
    grouped,
    minhash,
    round_features,
)
from vigil.store import append

__all__ = [
    "METHOD",
    "MIN_CONFIDENCE",
    "ResurgenceSignal",
    "find_links",
    "load_profiles",
    "pair_features",
]

log = logging.getLogger(__name__)

METHOD = "resurgence"
VERSION = "1"
MIN_CONFIDENCE = 0.5  # links below this are not proposed
MAX_GAP_DAYS = 30.0  # a return later than this after the last sign of life is not looked for
RECENT_DAYS = 3.0
MAX_BLOCK = 100  # a blocking key shared by more suspended accounts is too common to use
MAX_LINKS = 3  # per new account, strongest first
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


def load_profiles(session: Session, ids: Sequence[int] | None) -> dict[int, Profile]:
    """Profiles of the accounts `ids` (all when None), with followees and avatar hashes."""
    cols = (
        Account.id, Account.platform_id, Account.handle, Account.display_name, Account.bio,
        Account.avatar_url, Account.created_at, Account.profile_seen_at,
        Account.platform_account_id, Platform.kind,
    )  # fmt: skip
    stmt = sa.select(*cols).join(Platform, Platform.id == Account.platform_id)
    wanted = None if ids is None else set(ids)
    out: dict[int, Profile] = {}
    for i, pid, handle, name, bio, avatar, created, seen, key, kind in session.execute(stmt):
        if wanted is not None and i not in wanted:
            continue
        if created is None and kind == "x":
            # X ids are snowflakes: an account known only by id still tells when it was made.
            created = snowflake_time(key)
        out[int(i)] = Profile(
            id=int(i),
            platform_id=int(pid),
            handle=handle or "",
            name=name or "",
            bio=bio or "",
            avatar="" if not avatar or _DEFAULT_AVATAR in avatar else avatar,
            created=epoch_s(created),
            last_active=epoch_s(seen),
        )
    pdq = sa.select(Account.id, Media.pdq).join(Media, Media.url == Account.avatar_url)
    for i, code in session.execute(pdq.where(Media.pdq.is_not(None))):
        if i in out:
            out[int(i)].avatar_pdq = str(code)
    pairs = stream_pairs(session, sa.select(Follow.source_id, Follow.target_id))
    if len(pairs):
        owners, offsets, targets = followee_csr(pairs[:, 0], pairs[:, 1])
        for k, owner in enumerate(owners.tolist()):
            if owner in out:
                out[owner].followees = targets[offsets[k] : offsets[k + 1]]
    return out


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


def find_links(
    profiles: dict[int, Profile], priors: Iterable[int], candidates: Iterable[int]
) -> dict[int, list[tuple[int, float, dict[str, float]]]]:
    """New account -> [(prior, confidence, features)] at or above MIN_CONFIDENCE, best first."""
    prior_ids = [p for p in priors if p in profiles]
    if not prior_ids:
        return {}
    for profile in profiles.values():
        profile.prepare()
    common = common_keys(profiles.values())
    subjects = sorted({*prior_ids, *(c for c in candidates if c in profiles)})
    sigs = minhash([profiles[i].followees for i in subjects])
    sig_of = dict(zip(subjects, sigs, strict=True))
    index = grouped((key, p) for p in prior_ids for key in block_keys(profiles[p], sig_of[p]))
    index = {k: v for k, v in index.items() if len(v) <= MAX_BLOCK}
    # Nothing older than every prior's last sign of life can be a return (NaN: unknown).
    bounds = [t for p in prior_ids for t in (profiles[p].last_active, profiles[p].created)]
    earliest = min((t for t in bounds if not math.isnan(t)), default=-math.inf)
    out: dict[int, list[tuple[int, float, dict[str, float]]]] = {}
    for n in subjects:
        new = profiles[n]
        if not new.created > earliest:
            continue
        found: set[int] = set()
        for key in block_keys(new, sig_of[n]):
            found.update(index.get(key, ()))
        links: list[tuple[int, float, dict[str, float]]] = []
        for p in found - {n}:
            features = pair_features(new, profiles[p], common)
            conf = confidence(features) if features is not None else 0.0
            if features is not None and conf >= MIN_CONFIDENCE:
                links.append((p, conf, features))
        if links:
            out[n] = sorted(links, key=lambda t: -t[1])[:MAX_LINKS]
    return out


def pair_features(new: Profile, prior: Profile, common: frozenset[str]) -> dict[str, float] | None:
    """Similarities of a (new, suspended) pair, with ``gap_hours`` and ``recency``; None when
    the new account is not newer than the prior's last sign of life, or is much later."""
    if math.isnan(new.created) or prior.platform_id != new.platform_id:
        return None
    if math.isnan(prior.last_active):
        # Never seen active (known only from others' follows): its creation is the only
        # bound, and it may have lived for years before the suspension, so no recency.
        gap = (new.created - prior.created) / 86400.0
        if not gap > 0.0:
            return None
        return {**compare(new, prior, common), "gap_hours": gap * 24.0}
    gap = (new.created - prior.last_active) / 86400.0
    if not 0.0 < gap <= MAX_GAP_DAYS:
        return None
    features = compare(new, prior, common)
    # Returns come within hours or days; 1 at once, 0 after RECENT_DAYS, -1 after twice that.
    features["recency"] = max(-1.0, 1.0 - gap / RECENT_DAYS)
    features["gap_hours"] = gap * 24.0
    return features


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
        profiles = load_profiles(s, None)
        last = _last_posts(s, suspended)
        for p, t in last.items():
            if p in profiles:
                profiles[p].last_active = np.nanmax([profiles[p].last_active, t]).item()
        scope = list(profiles) if ctx.accounts is None else list(ctx.accounts)
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
        _replace_proposed(s, None if ctx.accounts is None else scope)
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
    session: Session, scope: Sequence[int]
) -> dict[int, list[tuple[int, float, str, dict[str, float]]]]:
    """Links a reviewer confirmed or rejected, by new account."""
    link = AccountLink
    stmt = sa.select(
        link.new_account_id, link.prior_account_id, link.confidence, link.status, link.evidence
    ).where(link.method == METHOD, link.status != LinkStatus.PROPOSED)
    wanted = set(scope)
    out: dict[int, list[tuple[int, float, str, dict[str, float]]]] = {}
    for n, p, conf, status, evidence in session.execute(stmt):
        if n in wanted:
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


def _replace_proposed(session: Session, scope: Sequence[int] | None) -> None:
    # Proposed links are derived from the store: recomputing replaces them. Reviewed ones stay.
    stmt = sa.delete(AccountLink).where(
        AccountLink.method == METHOD, AccountLink.status == LinkStatus.PROPOSED
    )
    if scope is None:
        session.execute(stmt)
        return
    ids = list(scope)
    for i in range(0, len(ids), 5000):
        session.execute(stmt.where(AccountLink.new_account_id.in_(ids[i : i + 5000])))
