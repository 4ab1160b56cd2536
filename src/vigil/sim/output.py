"""Write a generated world to a directory, in every form the rest of Vigil reads.

`LAYOUT` says what each file holds (world.json repeats it). Writing runs in forked worker
processes, in rounds: what needs no post or image size while the posts are drawn, then
the images, then the post renderings and the canonical form.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from vigil.sim.calibration import measure
from vigil.sim.generate import WorldParams, generate_people, generate_posts, paused_gc
from vigil.sim.media_files import (
    Render,
    Sizes,
    bank_renders,
    link_media,
    media_renders,
    photo_renders,
    render,
    variant_renders,
    write_bank_hashes,
)
from vigil.sim.output_mastodon import (
    MASTODON_BASE,
    write_mastodon_accounts,
    write_mastodon_statuses,
)
from vigil.sim.output_x import TIMELINE_CAP, XWriter
from vigil.sim.truth import write_seeds, write_truth, write_world_json
from vigil.sim.world import World, save_world

__all__ = ["LAYOUT", "generate_to_dir", "write_world"]

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage: "generate" or "write", done, total)
Task = tuple[str, Any]
IntArray = npt.NDArray[np.int64]
_BATCH = 40  # images a task: enough to amortise the hand-over to a worker
_EVERY_COPY_FROM = 20_000  # accounts
LAYOUT: dict[str, str] = {
    "world/": "canonical form (save_world): what `vigil sim serve` loads",
    "world.json": "parameters used, calibration targets with sources, counts, measurements",
    "truth.json": "role and identity of every account; suspension, report and return times; "
    "which posted images derive from which bank item; which posts reference propaganda "
    "and which are disguised",
    "seeds.csv": "platform,account_id,username,criterion: supporters an earlier list confirmed",
    "x/users.jsonl": "user lookup pages: each account suspended before the end alone, a "
    "second before its suspension (as last seen up), then every account at the end, 100 ids "
    "a request, suspended users in errors exactly as X writes them",
    "x/timelines.jsonl": "GET /2/users/:id/tweets pages (100 a page, newest first) with "
    "includes, each account as last seen up (the end, or a second before its suspension), "
    "then X's suspended-user error page at the end",
    "x/following.jsonl": "GET /2/users/:id/following pages (1,000 a page, default user "
    "fields id, name, username); __twarc.url names the owner",
    "x/followers.jsonl": "GET /2/users/:id/followers pages, likewise",
    "mastodon/accounts.jsonl": "Account entities at the end (suspended ones flagged)",
    "mastodon/statuses.jsonl": "Status entities as last seen up, in time order",
    "mastodon/follows.csv": "follower_id,follower_acct,followed_id,followed_acct",
    "media/<key>.jpg": "posted images and avatars, named by media key",
    "bank/<item>.png": "the known release images an analyst starts with",
    "bank/hashes.csv": "pdq,label,item,outlet,quality,file (PDQ computed from the PNGs)",
}
# The world being written, inherited by forked worker processes (never pickled).
_SHARED: dict[str, Any] = {}


def _edge_arrays(world: World) -> tuple[IntArray, IntArray, IntArray]:
    row = {a.id: i for i, a in enumerate(world.accounts)}
    n = len(world.follows)
    src = np.fromiter((row[f.src] for f in world.follows), np.int64, n)
    dst = np.fromiter((row[f.dst] for f in world.follows), np.int64, n)
    t = np.fromiter((round(f.created_at.timestamp() * 1000) for f in world.follows), np.int64, n)
    return src, dst, t


def _task(name: str, arg: Any) -> Any:
    """One unit of writing, run in a worker (or inline); reads the world from `_SHARED`."""
    started = time.process_time()
    try:
        return _do(name, arg)
    finally:
        log.debug(
            "task %s %s: %.2f s of CPU",
            name,
            "" if name == "images" else arg,
            time.process_time() - started,
        )


def _do(name: str, arg: Any) -> Any:
    world: World = _SHARED["world"]
    out: Path = _SHARED["out"]
    if name == "images":
        return [render(out, what, _SHARED["sizes"]) for what in arg]
    if name == "x_users":
        return {"x_users_pages": XWriter(world, out).users()}
    if name == "x_follows":
        edges = _SHARED.get("edges") or _edge_arrays(world)
        following, followers = XWriter(world, out).follow_pages(*edges)
        return {"x_following_pages": following, "x_followers_pages": followers}
    if name == "mastodon_accounts":
        accounts, follows = write_mastodon_accounts(world, out)
        return {"mastodon_accounts": accounts, "mastodon_follows": follows}
    if name == "truth":
        return {"truth_accounts": write_truth(world, out), "seeds": write_seeds(world, out)}
    if name == "canonical":
        save_world(world, out)
        return {}
    if name == "bank_hashes":
        return {"bank": write_bank_hashes(out, world)}
    if name == "measure":
        stats = measure(world)
        stats.pop("suspensions_per_day", None)
        return {"measured": stats}
    media = {m.key: m for m in world.media}
    part, lo, hi = arg
    if name == "x_timelines":
        path = _part(out / "x" / "timelines.jsonl", part)
        return {"x_timeline_pages": XWriter(world, out).timelines(media, path, (lo, hi))}
    if name == "mastodon_statuses":
        path = _part(out / "mastodon" / "statuses.jsonl", part)
        return {"mastodon_statuses": write_mastodon_statuses(world, out, media, path, (lo, hi))}
    raise ValueError(f"unknown writing task {name!r}")


def _part(path: Path, k: int) -> Path:
    return path.with_name(f"{path.name}.part{k}")


def _join_parts(path: Path, parts: int) -> None:
    """Concatenate the parts into ``path``: the first is renamed, the rest appended by the
    kernel (`os.copy_file_range`), so a gigabyte of statuses is not copied through Python."""
    _part(path, 0).replace(path)
    with path.open("r+b", buffering=0) as dst:
        dst.seek(0, os.SEEK_END)
        for k in range(1, parts):
            src_path = _part(path, k)
            with src_path.open("rb") as src:
                _append(src, dst, src_path.stat().st_size)
            src_path.unlink()


def _append(src: BinaryIO, dst: BinaryIO, size: int) -> None:
    done = 0
    copy_range = getattr(os, "copy_file_range", None)
    if copy_range is not None:
        try:
            while done < size:
                n = copy_range(src.fileno(), dst.fileno(), size - done)
                if n == 0:
                    break
                done += n
        except OSError:
            pass  # not on this file system: the rest is copied below
    src.seek(done)
    shutil.copyfileobj(src, dst, 1 << 20)


def _slices(weights: list[int], parts: int) -> list[tuple[int, int]]:
    """Split ``range(len(weights))`` into ``parts`` contiguous slices of similar total weight."""
    total = sum(weights) or 1
    cuts, acc, k = [0], 0, 1
    for i, w in enumerate(weights):
        acc += w
        if k < parts and acc >= total * k / parts:
            cuts.append(i + 1)
            k += 1
    cuts += [len(weights)] * (parts + 1 - len(cuts))
    return [(cuts[i], cuts[i + 1]) for i in range(parts)]


class _Running:
    """Tasks handed to forked workers; `wait` collects results in task order."""

    def __init__(self, tasks: list[Task], workers: int, tick: Callable[[str], None]) -> None:
        self.tasks, self.tick = tasks, tick
        self.pool: ProcessPoolExecutor | None = None
        self.futures: list[Future[Any]] = []
        self.inline: list[Any] | None = None
        if workers > 1 and len(tasks) > 1 and "fork" in mp.get_all_start_methods():
            self.pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"))
            self.futures = [self.pool.submit(_task, name, arg) for name, arg in tasks]
        else:
            self.inline = []
            for name, arg in tasks:
                self.inline.append(_task(name, arg))
                tick(name)

    def wait(self) -> list[Any]:
        if self.inline is not None:
            return self.inline
        assert self.pool is not None
        names = {f: name for f, (name, _) in zip(self.futures, self.tasks, strict=True)}
        try:
            for fut in as_completed(self.futures):
                fut.result()
                self.tick(names[fut])
            return [f.result() for f in self.futures]
        finally:
            self.pool.shutdown()


class _Writer:
    """Writes a world in three rounds of parallel tasks (see `write_world`)."""

    def __init__(self, world: World, out: Path, workers: int, progress: Progress | None) -> None:
        self.world, self.out, self.workers, self.progress = world, out, workers, progress
        gen = world.params.get("generator", {})
        d = WorldParams()
        accounts = int(gen.get("accounts", len(world.accounts)))
        self.sizes = Sizes(
            release=int(gen.get("release_size", d.release_size)),
            photo=int(gen.get("photo_size", d.photo_size)),
            avatar=int(gen.get("avatar_size", d.avatar_size)),
            seed=int(gen.get("seed", d.seed)),
            copies=int(gen.get("copies_per_variant", d.copies_per_variant)),
            photo_pool=max(
                20, round(accounts * float(gen.get("photo_pool_per_1000", 15.0)) / 1000)
            ),
        )
        self.counts: dict[str, int] = {}
        self.parts: dict[str, int] = {}  # task name -> how many parts its file is written in
        self.unjoined: dict[str, tuple[Path, int]] = {}  # task name -> (file, parts to come)
        self.dims: dict[Render, tuple[int, int]] = {}
        self.done = self.total = 0
        self.measured: dict[str, Any] = {}
        for sub in ("x", "mastodon", "media", "bank"):
            (out / sub).mkdir(parents=True, exist_ok=True)
        _SHARED.update(world=world, out=out, sizes=self.sizes)

    def _tick(self, name: str) -> None:
        self.done += 1
        # A rendering's parts are joined as soon as its last part is written, while the
        # workers go on with the rest: the copying then costs no time at the end.
        if name in self.unjoined:
            path, left = self.unjoined[name]
            if left > 1:
                self.unjoined[name] = (path, left - 1)
            else:
                del self.unjoined[name]
                _join_parts(path, self.parts[name])
        if self.progress is not None:
            self.progress("write", self.done, self.total)

    def start(self, tasks: list[Task]) -> _Running:
        self.total += len(tasks)
        return _Running(tasks, self.workers, self._tick)

    def collect(self, running: _Running) -> None:
        for (name, _), result in zip(running.tasks, running.wait(), strict=True):
            if name == "images":
                self.dims.update({what: (w, h) for what, w, h in result})
            elif name == "measure":
                self.measured = result["measured"]
            else:
                for key, value in result.items():
                    self.counts[key] = self.counts.get(key, 0) + value

    def images(self, renders: list[Render]) -> list[Task]:
        todo = [w for w in dict.fromkeys(renders) if w not in self.dims]
        return [("images", todo[i : i + _BATCH]) for i in range(0, len(todo), _BATCH)]

    def early(self, every_copy: bool) -> list[Task]:
        """What needs no post: account and follow renderings, bank and avatars; with
        ``every_copy``, also every photo and every copy of every alteration of the bank."""
        renders = bank_renders(self.world)
        renders += [r for r in media_renders(self.world, self.sizes).values() if r[0] == "avatar"]
        if every_copy:
            renders += photo_renders(self.sizes) + variant_renders(self.world, self.sizes)
        heavy: list[Task] = [("x_follows", None), ("mastodon_accounts", None), ("x_users", None)]
        return heavy + self.images(renders)

    def middle(self) -> list[Task]:
        """Every image the posts need that is not drawn yet."""
        return self.images(list(media_renders(self.world, self.sizes).values()))

    def late(self) -> list[Task]:
        """Post renderings (split for the workers) and the canonical form; sizes are known."""
        link_media(self.out, self.world, media_renders(self.world, self.sizes), self.dims)
        per_author: dict[str, int] = {}
        for p in self.world.posts:
            per_author[p.author_id] = per_author.get(p.author_id, 0) + 1
        # Small parts, the biggest task first: the workers finish together. A timeline
        # costs what it shows, and it shows at most TIMELINE_CAP posts.
        parts = 2 * max(1, self.workers)
        timeline_rows = _slices(
            [min(per_author.get(a.id, 0), TIMELINE_CAP) + 1 for a in self.world.accounts], parts
        )
        status_rows = _slices([1] * len(self.world.posts), parts)
        for name, path in (
            ("mastodon_statuses", self.out / "mastodon" / "statuses.jsonl"),
            ("x_timelines", self.out / "x" / "timelines.jsonl"),
        ):
            self.parts[name] = parts
            self.unjoined[name] = (path, parts)
        tasks: list[Task] = [("canonical", None), ("measure", None), ("truth", None)]
        tasks += [("mastodon_statuses", (k, lo, hi)) for k, (lo, hi) in enumerate(status_rows)]
        tasks += [("x_timelines", (k, lo, hi)) for k, (lo, hi) in enumerate(timeline_rows)]
        return tasks

    def finish(self) -> dict[str, int]:
        _SHARED.clear()
        self.counts["images_drawn"] = len(self.dims)
        w = self.world
        self.counts.update(
            accounts=len(w.accounts), posts=len(w.posts), follows=len(w.follows), media=len(w.media)
        )
        write_world_json(
            w,
            self.out,
            self.counts,
            self.measured,
            {"mastodon_base_url": MASTODON_BASE, "layout": LAYOUT},
        )
        return dict(sorted(self.counts.items()))


def write_world(
    world: World, out: Path, progress: Progress | None = None, *, workers: int = 2
) -> dict[str, int]:
    """Write every output form of ``world`` under ``out``; returns file and record counts.

    Rounds of tasks in ``workers`` forked processes: images with everything that needs no
    image size; then, sizes known, the post renderings and the canonical form.
    """
    with paused_gc():
        writer = _Writer(world, out, workers, progress)
        try:
            writer.collect(writer.start(writer.early(every_copy=False) + writer.middle()))
            writer.collect(writer.start([("bank_hashes", None), *writer.late()]))
            return writer.finish()
        finally:
            _SHARED.clear()


def generate_to_dir(
    out: Path, params: WorldParams, progress: Progress | None = None, *, workers: int = 2
) -> World:
    """Generate the world for ``params`` and write it under ``out``.

    The account and follow renderings, bank, avatars and photos are written by workers
    while this process draws the posts, which is where most of the time goes.
    """
    with paused_gc():
        stage = generate_people(params, progress)
        writer = _Writer(stage.world, out, workers, progress)
        _SHARED["edges"] = (stage.edges.src, stage.edges.dst, stage.edges.t_ms)
        try:
            # From this size on nearly every copy gets posted: drawing them all while the
            # posts are made saves a round of drawing between the posts and their JSON.
            every_copy = len(stage.world.accounts) >= _EVERY_COPY_FROM
            early = writer.start(writer.early(every_copy))
            generate_posts(stage, params, progress)
            writer.collect(early)
            missing = writer.middle()
            if missing:
                writer.collect(writer.start(missing))
            writer.collect(writer.start([("bank_hashes", None), *writer.late()]))
            counts = writer.finish()
        finally:
            _SHARED.clear()
    log.info("wrote %s: %s", out, counts)
    return stage.world
