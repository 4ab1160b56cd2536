"""Drawing primitives for the sim's images: colours, gradients, grain, text filler.

Shared by the drawing and the variant modules; fast because the generator draws tens of
thousands of images (cached masks and grain tiles, one C pass per image, no pixel loops).
"""

from __future__ import annotations

import colorsys
import random
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageFont

__all__ = [
    "Colour",
    "Font",
    "add_grain",
    "contrasting",
    "default_font",
    "gradient",
    "hsv",
    "pseudo_word",
    "random_colour",
    "value",
    "vertical_gradient",
]

Colour = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

_FINE_GRAIN = 8  # peak-to-peak amplitude of per-pixel grain
# Blotches about one PDQ cell wide (1/56 of the image side): PDQ's quality metric ignores
# luminance steps under 1% per cell, so flat drawings score low without them, while at this
# frequency they sit above the DCT band the hash bits come from.
_BLOTCH = 20
_BLOTCHES_PER_SIDE = 56
_TILE_SEED = 0x5EED_1A6E  # fixed: the grain tile is part of the drawing, not of the world seed
_SYLLABLES = ("ka", "ri", "mo", "sen", "ta", "lu", "vi", "no", "da", "er", "pa", "shi", "om", "zu")


@lru_cache(maxsize=16)
def default_font(px: int) -> Font:
    """Pillow's built-in font at about ``px`` pixels (the bitmap one if FreeType is missing)."""
    try:
        return ImageFont.load_default(size=px)
    except (ImportError, OSError):
        return ImageFont.load_default()


def pseudo_word(rng: random.Random, syllables: int = 0) -> str:
    """A pronounceable nonsense word: dull filler for names and captions."""
    n = syllables or rng.randint(2, 4)
    return "".join(rng.choice(_SYLLABLES) for _ in range(n))


def hsv(h: float, s: float, v: float) -> Colour:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (round(r * 255), round(g * 255), round(b * 255))


def random_colour(
    rng: random.Random, v_lo: float = 0.1, v_hi: float = 0.95, s_lo: float = 0.1, s_hi: float = 0.7
) -> Colour:
    return hsv(rng.random(), rng.uniform(s_lo, s_hi), rng.uniform(v_lo, v_hi))


def value(c: Colour) -> float:
    return max(c) / 255


def contrasting(rng: random.Random, ref: Colour, gap: float = 0.35, s_hi: float = 0.7) -> Colour:
    """A colour whose brightness is at least ``gap`` away from ``ref`` (PDQ sees luminance only)."""
    v = value(ref)
    up_room, down_room = 0.97 - v, v - 0.04
    if up_room >= gap and (down_room < gap or rng.random() < 0.5):
        nv = rng.uniform(v + gap, 0.97)
    elif down_room >= gap:
        nv = rng.uniform(0.04, v - gap)
    else:
        nv = 0.97 if up_room > down_room else 0.04
    return hsv(rng.random(), rng.uniform(0.0, s_hi), nv)


@lru_cache(maxsize=32)
def _mask(kind: str, w: int, h: int) -> Image.Image:
    """Gradient masks (L mode), cached because the same sizes recur thousands of times."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "v":
        m = ys / max(h - 1, 1)
    elif kind == "h":
        m = xs / max(w - 1, 1)
    elif kind == "d":
        m = (xs + ys) / max(w + h - 2, 1)
    elif kind == "a":
        m = (xs + (h - 1 - ys)) / max(w + h - 2, 1)
    else:  # radial, centred; callers crop it off-centre
        m = 1.0 - np.hypot(xs - w / 2, ys - h / 2) / np.hypot(w / 2, h / 2)
    return Image.fromarray((m * 255).astype(np.uint8))


def gradient(rng: random.Random, w: int, h: int, c1: Colour, c2: Colour) -> Image.Image:
    """A w×h background blending c1 into c2 in a random direction (or off-centre radially)."""
    kind = rng.choice("vhdar")
    if kind == "r":
        big = _mask("r", 2 * w, 2 * h)
        ox, oy = rng.randrange(w + 1), rng.randrange(h + 1)
        mask = big.crop((ox, oy, ox + w, oy + h))
    else:
        mask = _mask(kind, w, h)
    return Image.composite(Image.new("RGB", (w, h), c1), Image.new("RGB", (w, h), c2), mask)


@lru_cache(maxsize=8)
def _grain_tile(extent: int) -> Image.Image:
    """A grey grain tile twice ``extent`` on each side, for images whose longer side is extent."""
    side = 2 * extent
    gen = np.random.default_rng(_TILE_SEED + extent)
    fine = gen.integers(0, _FINE_GRAIN + 1, size=(side, side), dtype=np.int16)
    cells = 2 * _BLOTCHES_PER_SIDE
    small = gen.integers(0, _BLOTCH + 1, size=(cells, cells), dtype=np.uint8)
    blotch = Image.fromarray(small).resize((side, side), Image.Resampling.BILINEAR)
    grey = np.clip(fine + np.asarray(blotch, np.int16), 0, 255).astype(np.uint8)
    return Image.fromarray(grey).convert("RGB")


def add_grain(img: Image.Image, rng: random.Random) -> Image.Image:
    """Add photo-like grain from a cached tile at a random offset (one C pass, no Python loop).

    Offsets range over the whole tile, so two images almost never share their grain.
    """
    w, h = img.size
    extent = max(w, h)
    tile = _grain_tile(extent)
    ox, oy = rng.randrange(2 * extent - w + 1), rng.randrange(2 * extent - h + 1)
    grain = tile.crop((ox, oy, ox + w, oy + h))
    return ImageChops.add(img, grain, 1.0, -((_FINE_GRAIN + _BLOTCH) // 2))


def vertical_gradient(w: int, h: int, top: Colour, bottom: Colour) -> Image.Image:
    mask = _mask("v", w, h)
    return Image.composite(Image.new("RGB", (w, h), bottom), Image.new("RGB", (w, h), top), mask)
