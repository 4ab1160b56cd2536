"""File imports: stream lines, parse each into records, load them in batches.

Memory stays flat however large the file (one line and a few batches at a time); with cores
to spare, a large file is parsed by a child process while this one stores. Every input is
checked before anything is written; a line that is not JSON, or not a known shape, goes to a
quarantine file with its file name, line number and reason, and the import goes on. Each
imported file is one audit event.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from vigil.config import Settings
from vigil.errors import InputError, NotFoundError
from vigil.platforms.file_digest import FileDigest
from vigil.platforms.import_summary import FileSummary, ImportProgress, ImportSummary, ProgressFn
from vigil.platforms.line_reader import (
    COUNTED,
    MAX_LINE,
    QUARANTINED_TEXT_LIMIT,
    Chunk,
    LineParser,
    LineReader,
    few_collections,
    json_loads,
)
from vigil.platforms.line_reader import loads as _loads  # noqa: F401  (tests reach it here)
from vigil.platforms.load_thread import LoaderThread
from vigil.platforms.loader import Loader, LoadReport
from vigil.platforms.media_link import MediaLinker
from vigil.platforms.parse_worker import ParseProcess, can_parse_apart
from vigil.platforms.records import PlatformSpec, storable
from vigil.platforms.spare_cores import core_to_spare, cpu_sample
from vigil.store import Database, record
from vigil.store.media import MediaStore

__all__ = [
    "FileSummary",
    "ImportProgress",
    "ImportSummary",
    "LineParser",
    "check_inputs",
    "import_files",
]

log = logging.getLogger(__name__)

WHOLE_DOCUMENT_LIMIT = 64 * 1024 * 1024  # a pretty-printed JSON page is read whole up to this
BATCH_RECORDS = 20_000
# Files from this size are parsed in a child process while this one stores, if other
# programs leave it the cores: below it, starting the child costs what it gains.
PARSE_PROCESS_FROM = 32 * 1024 * 1024
_PROGRESS_EVERY = 0.2  # seconds
_BOM = b"\xef\xbb\xbf"


def check_inputs(paths: Sequence[Path]) -> None:
    """Refuse the whole import, before writing anything, if any input cannot be read."""
    if not paths:
        raise InputError("no files to import")
    for path in paths:
        if not path.exists():
            raise NotFoundError(f"{path}: no such file")
        if path.is_dir():
            raise InputError("is a directory, not a file", source=str(path))
        try:
            with path.open("rb") as stream:
                empty = _only_whitespace(stream)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from exc
        if empty:
            raise InputError("the file is empty", source=str(path))


def _only_whitespace(stream: IO[bytes]) -> bool:
    while chunk := stream.read(65536):
        if chunk.strip(b" \t\r\n" + _BOM):
            return False
    return True


def import_files(
    db: Database,
    settings: Settings,
    paths: Sequence[Path],
    *,
    platform: PlatformSpec,
    parser_for: Callable[[Path, datetime], LineParser],
    media_dir: Path | None = None,
    progress: ProgressFn | None = None,
    actor: str = "system",
    batch_records: int = BATCH_RECORDS,
    parse_apart: bool | None = None,
) -> ImportSummary:
    """Import files in order; `parser_for(path, file_time)` makes each file's line parser.

    `file_time` (the file's modification time) dates records whose lines carry no time.
    `parse_apart` says whether a child process parses each file while this one stores
    (None: for files of `PARSE_PROCESS_FROM` bytes and more, when other programs leave the
    cores for it, see `spare_cores`); what is stored is the same either way.
    """
    check_inputs(paths)
    if media_dir is not None and not media_dir.is_dir():
        raise NotFoundError(f"{media_dir}: no such media directory")
    linker = None
    if media_dir is not None:
        linker = MediaLinker(media_dir, MediaStore(settings.media_dir))
    summary = ImportSummary(platform=platform.name)
    with (
        few_collections(),
        LoaderThread(lambda: Loader(db, platform, media=linker)) as loader,
    ):
        for path in paths:
            file_time = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            run = _FileRun(path, settings, loader, parser_for(path, file_time), progress)
            linked_before = linker.linked if linker else 0
            rejected_before = len(linker.rejected) if linker else 0
            result = run.execute(batch_records, parse_apart)
            loader.run(loader.loader.flush)  # the file is all stored before its audit event
            if linker is not None:
                result.media_linked = linker.linked - linked_before
                result.media_rejected = linker.rejected[rejected_before:]
            _audit(db, actor, platform, path, result)
            summary.files.append(result)
            log.info("imported %s: %s lines, %s records", path, result.lines, result.records)
        summary.references_resolved = loader.run(loader.loader.finish)
    return summary


def _audit(
    db: Database, actor: str, platform: PlatformSpec, path: Path, result: FileSummary
) -> None:
    """One event per imported file: which bytes (sha256) went in, and what came of them."""
    with db.transaction() as session:
        record(
            session,
            actor=actor,
            action="import.file",
            subject=f"file:{path.name}",
            payload={
                "file": path.name,
                "sha256": result.sha256,
                "platform": platform.name,
                "bytes": result.bytes,
                "lines": result.lines,
                "records": {
                    "accounts": result.accounts,
                    "account_refs": result.account_refs,
                    "posts": result.posts,
                    "media": result.media,
                    "follows": result.follows,
                    "statuses": result.statuses,
                },
                "observations": result.observations,
                "unresolved": result.unresolved,
                "quarantined": result.quarantined,
                "media_linked": result.media_linked,
            },
        )


def _apart(parser: LineParser, size: int, parse_apart: bool | None) -> bool:
    """Whether to start a parse process: asked, or a large file and two cores or more."""
    if parse_apart is None:
        parse_apart = size >= PARSE_PROCESS_FROM and _cores() >= 2
    return parse_apart and can_parse_apart(parser)


def _cores() -> int:
    """The cores this process may run on (fewer than the machine's, in a container)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this system
        return os.cpu_count() or 1


class _FileRun:
    """One file read into chunks (here or by a parse process) that the loader stores."""

    def __init__(
        self,
        path: Path,
        settings: Settings,
        loader: LoaderThread,
        parser: LineParser,
        progress: ProgressFn | None,
    ) -> None:
        self.path = path
        self.settings = settings
        self.loader = loader
        self.parser = parser
        self.progress = progress
        self.summary = FileSummary(file=str(path))
        self.report = LoadReport()
        self.consumed = 0
        self._quarantine: IO[str] | None = None
        self._started = time.perf_counter()
        self._last_progress = 0.0

    def execute(self, batch_records: int, parse_apart: bool | None) -> FileSummary:
        size = self.path.stat().st_size
        self.summary.bytes = size
        with ExitStack() as stack:
            stack.callback(self._close_quarantine)
            stream = stack.enter_context(self.path.open("rb"))
            whole = self._whole_document(stream, size)
            if whole is None and _apart(self.parser, size, parse_apart):
                sha256 = self._parse_apart(stack, stream, size, batch_records, parse_apart)
            else:
                # A thread hashes the file beside parsing (hashlib lets go of the GIL).
                digest = stack.enter_context(FileDigest(self.path, size))
                reader = LineReader(self.parser, batch_records)
                if whole is not None:
                    self._apply_all(reader.document(whole[0], len(whole[1])), size)
                else:
                    self._apply_all(reader.stream(stream), size)
                sha256 = digest.hexdigest(self.consumed)
        self.summary.sha256 = sha256
        self.summary.observations = self.report.observations
        self.summary.unresolved = self.report.unresolved
        self.summary.seconds = time.perf_counter() - self._started
        self._tick(size, size, force=True)
        return self.summary

    def _parse_apart(
        self,
        stack: ExitStack,
        stream: IO[bytes],
        size: int,
        batch_records: int,
        parse_apart: bool | None,
    ) -> str:
        """The first batch is parsed here while the child starts; then the child reads on,
        unless (`parse_apart` None) other programs kept the cores busy meanwhile and this
        process is faster alone. Returns the file's sha256."""
        apart = stack.enter_context(ParseProcess(self.path, self.parser, batch_records, size))
        before = cpu_sample(apart.pid) if parse_apart is None else None
        reader = LineReader(self.parser, batch_records)
        chunks = reader.stream(stream)
        for chunk in chunks:
            self._apply(chunk, size)
            if chunk.batch is not None:
                break
        if before is not None and not core_to_spare(before, cpu_sample(apart.pid)):
            log.info("parsing %s here: other programs keep the cores busy", self.path)
            apart.cancel()
            digest = stack.enter_context(FileDigest(self.path, size))
            self._apply_all(chunks, size)
            return digest.hexdigest(self.consumed)
        apart.start(reader.resume())
        self._apply_all(apart, size)
        return apart.sha256  # the parse process hashes the file

    def _apply_all(self, chunks: Iterable[Chunk], size: int) -> None:
        for chunk in chunks:
            self._apply(chunk, size)
        self._count(self.loader.wait())

    def _close_quarantine(self) -> None:
        if self._quarantine is not None:
            self._quarantine.close()

    def _apply(self, chunk: Chunk, size: int) -> None:
        """Quarantine, count and store what a chunk brings, in the order it was read."""
        for number, reason, raw in chunk.rejects:
            self._reject(number, reason, raw)
        for name, value in zip(COUNTED, chunk.counts, strict=True):
            setattr(self.summary, name, value)
        self.consumed = chunk.done
        if chunk.batch is not None:
            self._count(self.loader.load(chunk.batch))
        self._tick(chunk.done, size)

    def _whole_document(self, stream: IO[bytes], size: int) -> tuple[Any, bytes] | None:
        """A pretty-printed JSON document (one API answer saved whole), read as one line."""
        first = b""
        while line := stream.readline(MAX_LINE):
            if line.strip(b" \t\r\n" + _BOM):
                first = line.lstrip(_BOM)
                break
        stream.seek(0)
        if size > WHOLE_DOCUMENT_LIMIT or first.lstrip()[:1] not in (b"{", b"["):
            return None
        try:
            json_loads(first)
        except ValueError:
            pass
        else:
            return None  # the first line is a document of its own: JSON Lines
        data = stream.read()
        stream.seek(0)
        try:
            return storable(json_loads(data.lstrip(_BOM))), data
        except ValueError:
            return None

    def _count(self, report: LoadReport | None) -> None:
        if report is not None:
            self.report.add(report)

    def _reject(self, number: int, reason: str, raw: bytes) -> None:
        self.summary.quarantined += 1
        log.info("%s:%s quarantined: %s", self.path, number, reason)
        if self._quarantine is None:
            folder = self.settings.home / "quarantine"
            folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            target = folder / f"{stamp}-{self.path.stem}.jsonl"
            self.summary.quarantine_file = str(target)
            self._quarantine = target.open("a", encoding="utf-8")
        text = raw[:QUARANTINED_TEXT_LIMIT].decode("utf-8", errors="replace").rstrip("\r\n")
        entry: dict[str, Any] = {"file": str(self.path), "line": number, "reason": reason}
        entry["text"] = text
        if len(raw) > QUARANTINED_TEXT_LIMIT:
            entry["truncated"] = True
        self._quarantine.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def _tick(self, done: int, total: int, *, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.perf_counter()
        if not force and now - self._last_progress < _PROGRESS_EVERY:
            return
        self._last_progress = now
        self.progress(
            ImportProgress(
                file=self.path.name,
                bytes_done=done,
                bytes_total=total,
                lines=self.summary.lines,
                records=self.summary.records,
                elapsed=now - self._started,
            )
        )
