"""The world generator: populations, graph, posts, media records and enforcement, from a seed.

`generate_world` is pure and in memory (images are drawn later, by `vigil.sim.output`);
the same `WorldParams` always give the same world. Stages live in their own modules.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from vigil.sim.activity import draw_skeleton
from vigil.sim.calibration import TARGETS
from vigil.sim.graph import Edges, build_graph, to_follows
from vigil.sim.lexicon import LOCATIONS
from vigil.sim.media_plan import MediaPlanner, assign_avatars
from vigil.sim.params import WorldParams
from vigil.sim.populations import LANGS, NEVER, ROLES, Population, draw_population, recalibrate
from vigil.sim.posts import build_posts
from vigil.sim.profiles import (
    bio_for,
    display_for,
    handle_variant,
    similar_bio,
    unique_handle,
    url_for,
)
from vigil.sim.resurgence import add_returns
from vigil.sim.rng import py_stream
from vigil.sim.snowflake import ms_of, snowflakes, to_datetime
from vigil.sim.timeline import (
    Enforcement,
    draw_frailty,
    draw_reports,
    draw_waves,
    platform_params,
    sample_suspensions,
)
from vigil.sim.world import Role, SimAccount, World

__all__ = [
    "GENERATOR_VERSION",
    "Progress",
    "Stage",
    "WorldParams",
    "generate_people",
    "generate_posts",
    "generate_world",
    "paused_gc",
]

log = logging.getLogger(__name__)

GENERATOR_VERSION = 1
Progress = Callable[[str, int, int], None]  # (stage: "generate" or "write", done, total)
_STAGES = ("population", "enforcement", "accounts", "graph", "posts", "done")
_REMOTE = ("mastodon.social", "piaille.fr", "mastodon.online", "todon.eu")
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_DIGITS = {Role.NEWS_OUTLET: 0.05, Role.JOURNALIST: 0.3, Role.RESEARCHER: 0.3, Role.BOT: 0.9}


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector while the world is built or written.

    The generator makes millions of objects and no reference cycles; every full collection
    would walk all of them (a third of the run time at 100,000 accounts) and, in forked
    writers, touch and so copy every page of the parent's memory.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _did(account_id: str) -> str:
    """A did:plc-shaped identifier (24 base32 characters) derived from the account id."""
    digest = hashlib.blake2b(f"did\x1f{account_id}".encode(), digest_size=15).digest()
    bits = int.from_bytes(digest, "big")
    return "did:plc:" + "".join(_B32[(bits >> (5 * k)) & 31] for k in range(24))


def build_accounts(pop: Population, params: WorldParams) -> list[SimAccount]:
    """The `SimAccount` records, in row order (a returning account after its predecessor)."""
    rng = py_stream(params.seed, "profiles")
    ids = snowflakes(pop.created_ms, np.arange(len(pop), dtype=np.int64))
    taken: set[str] = set()
    accounts: list[SimAccount] = []
    cols = zip(
        pop.role.tolist(),
        pop.lang.tolist(),
        pop.created_ms.tolist(),
        pop.suspended_ms.tolist(),
        pop.reported_ms.tolist(),
        pop.returned_from.tolist(),
        pop.identity.tolist(),
        strict=True,
    )
    for row, (rc, lc, created, susp, rep, prev, ident) in enumerate(cols):
        role, lang = ROLES[rc], LANGS[lc]
        if prev >= 0:
            old = accounts[prev]
            handle = handle_variant(rng, old.handle, taken)
            name = (
                old.display_name
                if rng.random() < 0.7
                else f"{old.display_name} {rng.randint(2, 9)}"
            )
            bio, location, url = similar_bio(rng, old.bio, lang), old.location, old.url
        else:
            name, stem = display_for(rng, role, lang)
            handle = unique_handle(rng, stem, taken, _DIGITS.get(role, 0.55))
            bio = bio_for(rng, role, lang)
            location = rng.choice(LOCATIONS[lang])
            url = url_for(rng, role, handle)
        acc = SimAccount(
            id=ids[row],
            handle=handle,
            display_name=name,
            bio=bio,
            role=role,
            identity=ids[ident],
            lang=lang,
            created_at=to_datetime(created),
            followers_count=int(pop.followers[row]),
            following_count=int(pop.following[row]),
            verified=bool(pop.verified[row]),
            protected=bool(pop.protected[row]),
            location=location,
            url=url,
            hyperactive=bool(pop.hyperactive[row]),
            posts_per_day=round(float(pop.rate[row]), 3),
            suspended_at=None if susp == NEVER else to_datetime(susp),
            reported_at=None if rep < 0 else to_datetime(rep),
            returned_from=ids[prev] if prev >= 0 else None,
            did=_did(ids[row]),
            instance=rng.choice(_REMOTE) if rng.random() < params.mastodon_remote_share else "",
        )
        if prev >= 0:
            accounts[prev].returns_as = acc.id
        accounts.append(acc)
    return accounts


def _seeds(pop: Population, accounts: list[SimAccount], params: WorldParams) -> list[str]:
    """Supporters an earlier list confirmed: reported ones up when the window opens first,
    then other old ones, then (in a world too small for that) the earliest new ones."""
    start = ms_of(params.start)
    rng = py_stream(params.seed, "seeds")
    sup = pop.is_role(Role.SUPPORTER) & (pop.returned_from < 0)
    old_up = sup & (pop.created_ms < start) & (pop.suspended_ms > start)
    reported = old_up & (pop.reported_ms >= 0) & (pop.reported_ms <= start + 3 * 86_400_000)
    chosen: list[int] = []
    for tier in (reported, old_up & ~reported):
        rows = np.flatnonzero(tier).tolist()
        chosen += rng.sample(rows, k=min(params.seeds - len(chosen), len(rows)))
    if not chosen:
        young = np.flatnonzero(sup)
        chosen = young[np.argsort(pop.created_ms[young], kind="stable")][: params.seeds].tolist()
    return [accounts[r].id for r in sorted(chosen)]


@dataclass
class Stage:
    """A world half made: people, enforcement and graph done, posts not yet drawn."""

    world: World
    pop: Population
    planner: MediaPlanner
    edges: Edges  # the follows as arrays of account rows, for fast writing


def generate_people(params: WorldParams, progress: Progress | None = None) -> Stage:
    """Accounts, enforcement, returns, avatars and the follow graph (no posts yet)."""

    def step(name: str) -> None:
        log.debug("generate: %s", name)
        if progress is not None:
            progress("generate", _STAGES.index(name), len(_STAGES) - 1)

    step("population")
    pop = draw_population(params)
    assign_avatars(pop, params)
    step("enforcement")
    waves = draw_waves(params)
    enf = Enforcement(params, waves)
    base = np.arange(len(pop), dtype=np.int64)
    draw_frailty(pop, base, params, "frailty/0")
    draw_reports(pop, base, params, "reports/0")
    sample_suspensions(pop, base, params, enf, "suspensions/0")
    returns = add_returns(pop, params, enf)
    recalibrate(pop, params, params.end)
    step("accounts")
    accounts = build_accounts(pop, params)
    planner = MediaPlanner(params)
    planner.avatars(pop, accounts)
    step("graph")
    edges = build_graph(pop, params)
    follows = to_follows(edges, [a.id for a in accounts])
    world_params: dict[str, Any] = {
        "generator": params.to_json(),
        "generator_version": GENERATOR_VERSION,
        "calibration": TARGETS,
        "platform": platform_params(params, waves),
        "returns_per_generation": returns,
        "seeds": _seeds(pop, accounts, params),
    }
    world = World(
        params=world_params,
        start=params.start,
        end=params.end,
        accounts=accounts,
        media=list(planner.media),
        bank=planner.bank,
        follows=follows,
    )
    return Stage(world, pop, planner, edges)


def generate_posts(stage: Stage, params: WorldParams, progress: Progress | None = None) -> None:
    """Fill ``stage.world`` with its posts and their media records."""
    if progress is not None:
        progress("generate", _STAGES.index("posts"), len(_STAGES) - 1)
    world = stage.world
    skeleton = draw_skeleton(stage.pop, params)
    world.posts = build_posts(stage.pop, skeleton, world.accounts, params, stage.planner)
    world.media = stage.planner.media
    if progress is not None:
        progress("generate", _STAGES.index("done"), len(_STAGES) - 1)
    log.info(
        "generated %d accounts, %d posts, %d follows, %d media",
        len(world.accounts),
        len(world.posts),
        len(world.follows),
        len(world.media),
    )


def generate_world(params: WorldParams, progress: Progress | None = None) -> World:
    """Generate the whole world in memory; deterministic for ``params``."""
    with paused_gc():
        stage = generate_people(params, progress)
        generate_posts(stage, params, progress)
    return stage.world
