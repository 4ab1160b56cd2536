"""Snowball collection from seed accounts, as the Brookings ISIS Twitter census drew its sample.

Seeds are looked up, then each account within `depth` hops of a seed is expanded: its
timeline, its followers and whom it follows, breadth first. Each page is one committed batch
followed by an atomic checkpoint, so an interrupted crawl resumes where it stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.errors import ConfigError
from vigil.platforms.base import (
    CapabilityUnavailableError,
    FollowGraph,
    Page,
    Platform,
    Timelines,
    UserLookup,
)
from vigil.platforms.checkpoint import Checkpoint, Cursor, crawl_key
from vigil.platforms.loader import Loader
from vigil.platforms.media_fetch import MediaFetcher
from vigil.platforms.records import AccountRecord, MediaRecord
from vigil.platforms.seeds import Seed

__all__ = ["STEPS", "CrawlOptions", "CrawlProgress", "CrawlSummary", "Crawler", "ProgressFn"]

log = logging.getLogger(__name__)

STEPS = ("timeline", "followers", "following")
_COUNTED = ("accounts", "account_refs", "posts", "media", "follows", "statuses")


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """How far to go: hops from the seeds, accounts to expand, pages per account and step."""

    depth: int = 1
    max_accounts: int | None = None
    max_pages: int | None = None
    steps: tuple[str, ...] = STEPS

    def __post_init__(self) -> None:
        if self.depth < 0:
            raise ConfigError("--depth must be 0 or more")
        if self.max_accounts is not None and self.max_accounts < 1:
            raise ConfigError("--max-accounts must be at least 1")
        unknown = set(self.steps) - set(STEPS)
        if unknown:
            raise ConfigError(f"unknown crawl steps: {', '.join(sorted(unknown))}")


@dataclass(frozen=True, slots=True)
class CrawlProgress:
    """Where a crawl is, after each committed batch."""

    phase: str
    expanded: int
    known: int
    batches: int
    records: int
    account: str | None
    step: str | None


ProgressFn = Callable[[CrawlProgress], None]


@dataclass(slots=True)
class CrawlSummary:
    """One run of a crawl: records and batches count since the crawl began (a resumed run
    includes the runs before it), `platform_stats` and `media` this run only."""

    platform: str
    seeds: int
    depth: int
    completed: bool = False
    resumed: bool = False
    expanded: int = 0
    known: int = 0
    batches: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    unavailable: dict[str, int] = field(default_factory=dict)
    disabled_steps: list[str] = field(default_factory=list)
    platform_stats: dict[str, float] = field(default_factory=dict)
    media: dict[str, int] = field(default_factory=dict)
    references_resolved: int = 0
    seconds: float = 0.0
    checkpoint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "seeds": self.seeds,
            "depth": self.depth,
            "completed": self.completed,
            "resumed": self.resumed,
            "accounts_expanded": self.expanded,
            "accounts_known": self.known,
            "batches": self.batches,
            "records": dict(self.counts),
            "unavailable": dict(self.unavailable),
            "disabled_steps": list(self.disabled_steps),
            "api": {k: round(v, 3) for k, v in self.platform_stats.items()},
            "media": dict(self.media),
            "references_resolved": self.references_resolved,
            "seconds": round(self.seconds, 3),
            "checkpoint": self.checkpoint,
        }


class Crawler:
    """Runs (or resumes) one crawl of `platform` into the store through `loader`."""

    def __init__(
        self,
        platform: Platform,
        loader: Loader,
        checkpoint_dir: Path,
        *,
        options: CrawlOptions | None = None,
        media: MediaFetcher | None = None,
        progress: ProgressFn | None = None,
    ) -> None:
        self.platform = platform
        self.loader = loader
        self.checkpoint_dir = checkpoint_dir
        self.options = options or CrawlOptions()
        self.media = media
        self.progress = progress
        self.state: Checkpoint | None = None
        self.path: Path | None = None
        self._enqueued: set[str] = set()

    def checkpoint_path(self, seeds: Sequence[Seed]) -> Path:
        o = self.options
        key = crawl_key(
            self.platform.spec.name,
            self.platform.spec.base_url,
            o.depth,
            o.max_accounts,
            o.max_pages,
            ",".join(o.steps),
            *sorted(s.key for s in seeds),
        )
        return self.checkpoint_dir / f"{self.platform.name}-{key}.json"

    def run(self, seeds: Sequence[Seed], *, restart: bool = False) -> CrawlSummary:
        """Crawl from `seeds`, resuming an unfinished crawl of the same seeds and options."""
        started = time.perf_counter()
        self.path = self.checkpoint_path(seeds)
        saved = None if restart else Checkpoint.load(self.path)
        resumed = saved is not None and saved.phase != "done"
        if saved is not None and resumed:
            state = saved
            log.info("resuming crawl %s after %s batches", self.path.name, state.batches)
        else:
            state = Checkpoint(
                key=self.path.stem,
                platform=self.platform.spec.name,
                pending_ids=[s.account_id for s in seeds if s.account_id],
                pending_handles=[s.handle for s in seeds if s.handle and not s.account_id],
            )
        state.runs += 1
        self.state = state
        self._enqueued = set(state.enqueued)
        summary = CrawlSummary(
            platform=self.platform.spec.name,
            seeds=len(seeds),
            depth=self.options.depth,
            resumed=resumed,
            checkpoint=str(self.path),
        )
        try:
            if state.phase == "resolve":
                self._resolve()
                state.phase = "expand"
                self._save()
            self._expand()
            summary.references_resolved = self.loader.finish()
            state.phase = "done"
            self._save()
            summary.completed = True
        finally:
            summary.expanded = state.expanded
            summary.known = len(state.enqueued)
            summary.batches = state.batches
            summary.counts = {k: state.counts.get(k, 0) for k in (*_COUNTED, "observations")}
            summary.unavailable = {
                k.removeprefix("unavailable."): v
                for k, v in state.counts.items()
                if k.startswith("unavailable.")
            }
            summary.disabled_steps = list(state.disabled_steps)
            summary.platform_stats = self.platform.stats()
            if self.media is not None:
                summary.media = self.media.stats()
            summary.seconds = time.perf_counter() - started
        return summary

    # -- phases ---------------------------------------------------------------------------

    def _resolve(self) -> None:
        """Look the seeds up in batches: the found ones form the frontier at depth 0."""
        state = self._state()
        if not isinstance(self.platform, UserLookup):
            if state.pending_handles:
                raise ConfigError(f"{self.platform.name} cannot look up seeds by username")
            for account in state.pending_ids:
                self._enqueue(account, 0)
            state.pending_ids = []
            return
        size = max(1, self.platform.lookup_batch)
        while state.pending_ids or state.pending_handles:
            by_id = bool(state.pending_ids)
            if by_id:
                chunk = state.pending_ids[:size]
                page = self.platform.lookup_ids(chunk)
            else:
                chunk = state.pending_handles[:size]
                page = self.platform.lookup_handles(chunk)
            self._commit(page)
            for account in page.accounts:
                self._enqueue(account, 0)
            if by_id:
                state.pending_ids = state.pending_ids[len(chunk) :]
            else:
                state.pending_handles = state.pending_handles[len(chunk) :]
            self._after_batch("resolve", None, None)

    def _expand(self) -> None:
        state = self._state()
        steps = self.options.steps
        while state.current is not None or state.queue:
            if state.current is None:
                account, depth = state.queue.pop(0)
                state.current = Cursor(account=account, depth=depth)
            cur = state.current
            if cur.step >= len(steps):
                state.expanded += 1
                state.current = None
                self._save()
                continue
            step = steps[cur.step]
            page = self._fetch(step, cur)
            if page is None:
                cur.step, cur.cursor, cur.pages = cur.step + 1, None, 0
                continue
            self._commit(page)
            if step != "timeline" and cur.depth < self.options.depth:
                for neighbour in page.accounts:
                    self._enqueue(neighbour, cur.depth + 1)
            cur.pages += 1
            limit = self.options.max_pages
            if cur.account in page.unavailable:
                cur.step, cur.cursor, cur.pages = len(steps), None, 0
            elif page.cursor is None or (limit is not None and cur.pages >= limit):
                cur.step, cur.cursor, cur.pages = cur.step + 1, None, 0
            else:
                cur.cursor = page.cursor
            self._after_batch("expand", cur.account, step)

    def _fetch(self, step: str, cur: Cursor) -> Page | None:
        """One page of a step, or None when the platform cannot do that step."""
        state = self._state()
        if step in state.disabled_steps:
            return None
        p = self.platform
        try:
            if step == "timeline" and isinstance(p, Timelines):
                return p.timeline(cur.account, cur.cursor)
            if step == "followers" and isinstance(p, FollowGraph):
                return p.followers(cur.account, cur.cursor)
            if step == "following" and isinstance(p, FollowGraph):
                return p.following(cur.account, cur.cursor)
        except CapabilityUnavailableError as exc:
            log.warning("%s: %s; skipping %s for every account", p.name, exc, step)
        state.disabled_steps.append(step)
        return None

    # -- batches --------------------------------------------------------------------------

    def _commit(self, page: Page) -> None:
        """Fetch the page's media (outside the transaction), then store its records."""
        state = self._state()
        if self.media is not None:
            self.media.prefetch([r for r in page.records if isinstance(r, MediaRecord)])
        report = self.loader.load(page.records)
        counts = state.counts
        for r in page.records:
            kind = _kind(r)
            counts[kind] = counts.get(kind, 0) + 1
        counts["observations"] = counts.get("observations", 0) + report.observations
        counts["requests"] = counts.get("requests", 0) + page.requests
        for status in page.unavailable.values():
            key = f"unavailable.{status.value}"
            counts[key] = counts.get(key, 0) + 1

    def _enqueue(self, account: str, depth: int) -> None:
        state = self._state()
        if account in self._enqueued:
            return
        limit = self.options.max_accounts
        if limit is not None and len(state.enqueued) >= limit:
            return
        self._enqueued.add(account)
        state.enqueued.append(account)
        state.queue.append((account, depth))

    def _after_batch(self, phase: str, account: str | None, step: str | None) -> None:
        state = self._state()
        state.batches += 1
        self._save()
        if self.progress is not None:
            self.progress(
                CrawlProgress(
                    phase=phase,
                    expanded=state.expanded,
                    known=len(state.enqueued),
                    batches=state.batches,
                    records=sum(state.counts.get(k, 0) for k in _COUNTED),
                    account=account,
                    step=step,
                )
            )

    def _save(self) -> None:
        assert self.path is not None
        self._state().save(self.path)

    def _state(self) -> Checkpoint:
        assert self.state is not None, "run() sets the state"
        return self.state


def _kind(record: object) -> str:
    if isinstance(record, AccountRecord):
        return "accounts" if record.complete else "account_refs"
    name = type(record).__name__
    return {
        "PostRecord": "posts",
        "MediaRecord": "media",
        "FollowRecord": "follows",
        "StatusRecord": "statuses",
    }.get(name, "other")
