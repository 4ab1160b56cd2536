"""How much two accounts look alike: handle, display name, bio, avatar and followee overlap,
with MinHash signatures (numpy) and blocking keys so only plausible pairs are compared.

Used by the resurgence signal; kept apart so the comparison can be tested and tuned alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from vigil.signals.normalise import normalise
from vigil.signals.pdq import distance as pdq_distance

__all__ = [
    "FEATURE_WEIGHTS",
    "LSH_BANDS",
    "MINHASH_K",
    "Profile",
    "block_keys",
    "common_keys",
    "compare",
    "confidence",
    "followee_csr",
    "handle_key",
    "minhash",
]

MINHASH_K = 32
# 32 bands of 1 row: a return known only by its follows (no profile collected) often keeps
# just a fifth of its old list; 16 bands of 2 rows missed such pairs half the time.
LSH_BANDS = 32
MIN_FOLLOWEES = 3  # smaller sets collide by chance (everyone follows the same few hubs)
SMOOTH = 3  # pseudo-count added to followee set sizes
COMMON = 3  # a key shared by more accounts than this is generic
COMMON_NAME = 0.7  # what a common display name's similarity is worth
PDQ_MATCH = 31  # the hash-bank threshold: altered copies of one picture stay within it

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

# (weight, centre): a feature adds weight * (value - centre) to the log-odds, so a value
# above the centre is evidence for the link and one below it against; absent features
# add nothing. Hand-set on a simulated world (seed 5), checked on others.
FEATURE_WEIGHTS: dict[str, tuple[float, float]] = {
    "handle": (7.0, 0.72),
    "name": (6.0, 0.75),
    "bio": (2.5, 0.6),
    "avatar": (1.5, 0.5),
    # Locations come from a small pool, so the same one is weak evidence; a different one
    # counts against (seeds 4242 and 4343: namesakes in other cities).
    "location": (2.0, 0.8),
    "followees": (9.0, 0.2),
    "recency": (1.5, 0.0),
}
INTERCEPT = -0.5
FOLLOWEES_ALONE = 1.0  # seeds 5 and 9: 1.5 lost returns known only by follows
# A returning supporter refollows part of its old circle: two followee lists of some size
# that share (almost) nothing speak against the link, whatever the names say (a namesake).
NO_OVERLAP = 0.1
NO_OVERLAP_PENALTY = 3.0
# Only common names or bios (scaled to COMMON_NAME) and nothing distinctive: bots and
# namesakes from a pool, not one person. Both tuned on seeds 5 and 9.
GENERIC_ONLY = 2.0
PROFILE_FEATURES = frozenset({"handle", "name", "bio", "avatar"})

_TRAILING = re.compile(r"[\d_.\-]+$")
_SEPARATORS = re.compile(r"[\s_.\-]+")
_DIGITS = re.compile(r"\d+")


def handle_key(handle: str) -> str:
    """A handle's skeleton: trailing digits and separators dropped (``ali_9318`` -> ``ali``),
    then normalised (leetspeak and homoglyphs folded, ``h4san`` -> ``hasan``)."""
    base = _TRAILING.sub("", handle.casefold()) or handle.casefold()
    return _SEPARATORS.sub("", normalise(base))


def name_key(name: str) -> str:
    """A display name without digits, normalised, spaces collapsed."""
    return " ".join(normalise(_DIGITS.sub(" ", name)).split())


@dataclass(slots=True)
class Profile:
    """What resurgence compares about one account (times in epoch seconds, NaN unknown)."""

    id: int
    platform_id: int
    handle: str = ""
    name: str = ""
    bio: str = ""
    location: str = ""
    avatar: str = ""
    avatar_pdq: str | None = None
    created: float = math.nan
    last_active: float = math.nan
    suspended_seen: float = math.nan  # first observation of the current suspension
    followees: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    keys: dict[str, str] = field(default_factory=dict)

    def prepare(self) -> Profile:
        self.keys = {
            "handle": handle_key(self.handle) if self.handle else "",
            "handle_full": _SEPARATORS.sub("", normalise(self.handle)) if self.handle else "",
            "name": name_key(self.name) if self.name else "",
            "bio": " ".join(normalise(self.bio).split()) if self.bio else "",
            "location": " ".join(normalise(self.location).split()) if self.location else "",
        }
        return self


def followee_csr(owner: I64, target: I64) -> tuple[I64, I64, I64]:
    """Follow pairs as CSR: (owners sorted unique, offsets, targets sorted within owner)."""
    order = np.lexsort((target, owner))
    owner, target = owner[order], target[order]
    owners, starts = np.unique(owner, return_index=True)
    offsets = np.append(starts, len(owner)).astype(np.int64)
    return owners.astype(np.int64), offsets, target.astype(np.int64)


def minhash(sets: Sequence[I64], k: int = MINHASH_K, seed: int = 20261128) -> U64:
    """MinHash signatures (len(sets), k) with multiply-shift hashes on uint64 (wrapping).

    An empty set gets the all-ones signature, which no non-empty set shares."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=k, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=k, dtype=np.uint64)
    sig = np.full((len(sets), k), np.iinfo(np.uint64).max, dtype=np.uint64)
    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    nonempty = np.flatnonzero(sizes)
    if not len(nonempty):
        return sig
    flat = np.concatenate([sets[int(i)] for i in nonempty]).astype(np.uint64)
    starts = np.concatenate(([0], np.cumsum(sizes[nonempty])[:-1]))
    with np.errstate(over="ignore"):
        for j in range(k):
            h = flat * a[j] + b[j]
            h ^= h >> np.uint64(31)
            sig[nonempty, j] = np.minimum.reduceat(h, starts)
    return sig


def block_keys(p: Profile, signature: U64 | None) -> list[str]:
    """Keys a likely pair shares at least one of: handle prefix, name, avatar, LSH band."""
    keys: list[str] = []
    if len(p.keys["handle"]) >= 3:
        keys.append("h:" + p.keys["handle"][:4])
    if p.keys["name"]:
        keys.append("n:" + p.keys["name"])
    if p.avatar:
        keys.append("a:" + p.avatar)
    if signature is not None and len(p.followees) >= MIN_FOLLOWEES:
        rows = len(signature) // LSH_BANDS
        for band in range(LSH_BANDS):
            chunk = signature[band * rows : (band + 1) * rows]
            keys.append(f"f{band}:" + ".".join(str(int(v)) for v in chunk))
    return keys


def _ratio(a: str, b: str) -> float:
    return float(fuzz.ratio(a, b)) / 100.0


def compare(new: Profile, prior: Profile, common: Container[str] = frozenset()) -> dict[str, float]:
    """Similarities 0..1 of the features both accounts have (absent ones are left out).

    `common` holds keys many accounts share (``h:`` skeleton, ``n:`` name, ``a:`` avatar,
    ``b:`` bio): a generic handle (``user1234``) or a pooled picture is no evidence, and a
    common name or bio counts for less."""
    out: dict[str, float] = {}
    nk, pk = new.keys, prior.keys
    if nk["handle"] and pk["handle"]:
        full = _ratio(nk["handle_full"], pk["handle_full"])
        # A generic stem ("crypto_deal_87", "ali55") says nothing either way: returning
        # accounts change exactly the digits that tell such handles apart.
        if "h:" + nk["handle"] not in common and "h:" + pk["handle"] not in common:
            out["handle"] = max(_ratio(nk["handle"], pk["handle"]), full)
    if nk["name"] and pk["name"]:
        name = float(fuzz.token_sort_ratio(nk["name"], pk["name"])) / 100.0
        out["name"] = name * COMMON_NAME if "n:" + pk["name"] in common else name
    if nk["bio"] and pk["bio"]:
        # Returning accounts extend their old bio ("... | new acc"): a subset counts in full.
        bio = float(fuzz.token_set_ratio(nk["bio"], pk["bio"])) / 100.0
        out["bio"] = bio * COMMON_NAME if "b:" + pk["bio"] in common else bio
    if nk["location"] and pk["location"]:
        # People who come back copy their old profile: a different place speaks against.
        out["location"] = 1.0 if nk["location"] == pk["location"] else 0.0
    if new.avatar_pdq and prior.avatar_pdq:
        out["avatar"] = 1.0 if pdq_distance(new.avatar_pdq, prior.avatar_pdq) <= PDQ_MATCH else 0.0
    elif new.avatar and new.avatar == prior.avatar and "a:" + new.avatar not in common:
        # Without the pictures, only the same upload is known; a different URL proves nothing.
        out["avatar"] = 1.0
    if len(new.followees) >= MIN_FOLLOWEES and len(prior.followees) >= MIN_FOLLOWEES:
        shared = len(np.intersect1d(new.followees, prior.followees, assume_unique=True))
        union = len(new.followees) + len(prior.followees) - shared
        smaller = min(len(new.followees), len(prior.followees))
        # A new account refollows part of the old list: containment matters more than union.
        # Both shrink towards 0 for small sets, where a few shared hubs are chance.
        out["followees"] = max(shared / (union + SMOOTH), 0.6 * shared / (smaller + SMOOTH))
        out["shared_followees"] = float(shared)
    return out


def confidence(
    features: dict[str, float], weights: dict[str, tuple[float, float]] | None = None
) -> float:
    """The link's confidence: sigmoid of the intercept plus each present feature's evidence."""
    table = weights or FEATURE_WEIGHTS
    z = INTERCEPT + sum(w * (features[k] - c) for k, (w, c) in table.items() if k in features)
    if not PROFILE_FEATURES & features.keys():
        # Followees alone: supporters follow the same circle, so overlap is weak on its own.
        z -= FOLLOWEES_ALONE
    elif _generic_only(features):
        z -= GENERIC_ONLY
    if features.get("followees", 1.0) < NO_OVERLAP:
        z -= NO_OVERLAP_PENALTY
    return 1.0 / (1.0 + math.exp(-z))


def _generic_only(features: dict[str, float]) -> bool:
    """No handle, picture or followee evidence, and names and bios at most common ones."""
    return (
        "handle" not in features
        and "followees" not in features
        and not features.get("avatar")
        and features.get("name", 0.0) <= COMMON_NAME + 1e-9
        and features.get("bio", 0.0) <= COMMON_NAME + 1e-9
    )


def round_features(features: dict[str, float]) -> dict[str, Any]:
    return {k: (int(v) if k == "shared_followees" else round(v, 3)) for k, v in features.items()}


def common_keys(profiles: Iterable[Profile]) -> frozenset[str]:
    """Handle skeletons, names, avatars and bios that more than COMMON accounts share."""
    counts: dict[str, int] = {}
    for p in profiles:
        for key in (
            "h:" + p.keys["handle"] if p.keys["handle"] else "",
            "n:" + p.keys["name"] if p.keys["name"] else "",
            "a:" + p.avatar if p.avatar else "",
            "b:" + p.keys["bio"] if p.keys["bio"] else "",
        ):
            if key:
                counts[key] = counts.get(key, 0) + 1
    return frozenset(k for k, c in counts.items() if c > COMMON)


def grouped(values: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for key, i in values:
        out.setdefault(key, []).append(i)
    return out
