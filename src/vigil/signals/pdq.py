"""PDQ perceptual hashes through `pdqhash` (Meta's reference C++), as 64 hex digits;
videos as one hash a second of keyframes, the vPDQ way (decoded with PyAV).

Beyond what one whole-image hash survives: `content_region` finds the picture inside a
screenshot and `sub_crops` trims sides off, so either side of a match can be re-hashed.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image, UnidentifiedImageError

from vigil.errors import InputError
from vigil.store.media import DEFAULT_MAX_PIXELS

__all__ = [
    "MIN_QUALITY",
    "PdqHash",
    "content_region",
    "content_regions",
    "distance",
    "hash_file",
    "hash_image",
    "load_image",
    "normalise_hex",
    "query_variants",
    "sub_crops",
    "to_codes",
    "video_hashes",
]

log = logging.getLogger(__name__)

MIN_QUALITY = 50  # below this PDQ itself calls the hash unreliable (flat images)
SUB_CROP = 0.06  # the middle of the 4-8% a reposter trims off a side
_MIN_REGION_SHARE = 0.2  # a content region smaller than this share of the frame is noise


@dataclass(frozen=True, slots=True)
class PdqHash:
    """A hash in ThreatExchange's hex form, its quality (0-100) and what it was taken of."""

    hex: str
    quality: int
    variant: str = "full"


def normalise_hex(value: str) -> str:
    """Lower-case 64-digit hex; ValueError when it is not a PDQ hash."""
    text = value.strip().lower()
    if len(text) != 64:
        raise ValueError(f"a PDQ hash has 64 hex digits, not {len(text)}")
    try:
        bytes.fromhex(text)
    except ValueError:
        raise ValueError("a PDQ hash is hexadecimal") from None
    return text


def to_codes(hexes: list[str]) -> npt.NDArray[np.uint8]:
    """Hashes as an (n, 32) byte array, most significant byte first (faiss' binary codes)."""
    if not hexes:
        return np.zeros((0, 32), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(-1, 32).copy()


def distance(a: str, b: str) -> int:
    """Hamming distance between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def load_image(path: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode an untrusted image file to RGB, refusing decompression bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise InputError(
                        f"{width}x{height} pixels exceeds the {max_pixels:,}-pixel limit",
                        source=str(path),
                    )
                return img.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(f"decompression bomb: {exc}", source=str(path)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"not an image Vigil can read: {exc}", source=str(path)) from exc


def hash_image(img: Image.Image, variant: str = "full") -> PdqHash:
    """PDQ of the image's pixels exactly as given (no resampling before the reference code)."""
    arr = np.ascontiguousarray(np.asarray(img.convert("RGB"), dtype=np.uint8))
    bits, quality = pdqhash.compute(arr)
    # pdqhash returns bit 255 first, so packing MSB-first gives the reference hex string.
    hexed = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()
    return PdqHash(hexed, int(quality), variant)


def hash_file(path: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> PdqHash:
    return hash_image(load_image(path, max_pixels=max_pixels))


def content_region(
    img: Image.Image, *, tolerance: int = 28, bridge: bool = False
) -> tuple[int, int, int, int] | None:
    """The box of the picture inside a screenshot-like frame, or None when there is none.

    A screenshot frame is mostly one background colour with sparse text; the pasted
    picture is the longest run of rows (then columns) that are mostly not background.
    With `bridge`, short gaps are bridged (bands of the picture close to the frame colour).
    """
    busy = _busy(img, tolerance)
    return None if busy is None else _region(busy, bridge)


def content_regions(img: Image.Image, *, tolerance: int = 28) -> list[tuple[int, int, int, int]]:
    """The distinct boxes `content_region` finds with and without bridging."""
    busy = _busy(img, tolerance)
    if busy is None:
        return []
    boxes = {_region(busy, False), _region(busy, True)}
    return sorted(b for b in boxes if b is not None)


def _busy(img: Image.Image, tolerance: int) -> npt.NDArray[np.bool_] | None:
    """Pixels that differ from the frame's colour (the commonest colour along the edge)."""
    arr = np.asarray(img.convert("RGB"))
    h, w = arr.shape[:2]
    if h < 16 or w < 16:
        return None
    edge = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    colours, counts = np.unique(edge // 8, axis=0, return_counts=True)
    bg = colours[counts.argmax()].astype(np.int16) * 8 + 4
    lo = np.clip(bg - tolerance, 0, 255).astype(np.uint8)
    hi = np.clip(bg + tolerance, 0, 255).astype(np.uint8)
    inside = (arr >= lo) & (arr <= hi)
    busy: npt.NDArray[np.bool_] = ~(inside[..., 0] & inside[..., 1] & inside[..., 2])
    return busy


def _region(busy: npt.NDArray[np.bool_], bridge: bool) -> tuple[int, int, int, int] | None:
    h, w = busy.shape
    rows = _longest_run(busy.mean(axis=1) > 0.6, gap=h // 8 if bridge else 0)
    if rows is None:
        return None
    top, bottom = rows
    cols = _longest_run(busy[top:bottom].mean(axis=0) > 0.5, gap=w // 8 if bridge else 0)
    if cols is None:
        return None
    left, right = cols
    area = (bottom - top) * (right - left)
    if area < _MIN_REGION_SHARE * h * w or area > 0.97 * h * w:
        return None
    return left, top, right, bottom


def _longest_run(mask: npt.NDArray[np.bool_], *, gap: int = 0) -> tuple[int, int] | None:
    """The longest run of True, bridging gaps of up to `gap` False values."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    if len(edges) == 0:
        return None
    runs = [[int(a), int(b)] for a, b in zip(edges[0::2], edges[1::2], strict=True)]
    if gap:
        # A rule across the frame is not part of the picture: only bridge between blocks.
        runs = [r for r in runs if r[1] - r[0] > 4] or runs
    merged = [runs[0]]
    for start, end in runs[1:]:
        if start - merged[-1][1] <= gap:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    start, end = max(merged, key=lambda r: r[1] - r[0])
    return start, end


def sub_crops(img: Image.Image, share: float = SUB_CROP) -> list[tuple[str, Image.Image]]:
    """The image with `share` trimmed off every non-empty set of sides (15 crops)."""
    w, h = img.size
    out: list[tuple[str, Image.Image]] = []
    for n in range(1, 5):
        for sides in combinations("ltrb", n):
            box = (
                round(w * share) if "l" in sides else 0,
                round(h * share) if "t" in sides else 0,
                w - round(w * share) if "r" in sides else w,
                h - round(h * share) if "b" in sides else h,
            )
            out.append((f"crop-{''.join(sides)}", img.crop(box)))
    return out


def query_variants(img: Image.Image) -> list[PdqHash]:
    """The hashes to look up for a posted image: the whole, and its content regions if any."""
    hashes = [hash_image(img)]
    for k, box in enumerate(content_regions(img)):
        hashes.append(hash_image(img.crop(box), f"content-{k + 1}"))
    return hashes


def video_hashes(path: Path, *, per_second: float = 1.0, max_frames: int = 600) -> list[PdqHash]:
    """PDQ of one frame a second (vPDQ), consecutive repeats dropped; variants "frame-<s>"."""
    import av  # only videos need FFmpeg's decoders

    out: list[PdqHash] = []
    next_at = 0.0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                at = float(frame.time or 0.0)
                if at + 1e-6 < next_at:
                    continue
                next_at = at + 1.0 / per_second
                rgb = Image.fromarray(frame.to_ndarray(format="rgb24"))
                h = hash_image(rgb, f"frame-{at:.0f}")
                if not out or out[-1].hex != h.hex:
                    out.append(h)
                if len(out) >= max_frames:
                    break
    except (av.error.FFmpegError, IndexError, ValueError) as exc:
        raise InputError(f"not a video Vigil can read: {exc}", source=str(path)) from exc
    if not out:
        raise InputError("no frames could be decoded", source=str(path))
    return out
