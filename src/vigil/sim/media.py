"""The synthetic world's images: what the generator calls to draw, alter and save them.

Drawing lives in `media_draw`, alteration in `media_variants`; this module is the one
surface the generator imports, plus saving.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PIL import Image

from vigil.sim.media_draw import draw_avatar, draw_ordinary, draw_release
from vigil.sim.media_variants import (
    VARIANT_KINDS_EASY,
    VARIANT_KINDS_HARD,
    alter_avatar,
    make_variant,
)

__all__ = [
    "VARIANT_KINDS_EASY",
    "VARIANT_KINDS_HARD",
    "alter_avatar",
    "draw_avatar",
    "draw_ordinary",
    "draw_release",
    "make_variant",
    "save_image",
]

log = logging.getLogger(__name__)

_JPEG_SUFFIXES = frozenset({".jpg", ".jpeg"})


def save_image(img: Image.Image, path: Path, quality: int = 85) -> None:
    """Write ``img`` as JPEG (``.jpg``/``.jpeg``) or PNG (``.png``), creating the folder."""
    suffix = path.suffix.lower()
    if suffix not in _JPEG_SUFFIXES and suffix != ".png":
        raise ValueError(f"cannot tell the image format from {path.name!r}: use .jpg or .png")
    path.parent.mkdir(parents=True, exist_ok=True)
    rgb = img if img.mode == "RGB" else img.convert("RGB")
    if suffix in _JPEG_SUFFIXES:
        rgb.save(path, "JPEG", quality=quality)
    else:
        # low compression: bank and avatar PNGs are written in bulk and read rarely
        rgb.save(path, "PNG", compress_level=1)
    log.debug("saved %s (%dx%d)", path, rgb.width, rgb.height)
