"""Fetching posted media server-side, never from a reviewer's browser, into the media store.

Every URL comes from a platform and is untrusted: only http(s), no addresses inside the
network unless the host is the API's own, a content-type check before the body is read, a
byte cap while streaming, the magic bytes must agree with the declared type, and images
pass the store's Pillow decompression-bomb guard. Files are stored once by sha256.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

import vigil
from vigil.errors import PlatformError
from vigil.platforms.media_link import MediaLinker
from vigil.platforms.records import MediaRecord
from vigil.store.media import MediaRejectedError, MediaStore, StoredMedia, sniff_format

__all__ = ["ACCEPTED_TYPES", "DEFAULT_FETCH_BYTES", "MediaFetcher"]

log = logging.getLogger(__name__)

DEFAULT_FETCH_BYTES = 16 * 1024 * 1024
ACCEPTED_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"})
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}
_SNIFFED_TYPE = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "webm": "video/webm",
}
_CHUNK = 64 * 1024
_SPOOL = 1024 * 1024
_REMEMBER = 50_000

Resolver = Callable[..., list[tuple[Any, ...]]]


class MediaFetcher:
    """GETs media URLs with httpx and stores what passes every check in `store`.

    `allow_hosts` names hosts (``host:port``) trusted although they resolve to private
    addresses: the API's own host, e.g. a sim server on loopback. `transport` is the test seam.
    """

    def __init__(
        self,
        store: MediaStore,
        *,
        max_bytes: int = DEFAULT_FETCH_BYTES,
        accepted_types: Iterable[str] = ACCEPTED_TYPES,
        allow_hosts: Iterable[str] = (),
        block_private: bool = True,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_redirects: int = 3,
        resolve: Resolver = socket.getaddrinfo,
    ) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.accepted_types = frozenset(accepted_types)
        self.allow_hosts = frozenset(h.lower() for h in allow_hosts)
        self.block_private = block_private
        self.max_redirects = max_redirects
        self._resolve = resolve
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": f"vigil/{vigil.__version__} (media fetcher)"},
        )
        self._done: OrderedDict[str, StoredMedia | None] = OrderedDict()
        self.fetched = 0
        self.rejected: list[str] = []
        self.failed = 0

    def close(self) -> None:
        self._http.close()

    def stats(self) -> dict[str, int]:
        return {"fetched": self.fetched, "rejected": len(self.rejected), "failed": self.failed}

    # -- one URL --------------------------------------------------------------------------

    def fetch(self, url: str, *, kind: str | None = None) -> StoredMedia:
        """Download `url` into the store; raise `MediaRejectedError` or `PlatformError`."""
        current = url
        for _ in range(self.max_redirects + 1):
            self._check_url(current)
            request = self._http.build_request("GET", current)
            try:
                response = self._http.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise PlatformError(f"media {current}: {type(exc).__name__}: {exc}") from exc
            try:
                if response.is_redirect and "location" in response.headers:
                    current = urljoin(current, response.headers["location"])
                    continue
                return self._store(current, response, kind)
            finally:
                response.close()
        raise MediaRejectedError(f"more than {self.max_redirects} redirects", source=url)

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MediaRejectedError("not an http(s) URL", source=url)
        if parts.username is not None or parts.password is not None:
            raise MediaRejectedError("URLs with credentials are refused", source=url)
        netloc = parts.netloc.lower()
        if netloc in self.allow_hosts or not self.block_private:
            return
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = self._resolve(parts.hostname, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise MediaRejectedError(f"cannot resolve {parts.hostname}: {exc}", source=url) from exc
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if not address.is_global:
                raise MediaRejectedError(
                    f"{parts.hostname} resolves to the non-public address {address}", source=url
                )

    def _store(self, url: str, response: httpx.Response, kind: str | None) -> StoredMedia:
        if response.status_code != 200:
            raise PlatformError(f"media {url}: HTTP {response.status_code}")
        declared = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        declared = _ALIASES.get(declared, declared)
        if declared not in self.accepted_types:
            raise MediaRejectedError(
                f"content type {declared or 'none'!r} is not an image or video Vigil accepts",
                source=url,
            )
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise MediaRejectedError(
                f"{int(length):,} bytes is over the {self.max_bytes:,}-byte limit", source=url
            )
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as spool:
            size = 0
            try:
                for chunk in response.iter_bytes(_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise MediaRejectedError(
                            f"more than the {self.max_bytes:,}-byte limit", source=url
                        )
                    spool.write(chunk)
            except httpx.HTTPError as exc:
                raise PlatformError(f"media {url}: {type(exc).__name__}: {exc}") from exc
            spool.seek(0)
            sniffed = _SNIFFED_TYPE.get(sniff_format(spool.read(16)) or "")
            if sniffed != declared:
                raise MediaRejectedError(
                    f"declared {declared} but the bytes are {sniffed or 'something else'}",
                    source=url,
                )
            spool.seek(0)
            return self.store.put_stream(spool, kind=kind, name=url)  # type: ignore[arg-type]

    # -- batches --------------------------------------------------------------------------

    def prefetch(self, media: Sequence[MediaRecord]) -> None:
        """Fetch a batch's new media before the batch is stored; count failures, never raise."""
        for m in media:
            if m.media_key in self._done or not m.url:
                continue
            stored: StoredMedia | None = None
            try:
                stored = self.fetch(m.url, kind=m.kind)
                self.fetched += 1
            except MediaRejectedError as exc:
                self.rejected.append(str(exc))
                log.warning("media %s refused: %s", m.media_key, exc)
            except PlatformError as exc:
                self.failed += 1
                log.warning("media %s not fetched: %s", m.media_key, exc)
            self._done[m.media_key] = stored
            if len(self._done) > _REMEMBER:
                self._done.popitem(last=False)

    def stored(self, media_key: str) -> StoredMedia | None:
        return self._done.get(media_key)

    @property
    def linker(self) -> MediaLinker:
        """What the `Loader` asks for files: the ones this fetcher already stored."""
        return _FetchedLinker(self)


class _FetchedLinker(MediaLinker):
    """A `MediaLinker` whose files come from a `MediaFetcher`, never from a directory."""

    def __init__(self, fetcher: MediaFetcher) -> None:
        super().__init__(Path(), fetcher.store)
        self._fetcher = fetcher

    def find(self, media_key: str, url: str | None = None) -> Path | None:
        return None

    def link(self, media_key: str, url: str | None, kind: str | None) -> StoredMedia | None:
        stored = self._fetcher.stored(media_key)
        if stored is not None:
            self.linked += 1
        return stored
