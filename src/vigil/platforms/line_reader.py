"""A file's lines parsed into batches of records: the part of an import that needs no store.

It runs in the importing process or in a parse process of its own (`parse_worker`); either
way the same batches come out in the same order, with the lines to quarantine and counts.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, NamedTuple

import orjson

from vigil.platforms.import_summary import FileSummary
from vigil.platforms.record_batch import Batch
from vigil.platforms.records import Record, ShapeError, storable

__all__ = [
    "COUNTED",
    "MAX_LINE",
    "QUARANTINED_TEXT_LIMIT",
    "Chunk",
    "LineParser",
    "LineReader",
    "Reject",
    "few_collections",
    "json_loads",
    "loads",
]

MAX_LINE = 64 * 1024 * 1024
QUARANTINED_TEXT_LIMIT = 1024 * 1024
PROGRESS_EVERY = 0.2  # seconds
_BOM = b"\xef\xbb\xbf"
_DIGITS_TO_ZERO = bytes.maketrans(b"-123456789", b"0" * 10)
_LONG_NUMBER = b"0" * 20
_NUL = b"\\u0000"

LineParser = Callable[[Any], list[Record]]
Reject = tuple[int, str, bytes]  # line number, reason, the line (cut after what is kept)
COUNTED = (
    "lines",
    "blank_lines",
    "accounts",
    "account_refs",
    "posts",
    "media",
    "follows",
    "statuses",
)


@contextmanager
def few_collections() -> Iterator[None]:
    """Fewer garbage-collector passes while millions of short-lived objects come and go.

    Records hold no cycles, so reference counting frees them; each collector pass walks
    the young objects still alive (a batch's records, rows, dictionaries), and every
    object of the process in a full pass. Passes a hundred thousand allocations apart let
    most of a batch's temporaries die before one comes: a tenth of an import's time less.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


class Chunk(NamedTuple):
    """What reading went through since the previous chunk."""

    batch: Batch | None  # records to store, once a batch is full (and at the end)
    counts: tuple[int, ...]  # the file's `COUNTED` so far
    done: int  # bytes read so far
    rejects: list[Reject]  # lines to quarantine, in order
    named: int = 0  # accounts and handles the batches so far named, counted batch by batch


def loads(raw: bytes) -> Any:
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
            # A backslash first: one byte is found (or not) many times faster than six.
            return storable(obj) if b"\\" in raw and _NUL in raw else obj
    return storable(json_loads(raw.decode("utf-8")))


def json_loads(text: str | bytes) -> Any:
    """`json.loads`, with nesting too deep for it a ValueError like any other bad JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


class LineReader:
    """Parses lines with `parser` and hands out a batch every `batch_records` records.

    Between batches a chunk without one comes every `PROGRESS_EVERY` seconds, so progress
    and quarantined lines show while a batch fills; batches never depend on time.
    """

    def __init__(
        self, parser: LineParser, batch_records: int, *, after: Chunk | None = None
    ) -> None:
        """`after`: the chunk where another reader stopped, at a batch's end (`resume`)."""
        self.parser = parser
        self.batch_records = batch_records
        self.counts = FileSummary(file="")
        self.pending: list[Record] = []
        self.rejects: list[Reject] = []
        self.done = 0
        self.named = 0
        self._last = time.perf_counter()
        if after is not None:
            for name, value in zip(COUNTED, after.counts, strict=True):
                setattr(self.counts, name, value)
            self.done = after.done
            self.named = after.named

    def resume(self) -> Chunk:
        """Where this reader stands: another one, made ``after`` it, reads on from there
        (the stream positioned at `done`) as this one would have, batch for batch."""
        if self.pending:
            raise RuntimeError("records are pending: resume at the end of a batch")
        return self._chunk(None)

    def document(self, obj: Any, size: int) -> Iterator[Chunk]:
        """A whole JSON document of `size` bytes, taken as line 1."""
        self.counts.lines = 1
        self.done = size
        self._take(1, obj)
        yield self._chunk(self._batch())

    def stream(self, stream: IO[bytes]) -> Iterator[Chunk]:
        """Every line of `stream`; the last chunk holds what is left and the bytes read."""
        counts = self.counts
        number = counts.lines
        while raw := stream.readline(MAX_LINE):
            number += 1
            counts.lines = number
            self.done += len(raw)
            if len(raw) == MAX_LINE and not raw.endswith(b"\n"):
                while rest := stream.readline(MAX_LINE):
                    self.done += len(rest)
                    if rest.endswith(b"\n"):
                        break
                self._reject(number, f"line longer than {MAX_LINE:,} bytes", raw)
                continue
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                counts.blank_lines += 1
                continue
            try:
                obj = loads(raw)
            except UnicodeDecodeError:
                self._reject(number, "not UTF-8 text", raw)
                continue
            except ValueError as exc:
                self._reject(number, f"not JSON: {exc}", raw)
                continue
            self._take(number, obj)
            if len(self.pending) >= self.batch_records:
                yield self._chunk(self._batch())
            elif time.perf_counter() - self._last >= PROGRESS_EVERY:
                yield self._chunk(None)
        yield self._chunk(self._batch())

    def _take(self, number: int, obj: Any) -> None:
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
        self.counts.count(records)
        self.pending.extend(records)

    def _reject(self, number: int, reason: str, raw: bytes) -> None:
        # One byte past what the quarantine keeps tells it the line was longer.
        self.rejects.append((number, reason, raw[: QUARANTINED_TEXT_LIMIT + 1]))

    def _batch(self) -> Batch | None:
        if not self.pending:
            return None
        batch = Batch.of(self.pending)
        batch.find_placeholders()
        named = batch.placeholders
        assert named is not None
        self.named += len(named.profiled) + len(named.stubs) + len(named.wanted)
        self.pending = []
        return batch

    def _chunk(self, batch: Batch | None) -> Chunk:
        counts = tuple(getattr(self.counts, name) for name in COUNTED)
        chunk = Chunk(batch, counts, self.done, self.rejects, self.named)
        self.rejects = []
        self._last = time.perf_counter()
        return chunk
