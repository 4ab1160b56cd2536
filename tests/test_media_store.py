"""The content-addressed media store: stored once by sha256, and refusing unsafe files."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from vigil.store.media import MediaRejectedError, MediaStore, sniff_format


def png_bytes(
    size: tuple[int, int] = (32, 24), color: tuple[int, int, int] = (10, 120, 200)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def with_png_size(data: bytes, width: int, height: int) -> bytes:
    """The same PNG claiming other dimensions in its header (CRC fixed), decoding nothing."""
    assert data[12:16] == b"IHDR"
    ihdr = struct.pack(">II", width, height) + data[24:29]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return data[:16] + ihdr + crc + data[33:]


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media")


def test_a_file_is_stored_once_under_its_sha256(store: MediaStore, tmp_path: Path) -> None:
    data = png_bytes()
    source = tmp_path / "3_123.png"
    source.write_bytes(data)
    first = store.put_file(source, kind="photo")
    second = store.put_bytes(data, kind="image")
    digest = hashlib.sha256(data).hexdigest()
    assert first == second
    assert first.sha256 == digest
    assert first.relative_path == f"{digest[:2]}/{digest[2:4]}/{digest}.png"
    assert first.path.read_bytes() == data
    assert (first.content_type, first.size, first.width, first.height) == (
        "image/png",
        len(data),
        32,
        24,
    )
    assert files_in(store.root) == [first.path]


def test_different_bytes_are_different_files(store: MediaStore) -> None:
    a = store.put_bytes(png_bytes(color=(1, 2, 3)))
    b = store.put_bytes(png_bytes(color=(3, 2, 1)))
    assert a.sha256 != b.sha256
    assert len(files_in(store.root)) == 2


def test_the_size_cap_applies_while_copying(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media", max_bytes=50)
    with pytest.raises(MediaRejectedError, match="50-byte limit"):
        store.put_bytes(png_bytes())
    assert files_in(store.root) == []


def test_the_format_comes_from_the_bytes_not_the_name(store: MediaStore, tmp_path: Path) -> None:
    fake = tmp_path / "3_1.jpg"
    fake.write_text("<html><script>alert(1)</script></html>")
    with pytest.raises(MediaRejectedError, match="not an image or video format"):
        store.put_file(fake)
    assert files_in(store.root) == []


@pytest.mark.parametrize(
    ("data", "kind", "accepted"),
    [
        (png_bytes(), "photo", True),
        (png_bytes(), "video", False),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video", True),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "animated_gif", True),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "photo", False),
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 64, "gifv", True),
    ],
    ids=["png-photo", "png-video", "mp4-video", "mp4-gif", "mp4-photo", "webm-gifv"],
)
def test_the_platform_kind_must_match_the_format(
    store: MediaStore, data: bytes, kind: str, accepted: bool
) -> None:
    if accepted:
        assert store.put_bytes(data, kind=kind).sha256 == hashlib.sha256(data).hexdigest()
    else:
        with pytest.raises(MediaRejectedError, match="platform says"):
            store.put_bytes(data, kind=kind)


def test_a_decompression_bomb_is_refused_before_decoding(store: MediaStore) -> None:
    bomb = with_png_size(png_bytes(), 60_000, 60_000)  # 3.6 gigapixels claimed
    with pytest.raises(MediaRejectedError, match="decompression bomb"):
        store.put_bytes(bomb)
    assert files_in(store.root) == []


def test_the_pixel_cap_is_configurable(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media", max_pixels=500)
    with pytest.raises(MediaRejectedError, match="500-pixel limit"):
        store.put_bytes(png_bytes((32, 24)))


def test_a_corrupt_image_is_refused(store: MediaStore) -> None:
    data = png_bytes()
    with pytest.raises(MediaRejectedError, match="not a valid PNG"):
        store.put_bytes(data[:60] + b"\x00" * 40)
    assert files_in(store.root) == []


def test_sniff_format() -> None:
    assert sniff_format(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff_format(b"GIF89a....") == "gif"
    assert sniff_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert sniff_format(b"%PDF-1.7") is None
