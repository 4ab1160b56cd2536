"""Who is in the world: roles, languages, creation times and calibrated profile metrics.

Everything is held as numpy arrays (one row an account) so 100,000 accounts take
milliseconds; the string side (names, handles, bios) is `vigil.sim.profiles`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from vigil.sim.rng import np_stream
from vigil.sim.snowflake import ms_of
from vigil.sim.world import Role

if TYPE_CHECKING:
    from vigil.sim.params import WorldParams

__all__ = [
    "DAY_MS",
    "LANGS",
    "NEVER",
    "ROLES",
    "Population",
    "draw_population",
    "exact_counts",
    "matched_lognormal",
    "recalibrate",
    "role_code",
]

ROLES: tuple[Role, ...] = tuple(Role)
LANGS: tuple[str, ...] = ("ar", "en", "fr")
DAY_MS = 86_400_000
NEVER = np.iinfo(np.int64).max  # suspended_ms of an account the platform never suspends

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def role_code(role: Role) -> int:
    return ROLES.index(role)


@dataclass
class Population:
    """One row per account; returning accounts are appended by `vigil.sim.resurgence`."""

    role: IntArray
    lang: IntArray
    created_ms: IntArray
    followers: FloatArray
    following: FloatArray
    rate: FloatArray  # posts per day in the window
    hyperactive: BoolArray
    evader: BoolArray
    verified: BoolArray
    protected: BoolArray
    identity: IntArray  # index of the first account of the person
    fast: BoolArray  # conspicuous account: high suspension hazard
    suspended_ms: IntArray  # NEVER when not within the horizon
    reported_ms: IntArray  # -1 when never reported
    returned_from: IntArray  # -1 or the row this account replaces
    avatar: IntArray  # avatar pool slot, -1 for the default picture
    avatar_altered: BoolArray  # returning account with a slightly altered avatar

    def __len__(self) -> int:
        return len(self.role)

    def append(self, other: Population) -> None:
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))

    def take(self, rows: IntArray) -> Population:
        return Population(**{f.name: getattr(self, f.name)[rows].copy() for f in fields(self)})

    def is_role(self, role: Role) -> BoolArray:
        return np.asarray(self.role == role_code(role), dtype=np.bool_)


def exact_counts(n: int, shares: dict[str, float], keys: tuple[str, ...]) -> list[int]:
    """Split ``n`` by ``shares`` exactly (largest remainder), in the order of ``keys``."""
    raw = np.array([max(0.0, shares.get(k, 0.0)) for k in keys], dtype=np.float64)
    if raw.sum() <= 0:
        return [0] * len(keys)
    quota = raw / raw.sum() * n
    counts = np.floor(quota).astype(np.int64)
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[: n - int(counts.sum())]] += 1
    return [int(c) for c in counts]


def _quota_codes(rng: np.random.Generator, n: int, shares: dict[str, float]) -> IntArray:
    counts = exact_counts(n, shares, LANGS)
    codes = np.repeat(np.arange(len(LANGS), dtype=np.int64), counts)
    rng.shuffle(codes)
    return codes


def matched_lognormal(
    rng: np.random.Generator, n: int, mean: float, sigma: float, weight: FloatArray | None = None
) -> FloatArray:
    """Lognormal draws (times ``weight``) rescaled so their sample mean is exactly ``mean``.

    Matching the moment rather than the parameter keeps a 1,000-account world as close to
    the published average as a 100,000-account one, with the same heavy-tailed shape.
    """
    if n == 0:
        return np.zeros(0)
    x = rng.lognormal(0.0, sigma, n)
    if weight is not None:
        x = x * weight
    return np.asarray(x * (mean / x.mean()), dtype=np.float64)


def _created(
    rng: np.random.Generator, role: Role, n: int, new_share: float, start: int, end: int
) -> IntArray:
    years = 365 * DAY_MS
    new = rng.random(n) < new_share
    if role == Role.SUPPORTER:
        # Supporters' surviving accounts are recent: weeks to months old.
        old = start - (DAY_MS + rng.exponential(60 * DAY_MS, n)).astype(np.int64)
    elif role == Role.BOT:
        old = start - rng.integers(10 * DAY_MS, 400 * DAY_MS, n)
    elif role in (Role.JOURNALIST, Role.NEWS_OUTLET, Role.RESEARCHER):
        old = start - rng.integers(3 * years, 15 * years, n)
    else:
        old = start - rng.integers(30 * DAY_MS, 15 * years, n)
    fresh = rng.integers(start, end, n)
    return np.where(new, fresh, old).astype(np.int64)


def draw_population(params: WorldParams) -> Population:
    """The base accounts: roles by exact quota, then per-role attributes."""
    rng = np_stream(params.seed, "population")
    start, end = ms_of(params.start), ms_of(params.end)
    counts = exact_counts(params.accounts, params.role_shares, tuple(r.value for r in ROLES))
    parts: list[Population] = []
    for role, n in zip(ROLES, counts, strict=True):
        key = role.value
        created = _created(rng, role, n, params.new_share.get(key, 0.0), start, end)
        rate = matched_lognormal(rng, n, 1.0, params.posts_sigma)
        rate *= rng.random(n) < params.active_share.get(key, 1.0)
        hyper = np.zeros(n, dtype=np.bool_)
        if role == Role.SUPPORTER and n:
            k = round(n * params.hyperactive_share)
            hyper[rng.choice(n, size=k, replace=False)] = True
        verified_p = {Role.NEWS_OUTLET: 0.8, Role.JOURNALIST: 0.4, Role.RESEARCHER: 0.15}
        part = Population(
            role=np.full(n, role_code(role), dtype=np.int64),
            lang=_quota_codes(rng, n, params.languages[key]),
            created_ms=created,
            followers=rng.lognormal(0.0, params.followers_sigma[key], n),
            following=rng.lognormal(0.0, 0.9, n),
            rate=rate,
            hyperactive=hyper,
            evader=(rng.random(n) < params.evader_share) & (role == Role.SUPPORTER),
            verified=rng.random(n) < verified_p.get(role, 0.01),
            protected=(rng.random(n) < 0.04) & (role == Role.ORDINARY),
            identity=np.zeros(n, dtype=np.int64),
            fast=np.zeros(n, dtype=np.bool_),
            suspended_ms=np.full(n, NEVER, dtype=np.int64),
            reported_ms=np.full(n, -1, dtype=np.int64),
            returned_from=np.full(n, -1, dtype=np.int64),
            avatar=np.full(n, -1, dtype=np.int64),
            avatar_altered=np.zeros(n, dtype=np.bool_),
        )
        parts.append(part)
    pop = parts[0]
    for part in parts[1:]:
        pop.append(part)
    pop.identity = np.arange(len(pop), dtype=np.int64)
    return pop


def recalibrate(pop: Population, params: WorldParams, at: datetime) -> None:
    """Match profile metrics and posting rates to the targets, over every account in the world.

    Run after resurgence so the returning accounts are included in the averages: young
    accounts get proportionally fewer followers, then each role is rescaled to its mean.
    """
    age_days = np.maximum(ms_of(at) - pop.created_ms, 0) / DAY_MS
    youth = np.clip(age_days / params.new_followers_days, 0.05, 1.0) ** 0.7
    hyper_lo, hyper_hi = params.hyperactive_posts_per_day
    rng = np_stream(params.seed, "recalibrate")
    hyper_rate = rng.uniform(hyper_lo, hyper_hi, len(pop))
    for role in ROLES:
        rows = pop.is_role(role)
        if not rows.any():
            continue
        key = role.value
        pop.followers[rows] = _rescaled(
            pop.followers[rows] * youth[rows], params.followers_mean[key]
        )
        pop.following[rows] = _rescaled(pop.following[rows], params.following_mean[key])
        rate = pop.rate[rows]
        hyper = pop.hyperactive[rows]
        rate[hyper] = hyper_rate[rows][hyper]
        # The target is the mean over all accounts of the role, the hyperactive core included.
        rest_total = params.posts_per_day[key] * rows.sum() - rate[hyper].sum()
        normal = rate[~hyper]
        if normal.sum() > 0:
            rate[~hyper] = normal * max(rest_total, 0.0) / normal.sum()
        pop.rate[rows] = rate
    pop.followers = np.maximum(np.round(pop.followers), 0)
    pop.following = np.maximum(np.round(pop.following), 0)


def _rescaled(x: FloatArray, mean: float) -> FloatArray:
    m = x.mean()
    return x * (mean / m) if m > 0 else x
