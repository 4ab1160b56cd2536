"""File imports: stream lines, parse each into records, load them in batches.

Memory stays flat however large the file (one line and one batch at a time). Every input is
checked before anything is written; a line that is not JSON, or not a known shape, goes to a
quarantine file with its file name, line number and reason, and the import goes on. Each
imported file is one audit event.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from vigil.config import Settings
from vigil.errors import InputError, NotFoundError
from vigil.platforms.file_digest import FileDigest
from vigil.platforms.import_summary import FileSummary, ImportProgress, ImportSummary, ProgressFn
from vigil.platforms.load_thread import LoaderThread
from vigil.platforms.loader import Loader, LoadReport
from vigil.platforms.media_link import MediaLinker
from vigil.platforms.records import PlatformSpec, Record, ShapeError, storable
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

MAX_LINE = 64 * 1024 * 1024
WHOLE_DOCUMENT_LIMIT = 64 * 1024 * 1024  # a pretty-printed JSON page is read whole up to this
QUARANTINED_TEXT_LIMIT = 1024 * 1024
BATCH_RECORDS = 20_000
_PROGRESS_EVERY = 0.2  # seconds
_BOM = b"\xef\xbb\xbf"
_DIGITS_TO_ZERO = bytes.maketrans(b"-123456789", b"0" * 10)
_LONG_NUMBER = b"0" * 20
_NUL = b"\\u0000"

LineParser = Callable[[Any], list[Record]]


def _loads(raw: bytes) -> Any:
    """One JSON line, parsed by orjson (twice as fast) where it means what `json` means.

    orjson turns integers beyond 64 bits into floats, and refuses what `json` accepts
    (NaN, lone surrogates): such lines, and bad ones (for `json`'s error message), go to
    `json`. An integer that big has at least 20 digits, counting a minus sign.
    """
    if _LONG_NUMBER not in raw.translate(_DIGITS_TO_ZERO):
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            return storable(obj) if _NUL in raw else obj
    return storable(_json_loads(raw.decode("utf-8")))


def _json_loads(text: str | bytes) -> Any:
    """`json.loads`, with nesting too deep for it a ValueError like any other bad JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


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
) -> ImportSummary:
    """Import files in order; `parser_for(path, file_time)` makes each file's line parser.

    `file_time` (the file's modification time) dates records whose lines carry no time.
    """
    check_inputs(paths)
    if media_dir is not None and not media_dir.is_dir():
        raise NotFoundError(f"{media_dir}: no such media directory")
    linker = None
    if media_dir is not None:
        linker = MediaLinker(media_dir, MediaStore(settings.media_dir))
    summary = ImportSummary(platform=platform.name)
    with (
        _few_collections(),
        LoaderThread(lambda: Loader(db, platform, media=linker)) as loader,
    ):
        for path in paths:
            file_time = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            run = _FileRun(path, settings, loader, parser_for(path, file_time), progress)
            linked_before = linker.linked if linker else 0
            rejected_before = len(linker.rejected) if linker else 0
            result = run.execute(batch_records)
            loader.run(loader.loader.flush)  # the file is all stored before its audit event
            if linker is not None:
                result.media_linked = linker.linked - linked_before
                result.media_rejected = linker.rejected[rejected_before:]
            _audit(db, actor, platform, path, result)
            summary.files.append(result)
            log.info("imported %s: %s lines, %s records", path, result.lines, result.records)
        summary.references_resolved = loader.run(loader.loader.finish)
    return summary


@contextmanager
def _few_collections() -> Iterator[None]:
    """Fewer garbage-collector passes while millions of short-lived objects come and go.

    Records hold no cycles, so reference counting frees them; full passes over every object
    of the process (the libraries too) cost an import a seventh of its time.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


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


class _FileRun:
    """One file streamed through parser and loader."""

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
        self.pending: list[Record] = []
        self.report = LoadReport()
        self._quarantine: IO[str] | None = None
        self._started = time.perf_counter()
        self._last_progress = 0.0

    def execute(self, batch_records: int) -> FileSummary:
        size = self.path.stat().st_size
        self.summary.bytes = size
        digest = FileDigest(self.path, size)
        try:
            with self.path.open("rb") as stream:
                whole = self._whole_document(stream, size)
                if whole is not None:
                    consumed = len(whole[1])
                    self.summary.lines = 1
                    self._take(1, whole[0], batch_records)
                else:
                    consumed = self._stream(stream, size, batch_records)
            self._flush()
            self._count(self.loader.wait())
        except BaseException:
            digest.cancel()
            raise
        finally:
            if self._quarantine is not None:
                self._quarantine.close()
        self.summary.sha256 = digest.hexdigest(consumed)
        self.summary.observations = self.report.observations
        self.summary.unresolved = self.report.unresolved
        self.summary.seconds = time.perf_counter() - self._started
        self._tick(size, size, force=True)
        return self.summary

    def _stream(self, stream: IO[bytes], size: int, batch_records: int) -> int:
        """Every line parsed and queued for loading; returns the bytes read."""
        done = 0
        number = 0
        while raw := stream.readline(MAX_LINE):
            number += 1
            self.summary.lines = number
            done += len(raw)
            if len(raw) == MAX_LINE and not raw.endswith(b"\n"):
                while rest := stream.readline(MAX_LINE):
                    done += len(rest)
                    if rest.endswith(b"\n"):
                        break
                self._reject(number, f"line longer than {MAX_LINE:,} bytes", raw)
                continue
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                self.summary.blank_lines += 1
                continue
            try:
                obj = _loads(raw)
            except UnicodeDecodeError:
                self._reject(number, "not UTF-8 text", raw)
                continue
            except ValueError as exc:
                self._reject(number, f"not JSON: {exc}", raw)
                continue
            self._take(number, obj, batch_records)
            self._tick(done, size)
        return done

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
            _json_loads(first)
        except ValueError:
            pass
        else:
            return None  # the first line is a document of its own: JSON Lines
        data = stream.read()
        stream.seek(0)
        try:
            return storable(_json_loads(data.lstrip(_BOM))), data
        except ValueError:
            return None

    def _take(self, number: int, obj: Any, batch_records: int) -> None:
        try:
            records = self.parser(obj)
        except ShapeError as exc:
            self._reject(number, f"not a shape Vigil knows: {exc}", json.dumps(obj).encode())
            return
        except (KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
            # A field of an unexpected type deep inside a known shape, or references
            # nested deeper than the parser recurses.
            reason = f"malformed {type(exc).__name__}: {exc}"
            self._reject(number, reason, json.dumps(obj).encode())
            return
        self.summary.count(records)
        self.pending.extend(records)
        if len(self.pending) >= batch_records:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self._count(self.loader.load(self.pending))
            self.pending = []

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
