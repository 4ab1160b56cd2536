"""Server-side media fetching refuses what it must and stores a good image once by sha256."""

from __future__ import annotations

import hashlib
import io
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from vigil.errors import PlatformError
from vigil.platforms.media_fetch import MediaFetcher
from vigil.platforms.records import MediaRecord
from vigil.store.media import MediaRejectedError, MediaStore

PUBLIC = "93.184.216.34"


def _png(size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


def _resolver(address: str) -> Callable[..., list[tuple[Any, ...]]]:
    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


Routes = dict[str, httpx.Response]


@pytest.fixture
def routes() -> Routes:
    return {}


@pytest.fixture
def fetcher(tmp_path: Path, routes: Routes) -> Iterator[MediaFetcher]:
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return routes.get(str(request.url), httpx.Response(404))

    f = MediaFetcher(
        MediaStore(tmp_path / "media"),
        max_bytes=100_000,
        transport=httpx.MockTransport(handler),
        resolve=_resolver(PUBLIC),
    )
    f.requested = requested  # type: ignore[attr-defined]
    yield f
    f.close()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and ".incoming" not in p.parts]


def test_a_good_image_is_stored_once_by_sha256(fetcher: MediaFetcher, routes: Routes) -> None:
    data = _png()
    for name in ("a", "b"):
        routes[f"https://cdn.test/{name}.png"] = httpx.Response(
            200, content=data, headers={"content-type": "image/png"}
        )
    first = fetcher.fetch("https://cdn.test/a.png", kind="photo")
    second = fetcher.fetch("https://cdn.test/b.png", kind="photo")
    assert first.sha256 == second.sha256 == hashlib.sha256(data).hexdigest()
    assert first.path == second.path
    assert (first.width, first.height) == (40, 30)
    assert _files(fetcher.store.root) == [first.path]
    assert first.path.read_bytes() == data


def test_oversize_is_refused_by_header_and_while_streaming(
    fetcher: MediaFetcher, routes: Routes
) -> None:
    big = _png((600, 600), "RGB") + b"\0" * 200_000
    routes["https://cdn.test/declared.png"] = httpx.Response(
        200, content=big, headers={"content-type": "image/png"}
    )
    routes["https://cdn.test/chunked.png"] = httpx.Response(
        200,
        content=iter([big[i : i + 8192] for i in range(0, len(big), 8192)]),
        headers={"content-type": "image/png"},
    )
    with pytest.raises(MediaRejectedError, match="100,000-byte limit"):
        fetcher.fetch("https://cdn.test/declared.png")
    with pytest.raises(MediaRejectedError, match="100,000-byte limit"):
        fetcher.fetch("https://cdn.test/chunked.png")
    assert _files(fetcher.store.root) == []


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("text/html", b"<html>hello</html>", "is not an image or video"),
        ("application/octet-stream", _png(), "is not an image or video"),
        ("", _png(), "is not an image or video"),
        ("image/png", b"<html>not an image</html>", "the bytes are something else"),
        ("image/png", _jpeg(), "declared image/png but the bytes are image/jpeg"),
    ],
)
def test_wrong_content_type_is_refused(
    fetcher: MediaFetcher, routes: Routes, content_type: str, body: bytes, message: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    routes["https://cdn.test/x"] = httpx.Response(200, content=body, headers=headers)
    with pytest.raises(MediaRejectedError, match=message):
        fetcher.fetch("https://cdn.test/x")
    assert _files(fetcher.store.root) == []


def test_a_decompression_bomb_is_refused(tmp_path: Path) -> None:
    bomb = _png((12_000, 12_000), "1")  # 144 megapixels in ~17 kB
    assert len(bomb) < 50_000

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bomb, headers={"content-type": "image/png"})

    # A store whose own pixel cap would allow it: only Pillow's guard stands in the way.
    store = MediaStore(tmp_path / "media", max_pixels=10**10)
    fetcher = MediaFetcher(store, transport=httpx.MockTransport(handler), resolve=_resolver(PUBLIC))
    with pytest.raises(MediaRejectedError, match="decompression bomb"):
        fetcher.fetch("https://cdn.test/bomb.png", kind="photo")
    assert _files(store.root) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "not an http"),
        ("ftp://cdn.test/a.png", "not an http"),
        ("https://user:secret@cdn.test/a.png", "credentials"),
        ("http://127.0.0.1:5432/a.png", "non-public address 127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data", "non-public address"),
        ("http://[::1]/a.png", "non-public address ::1"),
    ],
)
def test_urls_outside_the_public_internet_are_refused(
    tmp_path: Path, url: str, message: str
) -> None:
    fetcher = MediaFetcher(
        MediaStore(tmp_path), transport=httpx.MockTransport(lambda r: httpx.Response(500))
    )
    with pytest.raises(MediaRejectedError, match=message):
        fetcher.fetch(url)


def test_a_redirect_into_the_private_network_is_refused(tmp_path: Path) -> None:
    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        address = "10.0.0.5" if host == "internal.test" else PUBLIC
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "http://internal.test/secret.png"})

    fetcher = MediaFetcher(
        MediaStore(tmp_path), transport=httpx.MockTransport(handler), resolve=resolve
    )
    with pytest.raises(MediaRejectedError, match=r"non-public address 10\.0\.0\.5"):
        fetcher.fetch("https://cdn.test/a.png")


def test_the_api_host_is_trusted_although_private(tmp_path: Path) -> None:
    data = _png()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=data, headers={"content-type": "image/png"})

    fetcher = MediaFetcher(
        MediaStore(tmp_path),
        allow_hosts=["127.0.0.1:8787"],
        transport=httpx.MockTransport(handler),
    )
    assert (
        fetcher.fetch("http://127.0.0.1:8787/media/a.png").sha256
        == hashlib.sha256(data).hexdigest()
    )
    with pytest.raises(MediaRejectedError, match="non-public"):
        fetcher.fetch("http://127.0.0.1:8788/media/a.png")


def test_prefetch_counts_failures_and_links_only_what_it_stored(
    fetcher: MediaFetcher, routes: Routes
) -> None:
    routes["https://cdn.test/ok.png"] = httpx.Response(
        200, content=_png(), headers={"content-type": "image/png"}
    )
    routes["https://cdn.test/page.html"] = httpx.Response(
        200, content=b"<html/>", headers={"content-type": "text/html"}
    )
    now = datetime.now(UTC)
    media = [
        MediaRecord("3_1", "photo", now, url="https://cdn.test/ok.png"),
        MediaRecord("3_2", "photo", now, url="https://cdn.test/page.html"),
        MediaRecord("3_3", "photo", now, url="https://cdn.test/missing.png"),
        MediaRecord("3_4", "photo", now),
    ]
    fetcher.prefetch(media)
    fetcher.prefetch(media)
    assert fetcher.stats() == {"fetched": 1, "rejected": 1, "failed": 1}
    assert len(fetcher.requested) == 3, "each media fetched once per run"  # type: ignore[attr-defined]
    linker = fetcher.linker
    assert linker.link("3_1", None, "photo") is not None
    assert linker.link("3_2", None, "photo") is None
    assert linker.link("3_4", None, "photo") is None


def test_http_errors_are_platform_errors(fetcher: MediaFetcher) -> None:
    with pytest.raises(PlatformError, match="HTTP 404"):
        fetcher.fetch("https://cdn.test/missing.png")
