"""The file formats `vigil import` reads: twarc2 JSONL of X API v2, and Mastodon API JSON.

Each picks its line parser and platform, then hands the files to `import_files`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from vigil.config import Settings
from vigil.errors import InputError
from vigil.platforms.import_summary import ImportSummary, ProgressFn
from vigil.platforms.importer import (
    BATCH_RECORDS,
    WHOLE_DOCUMENT_LIMIT,
    check_inputs,
    import_files,
)
from vigil.platforms.mastodon_files import MastodonLineParser, infer_instance, mastodon_platform
from vigil.platforms.x_files import X_PLATFORM, ComplianceKind, XLineParser
from vigil.store import Database

__all__ = ["import_mastodon_files", "import_x_files"]

_BOM = b"\xef\xbb\xbf"


def import_x_files(
    db: Database,
    settings: Settings,
    paths: Sequence[Path],
    *,
    media_dir: Path | None = None,
    compliance: ComplianceKind = ComplianceKind.AUTO,
    progress: ProgressFn | None = None,
    actor: str = "system",
    batch_records: int = BATCH_RECORDS,
    parse_apart: bool | None = None,
) -> ImportSummary:
    """Import twarc2 JSONL files of X API v2 output (large ones parsed by a child process)."""
    return import_files(
        db,
        settings,
        paths,
        platform=X_PLATFORM,
        parser_for=lambda _, file_time: XLineParser(fallback_time=file_time, compliance=compliance),
        media_dir=media_dir,
        progress=progress,
        actor=actor,
        batch_records=batch_records,
        parse_apart=parse_apart,
    )


def import_mastodon_files(
    db: Database,
    settings: Settings,
    paths: Sequence[Path],
    *,
    instance: str | None = None,
    media_dir: Path | None = None,
    progress: ProgressFn | None = None,
    actor: str = "system",
    batch_records: int = BATCH_RECORDS,
    parse_apart: bool | None = None,
) -> ImportSummary:
    """Import Mastodon API statuses and accounts; `instance` is the server that answered."""
    check_inputs(paths)
    host = instance or _infer_instance(paths)
    return import_files(
        db,
        settings,
        paths,
        platform=mastodon_platform(host),
        parser_for=lambda _, file_time: MastodonLineParser(seen_at=file_time),
        media_dir=media_dir,
        progress=progress,
        actor=actor,
        batch_records=batch_records,
        parse_apart=parse_apart,
    )


def _infer_instance(paths: Sequence[Path], *, lines: int = 1000) -> str:
    for path in paths:
        with path.open("rb") as stream:
            for _, raw in zip(range(lines), stream, strict=False):
                try:
                    found = infer_instance(json.loads(raw))
                except ValueError:
                    found = None
                if found:
                    return found
            if path.stat().st_size <= WHOLE_DOCUMENT_LIMIT:
                stream.seek(0)
                try:
                    found = infer_instance(json.loads(stream.read().lstrip(_BOM)))
                except ValueError:
                    found = None
                if found:
                    return found
    raise InputError(
        "cannot tell which Mastodon instance answered (no local account in the first lines): "
        "pass --instance HOST",
        source=str(paths[0]),
    )
