"""Oversized and decompression-bomb images against the media store, the media fetcher and PDQ
hashing: refused from the header or after a bounded read, nothing left behind, memory bounded."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from vigil.errors import InputError
from vigil.platforms.media_fetch import MediaFetcher
from vigil.signals.pdq import hash_file
from vigil.store.media import MediaRejectedError, MediaStore

MB = 1024 * 1024


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(width: int, height: int, *, rows: int | None = None) -> bytes:
    """A grey PNG of width x height zeros: ~1000:1 compression, so 64 Mpx fit in ~64 KB."""
    z = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    parts = [z.compress(row) for _ in range(height if rows is None else rows)]
    idat = b"".join(parts) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def gif_screen(width: int, height: int) -> bytes:
    """A GIF whose header claims a huge logical screen around a 1x1 image."""
    img = io.BytesIO()
    Image.new("P", (1, 1)).save(img, format="GIF")
    data = bytearray(img.getvalue())
    data[6:10] = struct.pack("<HH", width, height)
    data[data.index(b",") + 5 : data.index(b",") + 9] = struct.pack("<HH", width, height)
    return bytes(data)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = png_bomb(8000, 8000)  # 64 Mpx > the 50 Mpx limit
    assert len(data) < 200_000
    return data


def _left_behind(store: MediaStore) -> list[Path]:
    return [p for p in store.root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("case", ["bomb", "header-lies", "gif-screen"])
def test_store_refuses_bombs_from_the_header(case: str, bomb: bytes, tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")
    data = {
        "bomb": bomb,
        "header-lies": png_bomb(100_000, 100_000, rows=1),
        "gif-screen": gif_screen(65_535, 65_535),
    }[case]
    with pytest.raises(MediaRejectedError, match=r"pixel|bomb|not a valid"):
        store.put_bytes(data, kind="photo", name=case)
    assert _left_behind(store) == []


class Endless(io.RawIOBase):
    """A stream that never ends: the store must stop reading at its byte limit."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        size = MB if n is None or n < 0 else min(n, MB)
        head = b"\x89PNG\r\n\x1a\n" if self.served == 0 else b""
        self.served += size
        return head + b"\0" * (size - len(head))


def test_store_stops_reading_an_oversized_stream(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media", max_bytes=4 * MB)
    stream = Endless()
    with pytest.raises(MediaRejectedError, match="limit"):
        store.put_stream(stream, kind="photo", name="endless")  # type: ignore[arg-type]
    assert stream.served <= 6 * MB
    assert _left_behind(store) == []


def test_pdq_refuses_a_bomb_already_on_disk(bomb: bytes, tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb)
    with pytest.raises(InputError, match=r"pixel|bomb"):
        hash_file(path)
    lying = tmp_path / "lying.png"
    lying.write_bytes(png_bomb(100_000, 100_000, rows=1))
    with pytest.raises(InputError):
        hash_file(lying)


def _fetcher(tmp_path: Path, handler: httpx.MockTransport) -> MediaFetcher:
    # The platform's CDN is the outside network: a transport stands in for it.
    return MediaFetcher(
        MediaStore(tmp_path / "media"),
        max_bytes=2 * MB,
        allow_hosts=["cdn.example"],
        transport=handler,
    )


def test_fetcher_refuses_declared_oversize_endless_bodies_bombs_and_disguises(
    bomb: bytes, tmp_path: Path
) -> None:
    pulled = {"chunks": 0}

    def endless() -> Iterator[bytes]:
        yield b"\x89PNG\r\n\x1a\n"
        while True:
            pulled["chunks"] += 1
            yield b"\0" * (256 * 1024)

    def handle(request: httpx.Request) -> httpx.Response:
        name = request.url.path.strip("/")
        png = {"content-type": "image/png"}
        if name == "declared":
            return httpx.Response(200, headers={**png, "content-length": str(10**12)}, content=b"")
        if name == "endless":
            return httpx.Response(200, headers=png, content=endless())
        if name == "bomb":
            return httpx.Response(200, headers=png, content=bomb)
        if name == "html":
            return httpx.Response(200, headers=png, content=b"<html><script>x</script>")
        return httpx.Response(404)

    fetcher = _fetcher(tmp_path, httpx.MockTransport(handle))
    try:
        for name, match in [
            ("declared", "limit"),
            ("endless", "limit"),
            ("bomb", "pixel|bomb"),
            ("html", "declared image/png"),
        ]:
            with pytest.raises(MediaRejectedError, match=match):
                fetcher.fetch(f"https://cdn.example/{name}", kind="photo")
        assert pulled["chunks"] <= 12  # 2 MB limit in 256 KB chunks, not the endless body
        for url in ("file:///etc/passwd", "https://user:pw@cdn.example/x", "gopher://cdn.example/"):
            with pytest.raises(MediaRejectedError):
                fetcher.fetch(url, kind="photo")
    finally:
        fetcher.close()
    assert _left_behind(fetcher.store) == []
