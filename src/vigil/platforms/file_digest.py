"""The sha256 of the bytes an import read, hashed on a thread of its own.

hashlib and file reads release the GIL, so hashing (a fifth of the parsing thread's work on
large files) runs beside parsing and loading instead of in turn with them.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

__all__ = ["FileDigest"]

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


class FileDigest:
    """Starts hashing the `size` bytes the file has when the import begins (cancelled when
    its ``with`` block fails).

    Bytes appended while the import ran are added at the end, and a file that shrank is
    hashed again as far as it was read: the digest is always of the bytes imported.
    """

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self.size = size
        self._digest = hashlib.sha256()
        self._hashed = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vigil-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with self.path.open("rb") as stream:
                while self._hashed < self.size and not self._stopped.is_set():
                    chunk = stream.read(min(CHUNK, self.size - self._hashed))
                    if not chunk:
                        break
                    self._digest.update(chunk)
                    self._hashed += len(chunk)
        except OSError:
            log.debug("hashing %s on the side failed; it is hashed again at the end", self.path)

    def __enter__(self) -> FileDigest:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is not None:
            self.cancel()

    def cancel(self) -> None:
        """End the thread early (the import failed)."""
        self._stopped.set()
        self._thread.join()

    def hexdigest(self, consumed: int) -> str:
        """The digest of the first `consumed` bytes (all the import read)."""
        self._thread.join()
        digest, start = self._digest, self._hashed
        if self._hashed != self.size or consumed < self.size:
            digest, start = hashlib.sha256(), 0
        if start >= consumed:
            return digest.hexdigest()
        with self.path.open("rb") as stream:
            stream.seek(start)
            while start < consumed and (chunk := stream.read(min(CHUNK, consumed - start))):
                digest.update(chunk)
                start += len(chunk)
        return digest.hexdigest()
