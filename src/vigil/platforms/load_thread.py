"""A `Loader` driven from one background thread, so a batch is stored while the next is parsed.

SQLite and the database drivers release the GIL while they work and the parser does not, so
the two overlap. One batch is in flight at a time: memory holds at most two batches. Every
call reaches the loader on the same thread (SQLite connections stay on their thread).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from vigil.platforms.loader import Loader, LoadReport
from vigil.platforms.record_batch import Batch
from vigil.platforms.records import Record

__all__ = ["LoaderThread"]

T = TypeVar("T")


class LoaderThread:
    """Owns a loader made by `make` on its thread; `load` returns the previous batch's report."""

    def __init__(self, make: Callable[[], Loader]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigil-loader")
        self._inflight: Future[LoadReport] | None = None
        try:
            self.loader = self._pool.submit(lambda: make().__enter__()).result()
        except BaseException:
            self._pool.shutdown(wait=True)
            raise

    def load(self, records: Sequence[Record] | Batch) -> LoadReport | None:
        """Queue a batch after waiting for the one in flight, whose report comes back."""
        previous = self.wait()
        self._inflight = self._pool.submit(self.loader.load, records)
        return previous

    def wait(self) -> LoadReport | None:
        """The report of the batch in flight, once stored (its error, if it failed)."""
        inflight, self._inflight = self._inflight, None
        return None if inflight is None else inflight.result()

    def run(self, call: Callable[[], T]) -> T:
        """Run `call` on the loader's thread once nothing is in flight."""
        if self._inflight is not None:
            raise RuntimeError("a batch is in flight: wait() for its report first")
        return self._pool.submit(call).result()

    def __enter__(self) -> LoaderThread:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        try:
            if kind is None:
                self.wait()
            elif self._inflight is not None:
                self._inflight.exception()  # let it end; the first error is already raised
                self._inflight = None
            self._pool.submit(self.loader.__exit__, kind, None, None).result()
        finally:
            self._pool.shutdown(wait=True)
