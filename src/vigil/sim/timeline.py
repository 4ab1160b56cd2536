"""Platform enforcement over time: suspension waves, frailty, reports and the hazard model.

The platform suspends at a piecewise-constant daily hazard: a role's base rate, times the
day's wave multiplier (quiet days, then bursts), times the account's frailty (conspicuous
new accounts go within hours), times `report_multiplier` once the account is reported.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from vigil.sim.populations import DAY_MS, NEVER, ROLES, Population
from vigil.sim.rng import np_stream
from vigil.sim.snowflake import ms_of
from vigil.sim.world import Role

if TYPE_CHECKING:
    from vigil.sim.params import WorldParams

__all__ = [
    "Enforcement",
    "draw_reports",
    "draw_waves",
    "platform_params",
    "sample_suspensions",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def draw_waves(params: WorldParams) -> list[dict[str, Any]]:
    """The wave schedule: bursts of enforcement (day offsets from the start) between quiet days."""
    if params.waves is not None:
        return [dict(w) for w in params.waves]
    rng = np_stream(params.seed, "waves")
    total = params.days + params.horizon_days
    lo, hi = params.burst_days
    waves: list[dict[str, Any]] = []
    day = 1
    while day < total:
        if rng.random() < params.burst_probability:
            length = int(rng.integers(lo, hi + 1))
            mult = round(float(rng.uniform(*params.burst_multiplier)), 3)
            waves.append({"day": day, "days": length, "multiplier": mult})
            day += length + 2
        else:
            day += 1
    in_window = [w for w in waves if w["day"] < params.days]
    if not in_window and params.days > 2:
        # A window without a single wave would show nothing of how platforms act.
        day = int(rng.integers(1, params.days - 1))
        waves = [w for w in waves if not day - 3 <= w["day"] <= day + 3]
        waves.append({"day": day, "days": 2, "multiplier": params.burst_multiplier[1]})
        waves.sort(key=lambda w: int(w["day"]))
    for w in waves:
        w["start"] = (params.start + timedelta(days=int(w["day"]))).isoformat()
    return waves


class Enforcement:
    """Cumulative wave multiplier M(day) and its inverse, for sampling suspension times."""

    def __init__(self, params: WorldParams, waves: list[dict[str, Any]]) -> None:
        self.total = params.days + params.horizon_days
        mult = np.full(self.total, params.quiet_multiplier, dtype=np.float64)
        for w in waves:
            d = int(w["day"])
            mult[max(0, d) : max(0, d + int(w["days"]))] = float(w["multiplier"])
        self.multiplier = mult
        self.cum = np.concatenate([[0.0], np.cumsum(mult)])
        self.grid = np.arange(self.total + 1, dtype=np.float64)
        self.start_ms = ms_of(params.start)

    def days(self, ms: IntArray) -> FloatArray:
        return np.asarray((ms - self.start_ms) / DAY_MS, dtype=np.float64)

    def cumulative(self, day: FloatArray) -> FloatArray:
        return np.asarray(np.interp(np.clip(day, 0.0, self.total), self.grid, self.cum))

    def inverse(self, level: FloatArray) -> FloatArray:
        return np.interp(level, self.cum, self.grid)


def _hazard(pop: Population, params: WorldParams) -> FloatArray:
    base = np.array([params.daily_hazard.get(r.value, 0.0) for r in ROLES], dtype=np.float64)
    return np.where(pop.fast, params.fast_hazard, base[pop.role])


def draw_frailty(pop: Population, rows: IntArray, params: WorldParams, stream: str) -> None:
    """Mark the conspicuous accounts among new supporter accounts (those created in-window)."""
    rng = np_stream(params.seed, stream)
    start = ms_of(params.start)
    eligible = (pop.role[rows] == ROLES.index(Role.SUPPORTER)) & (pop.created_ms[rows] >= start)
    pop.fast[rows] = eligible & (rng.random(len(rows)) < params.fast_share)


def draw_reports(pop: Population, rows: IntArray, params: WorldParams, stream: str) -> None:
    """When the earlier volunteer list reported an account (installments; -1: never)."""
    rng = np_stream(params.seed, stream)
    start, end = ms_of(params.start), ms_of(params.end)
    step = max(1, round(params.report_installment_days * DAY_MS))
    share = np.array([params.reported_share.get(r.value, 0.0) for r in ROLES])
    chosen = rng.random(len(rows)) < share[pop.role[rows]]
    # The list noticed an account some days after it appeared (or after the list began).
    noticed = np.maximum(pop.created_ms[rows], start - 30 * DAY_MS) + rng.exponential(
        4 * DAY_MS, len(rows)
    ).astype(np.int64)
    installment = start + np.ceil((noticed - start) / step).astype(np.int64) * step
    pop.reported_ms[rows] = np.where(chosen & (installment < end), installment, -1)


def sample_suspensions(
    pop: Population, rows: IntArray, params: WorldParams, enf: Enforcement, stream: str
) -> None:
    """Draw ``suspended_ms`` for ``rows`` by inverting the cumulative hazard."""
    rng = np_stream(params.seed, stream)
    lam = _hazard(pop, params)[rows]
    e = rng.exponential(1.0, len(rows))
    x0 = np.maximum(enf.days(pop.created_ms[rows]), 0.0)
    rep = pop.reported_ms[rows]
    xr = np.where(rep >= 0, np.maximum(enf.days(rep), x0), np.inf)
    m0, mr = enf.cumulative(x0), enf.cumulative(np.minimum(xr, enf.total))
    with np.errstate(divide="ignore", invalid="ignore"):
        before = lam * (mr - m0)
        level = np.where(
            e < before,
            m0 + e / lam,
            mr + (e - before) / (lam * params.report_multiplier),
        )
    level = np.where(lam > 0, level, np.inf)
    within = np.isfinite(level) & (level <= enf.cum[-1])
    ms = np.full(len(rows), NEVER, dtype=np.int64)
    day = enf.inverse(level[within])
    ms[within] = enf.start_ms + np.round(day * DAY_MS).astype(np.int64)
    created = pop.created_ms[rows]
    # An account lives at least a minute, however conspicuous.
    ms = np.where(ms <= created, created + 60_000, ms)
    pop.suspended_ms[rows] = ms
    # A list does not report an account that is already gone.
    gone = (rep >= 0) & (rep >= pop.suspended_ms[rows])
    pop.reported_ms[rows] = np.where(gone, -1, rep)


def platform_params(params: WorldParams, waves: list[dict[str, Any]]) -> dict[str, Any]:
    """What the server needs to keep enforcing after the world's end (world.params['platform'])."""
    return {
        "daily_hazard": {r.value: params.daily_hazard.get(r.value, 0.0) for r in ROLES},
        "report_multiplier": params.report_multiplier,
        "seed": params.seed,
        "waves": waves,
        "quiet_multiplier": params.quiet_multiplier,
        "fast_share": params.fast_share,
        "fast_hazard": params.fast_hazard,
        "horizon_days": params.horizon_days,
    }
