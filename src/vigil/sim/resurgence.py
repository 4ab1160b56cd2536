"""Suspended supporters who come back, hours or days later, under a new account.

A returning account is a new row with the same identity and language, a posting rate
like its predecessor's, fewer followers, the same or a slightly altered avatar, and its
own suspension drawn from the same hazard model; it can come back again in turn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vigil.sim.populations import DAY_MS, NEVER, Population, role_code
from vigil.sim.rng import np_stream
from vigil.sim.snowflake import ms_of
from vigil.sim.timeline import Enforcement, draw_frailty, draw_reports, sample_suspensions
from vigil.sim.world import Role

if TYPE_CHECKING:
    from vigil.sim.params import WorldParams

__all__ = ["MAX_GENERATIONS", "add_returns"]

MAX_GENERATIONS = 12  # a person who comes back a dozen times in a month is plenty


def add_returns(pop: Population, params: WorldParams, enf: Enforcement) -> list[int]:
    """Append returning accounts to ``pop``; returns the number added per generation."""
    end = ms_of(params.end)
    frontier = np.flatnonzero(pop.is_role(Role.SUPPORTER))
    added: list[int] = []
    for gen in range(1, MAX_GENERATIONS + 1):
        rng = np_stream(params.seed, f"resurgence/{gen}")
        gone = frontier[pop.suspended_ms[frontier] < end]
        back = gone[rng.random(len(gone)) < params.resurgence_probability]
        hours = rng.lognormal(
            np.log(params.resurgence_delay_hours), params.resurgence_delay_sigma, len(back)
        )
        delay = np.minimum(hours * 3_600_000, params.resurgence_max_days * DAY_MS)
        created = pop.suspended_ms[back] + delay.astype(np.int64)
        keep = created < end
        back, created = back[keep], created[keep]
        if not len(back):
            break
        n = len(back)
        new = pop.take(back)
        new.created_ms = created
        new.returned_from = back.astype(np.int64)
        new.identity = pop.identity[back]
        new.followers = pop.followers[back] * rng.uniform(0.1, 0.5, n)
        new.following = pop.following[back] * rng.uniform(0.5, 1.0, n)
        new.rate = pop.rate[back] * rng.uniform(0.8, 1.2, n)
        new.verified = np.zeros(n, dtype=np.bool_)
        new.fast = np.zeros(n, dtype=np.bool_)
        new.suspended_ms = np.full(n, NEVER, dtype=np.int64)
        new.reported_ms = np.full(n, -1, dtype=np.int64)
        new.avatar_altered = (rng.random(n) < params.avatar_alter_probability) & (new.avatar >= 0)
        first = len(pop)
        pop.append(new)
        rows = np.arange(first, len(pop), dtype=np.int64)
        draw_frailty(pop, rows, params, f"frailty/{gen}")
        draw_reports(pop, rows, params, f"reports/{gen}")
        sample_suspensions(pop, rows, params, enf, f"suspensions/{gen}")
        added.append(n)
        frontier = rows
    assert (pop.role[pop.returned_from >= 0] == role_code(Role.SUPPORTER)).all()
    return added
