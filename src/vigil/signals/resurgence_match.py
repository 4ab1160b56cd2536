"""Which suspended account a new one may be the return of: candidate pairs from blocking
keys, the time bounds a return must respect, and the confidence of each pair.

The resurgence signal stores what this finds; kept apart so matching is tested alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from vigil.signals.lookalike import (
    Profile,
    block_keys,
    common_keys,
    compare,
    confidence,
    grouped,
    minhash,
)

__all__ = [
    "MAX_GAP_DAYS",
    "MIN_CONFIDENCE",
    "find_links",
    "oldest_bound",
    "pair_features",
    "since_bound",
]

# Links below this are not proposed. 0.5 proposed namesakes once the suspended accounts that
# never posted had their profiles too (precision 0.76-0.96 on seeds 5, 9, 4242, 4343; 0.97
# and up at 0.75, recall >= 0.95).
MIN_CONFIDENCE = 0.75
MAX_GAP_DAYS = 30.0  # a return later than this after the last sign of life is not looked for
RECENT_DAYS = 3.0
MAX_BLOCK = 100  # a blocking key shared by more suspended accounts is too common to use
MAX_LINKS = 3  # per new account, strongest first


def since_bound(prior: Profile) -> float:
    """The earliest creation time a return of `prior` may have (NaN: unknown)."""
    if not math.isnan(prior.last_active):
        return prior.last_active
    # Never seen active (known only from others' follows): returns are looked for from
    # MAX_GAP_DAYS before the suspension was first seen, and never before it was created.
    window = prior.suspended_seen - MAX_GAP_DAYS * 86400.0
    return (
        float(np.nanmax([prior.created, window]))
        if not (math.isnan(prior.created) and math.isnan(window))
        else math.nan
    )


def oldest_bound(priors: Iterable[Profile]) -> float | None:
    times = [t for t in (since_bound(p) for p in priors) if not math.isnan(t)]
    return min(times) if times else None


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
    oldest = oldest_bound(profiles[p] for p in prior_ids)
    earliest = -math.inf if oldest is None else oldest
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
        since = since_bound(prior)
        gap = (new.created - since) / 86400.0
        if not gap > 0.0:
            return None
        # The gap from creation or from the window's start says nothing of speed: no recency.
        return {**compare(new, prior, common), "gap_hours": gap * 24.0}
    gap = (new.created - prior.last_active) / 86400.0
    if not 0.0 < gap <= MAX_GAP_DAYS:
        return None
    features = compare(new, prior, common)
    # Returns come within hours or days; 1 at once, 0 after RECENT_DAYS, -1 after twice that.
    features["recency"] = max(-1.0, 1.0 - gap / RECENT_DAYS)
    features["gap_hours"] = gap * 24.0
    return features
