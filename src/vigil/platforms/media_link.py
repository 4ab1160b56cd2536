"""Media files named by media key (``3_1377650087799754753.jpg``) found in a directory.

Importers link them to their `Media` rows; the bytes go to the content-addressed store.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from vigil.store.media import MediaRejectedError, MediaStore, StoredMedia

__all__ = ["MediaLinker"]

log = logging.getLogger(__name__)

_EXTENSIONS = ("", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4", ".webm")
_REMEMBER = 50_000


class MediaLinker:
    """Looks up ``<dir>/<media key>[.ext]`` (or the file name in the media URL) and stores it.

    `linked` counts files stored, `rejected` says which were refused and why.
    """

    def __init__(self, directory: Path, store: MediaStore) -> None:
        self.directory = directory
        self.store = store
        self.linked = 0
        self.rejected: list[str] = []
        # Includes repeat the same media on many pages: hash each file once per run.
        self._seen: OrderedDict[str, StoredMedia | None] = OrderedDict()

    def find(self, media_key: str, url: str | None = None) -> Path | None:
        stems = [media_key]
        if url:
            name = PurePosixPath(urlsplit(url).path).name
            stem = name.rsplit(".", 1)[0] if "." in name else name
            if stem and stem not in stems:
                stems.append(stem)
        for stem in stems:
            if "/" in stem or "\\" in stem or stem.startswith("."):
                continue  # never let a key reach outside the directory
            for ext in _EXTENSIONS:
                candidate = self.directory / f"{stem}{ext}"
                if candidate.is_file():
                    return candidate
        return None

    def link(self, media_key: str, url: str | None, kind: str | None) -> StoredMedia | None:
        """The stored file for a media key; None when there is none or it was refused."""
        if media_key in self._seen:
            self._seen.move_to_end(media_key)
            return self._seen[media_key]
        path = self.find(media_key, url)
        stored = None
        if path is not None:
            try:
                stored = self.store.put_file(path, kind=kind)
            except MediaRejectedError as exc:
                log.info("media file refused: %s", exc)
                self.rejected.append(str(exc))
            else:
                self.linked += 1
                log.debug("linked media %s to %s", media_key, stored.relative_path)
        self._seen[media_key] = stored
        if len(self._seen) > _REMEMBER:
            self._seen.popitem(last=False)
        return stored
