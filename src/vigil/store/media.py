"""Content-addressed media files under `Settings.media_dir`, each stored once by sha256.

Files are untrusted: a size cap applies while copying, the format is read from the bytes
(never from the name), and images pass Pillow's decompression-bomb guard and a pixel cap.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from vigil.errors import InputError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "MediaRejectedError",
    "MediaStore",
    "StoredMedia",
    "sniff_format",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000
_CHUNK = 1024 * 1024

# format -> (content type, file extension, is an image Pillow must decode)
_FORMATS: dict[str, tuple[str, str, bool]] = {
    "jpeg": ("image/jpeg", "jpg", True),
    "png": ("image/png", "png", True),
    "gif": ("image/gif", "gif", True),
    "webp": ("image/webp", "webp", True),
    "mp4": ("video/mp4", "mp4", False),
    "webm": ("video/webm", "webm", False),
}
_PILLOW_NAMES = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
_IMAGE_KINDS = {"photo", "image"}
_VIDEO_KINDS = {"video", "animated_gif", "gifv"}


class MediaRejectedError(InputError):
    """A media file was refused: too large, an unknown format, or an unsafe image."""


@dataclass(frozen=True, slots=True)
class StoredMedia:
    """A file in the store; `relative_path` is what the database keeps."""

    sha256: str
    relative_path: str
    path: Path
    size: int
    content_type: str
    width: int | None
    height: int | None


def sniff_format(head: bytes) -> str | None:
    """The media format named by a file's first bytes, or None when it is none we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return None


def _kind_allows(kind: str | None, fmt: str) -> bool:
    if kind is None or kind not in _IMAGE_KINDS | _VIDEO_KINDS:
        return True
    is_image = _FORMATS[fmt][2]
    if kind in _IMAGE_KINDS:
        return is_image
    # An X "animated_gif" is an MP4, but a GIF file for it is no lie either.
    return not is_image or fmt == "gif"


class MediaStore:
    """Files at ``<root>/<aa>/<bb>/<sha256>.<ext>``; storing the same bytes twice is a no-op."""

    def __init__(
        self,
        root: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels

    def path_for(self, sha256: str, fmt: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.{_FORMATS[fmt][1]}"

    def put_file(self, source: Path, *, kind: str | None = None) -> StoredMedia:
        """Copy `source` into the store; `kind` is what the platform calls it (photo, video...)."""
        try:
            with source.open("rb") as stream:
                return self.put_stream(stream, kind=kind, name=str(source))
        except OSError as exc:
            raise MediaRejectedError(f"cannot read: {exc.strerror}", source=str(source)) from exc

    def put_bytes(
        self, data: bytes, *, kind: str | None = None, name: str = "<bytes>"
    ) -> StoredMedia:
        return self.put_stream(io.BytesIO(data), kind=kind, name=name)

    def put_stream(self, stream: BinaryIO, *, kind: str | None, name: str) -> StoredMedia:
        """Copy a stream into a temporary file while hashing it, check it, then move it in place."""
        staging = self.root / ".incoming"
        try:
            staging.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MediaRejectedError(f"media store {self.root}: {exc.strerror}") from exc
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp_name = tempfile.mkstemp(dir=staging)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise MediaRejectedError(
                            f"larger than the {self.max_bytes:,}-byte limit", source=name
                        )
                    if len(head) < 16:
                        head += chunk[: 16 - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
            fmt = sniff_format(head)
            if fmt is None:
                raise MediaRejectedError("not an image or video format Vigil accepts", source=name)
            if not _kind_allows(kind, fmt):
                raise MediaRejectedError(
                    f"the file is {fmt.upper()} but the platform says it is a {kind}", source=name
                )
            width, height = self._check_image(tmp, fmt, name) if _FORMATS[fmt][2] else (None, None)
            sha = digest.hexdigest()
            final = self.path_for(sha, fmt)
            if final.exists():
                tmp.unlink()
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
                log.debug("stored %s as %s", name, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredMedia(
            sha256=sha,
            relative_path=final.relative_to(self.root).as_posix(),
            path=final,
            size=size,
            content_type=_FORMATS[fmt][0],
            width=width,
            height=height,
        )

    def _check_image(self, path: Path, fmt: str, name: str) -> tuple[int, int]:
        """Open the header only (no full decode), refusing bombs and mislabelled formats."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path, formats=[_PILLOW_NAMES[fmt]]) as img:
                    width, height = img.size
                    if width * height > self.max_pixels:
                        raise MediaRejectedError(
                            f"{width}x{height} pixels exceeds the {self.max_pixels:,}-pixel limit",
                            source=name,
                        )
                    img.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaRejectedError(f"decompression bomb: {exc}", source=name) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise MediaRejectedError(
                f"not a valid {fmt.upper()} image: {exc}", source=name
            ) from exc
        return width, height
