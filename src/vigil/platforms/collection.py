"""One collection run wired from settings: loader, media fetcher, crawler, and its audit event.

The CLI and the demo call `collect`; every run, finished or not, is one ``collect.run``
audit event naming the platform, the seeds count, the depth and the counts, never a token.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from vigil.config import Settings
from vigil.platforms.base import Platform
from vigil.platforms.collect import Crawler, CrawlOptions, CrawlSummary, ProgressFn
from vigil.platforms.loader import Loader
from vigil.platforms.media_fetch import DEFAULT_FETCH_BYTES, MediaFetcher
from vigil.platforms.seeds import Seed
from vigil.store import Database, record
from vigil.store.media import MediaStore

__all__ = ["collect", "redacted_url"]

log = logging.getLogger(__name__)


def redacted_url(url: str | None) -> str | None:
    """A URL without user information, query or fragment (where credentials could hide)."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def collect(
    db: Database,
    settings: Settings,
    platform: Platform,
    seeds: Sequence[Seed],
    *,
    options: CrawlOptions | None = None,
    media: bool = True,
    media_max_bytes: int = DEFAULT_FETCH_BYTES,
    progress: ProgressFn | None = None,
    restart: bool = False,
    actor: str = "system",
) -> CrawlSummary:
    """Snowball from `seeds` on `platform` into the store, resuming an unfinished crawl."""
    options = options or CrawlOptions()
    fetcher: MediaFetcher | None = None
    if media:
        base = urlsplit(platform.spec.base_url or "")
        fetcher = MediaFetcher(
            MediaStore(settings.media_dir, max_bytes=media_max_bytes),
            max_bytes=media_max_bytes,
            allow_hosts=[base.netloc] if base.netloc else [],
        )
    loader = Loader(db, platform.spec, media=fetcher.linker if fetcher else None)
    crawler = Crawler(
        platform,
        loader,
        settings.home / "collect",
        options=options,
        media=fetcher,
        progress=progress,
    )
    summary: CrawlSummary | None = None
    failure: BaseException | None = None
    try:
        summary = crawler.run(seeds, restart=restart)
        return summary
    except BaseException as exc:
        failure = exc
        raise
    finally:
        if fetcher is not None:
            fetcher.close()
        _audit(db, platform, seeds, options, crawler, summary, failure, actor)


def _audit(
    db: Database,
    platform: Platform,
    seeds: Sequence[Seed],
    options: CrawlOptions,
    crawler: Crawler,
    summary: CrawlSummary | None,
    failure: BaseException | None,
    actor: str,
) -> None:
    """Record the run; a failure to record never hides the failure that ended the run."""
    state = crawler.state
    payload: dict[str, object] = {
        "platform": platform.spec.name,
        "base_url": redacted_url(platform.spec.base_url),
        "seeds": len(seeds),
        "depth": options.depth,
        "max_accounts": options.max_accounts,
        "completed": bool(summary and summary.completed),
        "resumed": bool(summary and summary.resumed),
        "checkpoint": crawler.path.name if crawler.path else None,
        "batches": state.batches if state else 0,
        "accounts_expanded": state.expanded if state else 0,
        "accounts_known": len(state.enqueued) if state else 0,
        "counts": dict(sorted(state.counts.items())) if state else {},
    }
    if failure is not None:
        payload["stopped_by"] = type(failure).__name__
    try:
        with db.transaction() as session:
            record(
                session,
                actor=actor,
                action="collect.run",
                subject=f"platform:{platform.spec.name}",
                payload=payload,
            )
    except Exception:
        if failure is None:
            raise
        log.warning("could not record the interrupted collection run", exc_info=True)
