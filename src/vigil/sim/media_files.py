"""Draw and save the world's images: bank/, media/ and the bank's PDQ hash list.

Pixels follow from the seed and a record's "render" (what to draw) alone, so drawing can
happen in any process and order. Records that are the same copy (same bank item,
alteration and copy number, or same photo slot) share one render: it is drawn once into a
staging folder and hard-linked as media/<key>.jpg, as a re-upload shares its bytes.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image

from vigil.sim.media import (
    VARIANT_KINDS_EASY,
    VARIANT_KINDS_HARD,
    alter_avatar,
    draw_avatar,
    draw_ordinary,
    draw_release,
    make_variant,
    save_image,
)
from vigil.sim.media_plan import ORIGINAL
from vigil.sim.rng import stable_hash
from vigil.sim.world import SimAccount, World

__all__ = [
    "STAGING",
    "Render",
    "Sizes",
    "bank_renders",
    "link_media",
    "media_renders",
    "pdq_hex",
    "photo_renders",
    "render",
    "variant_renders",
    "write_bank_hashes",
]

STAGING = ".render"  # drawn images before they are linked under media/
# ("bank", item, index, outlet) | ("variant", item, index, outlet, kind, copy)
# | ("photo", slot) | ("avatar", key, alteration key, ...)
Render = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Sizes:
    release: int
    photo: int
    avatar: int
    seed: int
    copies: int  # distinct files of one (bank item, alteration)
    photo_pool: int  # distinct everyday photos


@lru_cache(maxsize=64)
def _bank_image(seed: int, item: str, index: int, outlet: str, size: int) -> Image.Image:
    return draw_release(random.Random(stable_hash(seed, "bank", item)), index, outlet, size)


@lru_cache(maxsize=256)
def _avatar_image(seed: int, chain: tuple[str, ...], size: int) -> Image.Image:
    if len(chain) == 1:
        return draw_avatar(random.Random(stable_hash(seed, "avatar", chain[0])), size)
    base = _avatar_image(seed, chain[:-1], size)
    return alter_avatar(base, random.Random(stable_hash(seed, "alter", chain[-1])))


def draw(what: Render, sizes: Sizes) -> Image.Image:
    """The image a render stands for."""
    seed = sizes.seed
    if what[0] == "bank":
        return _bank_image(seed, str(what[1]), int(what[2]), str(what[3]), sizes.release)
    if what[0] == "variant":
        item, index, outlet, kind, copy = what[1:]
        img = _bank_image(seed, str(item), int(index), str(outlet), sizes.release)
        if kind == ORIGINAL:
            return img
        return make_variant(img, str(kind), random.Random(stable_hash(seed, item, kind, copy)))
    if what[0] == "photo":
        return draw_ordinary(random.Random(stable_hash(seed, "photo", what[1])), sizes.photo)
    return _avatar_image(seed, tuple(str(k) for k in what[1:]), sizes.avatar)


def staged(out: Path, what: Render) -> Path:
    if what[0] == "bank":
        return out / "bank" / f"{what[1]}.png"
    return out / STAGING / f"{stable_hash(*what):016x}.jpg"


def render(out: Path, what: Render, sizes: Sizes) -> tuple[Render, int, int]:
    """Draw ``what`` and save it where `link_media` expects it; returns (what, width, height)."""
    img = draw(what, sizes)
    save_image(img, staged(out, what))
    return what, img.width, img.height


def bank_renders(world: World) -> list[Render]:
    return [("bank", b.id, k, b.outlet) for k, b in enumerate(world.bank)]


def photo_renders(sizes: Sizes) -> list[Render]:
    return [("photo", slot) for slot in range(sizes.photo_pool)]


def variant_renders(world: World, sizes: Sizes) -> list[Render]:
    """Every copy of every alteration of every bank item (what `media_renders` can ask for)."""
    kinds = (ORIGINAL, *VARIANT_KINDS_EASY, *VARIANT_KINDS_HARD)
    return [
        ("variant", b.id, k, b.outlet, kind, copy)
        for k, b in enumerate(world.bank)
        for kind in kinds
        for copy in range(max(1, sizes.copies))
    ]


def media_renders(world: World, sizes: Sizes) -> dict[str, Render]:
    """Media key -> what to draw for it, for every media record of the world."""
    bank = {b.id: (k, b.outlet) for k, b in enumerate(world.bank)}
    accounts = world.account_index()
    chains: dict[str, tuple[str, ...]] = {}
    out: dict[str, Render] = {}
    for m in world.media:
        if m.kind == "avatar":
            chain = _chain(
                m.key, accounts.get(m.owner_id), accounts, chains, m.variant == "altered"
            )
            chains[m.key] = chain
            out[m.key] = ("avatar", *chain)
        elif m.bank_item is not None and m.bank_item in bank:
            k, outlet = bank[m.bank_item]
            copy = stable_hash(m.key) % max(1, sizes.copies)
            out[m.key] = ("variant", m.bank_item, k, outlet, m.variant or ORIGINAL, copy)
        else:
            out[m.key] = ("photo", stable_hash(m.key) % max(1, sizes.photo_pool))
    return out


def _chain(
    key: str,
    owner: SimAccount | None,
    accounts: dict[str, SimAccount],
    chains: dict[str, tuple[str, ...]],
    altered: bool,
) -> tuple[str, ...]:
    """An altered avatar is its predecessor's picture (itself maybe altered), altered again."""
    prev = accounts.get(owner.returned_from) if owner and owner.returned_from else None
    if not altered or prev is None or prev.avatar_media is None:
        return (key,)
    return (*chains.get(prev.avatar_media, (prev.avatar_media,)), key)


def link_media(
    out: Path, world: World, renders: dict[str, Render], dims: dict[Render, tuple[int, int]]
) -> int:
    """Link media/<key>.jpg to each record's drawn render, record its size, drop the staging."""
    media_dir = out / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    for m in world.media:
        what = renders[m.key]
        src, dst = staged(out, what), out / m.file
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.exists():
            dst.unlink()
        try:
            os.link(src, dst)
        except OSError:
            shutil.copyfile(src, dst)
        m.width, m.height = dims[what]
    shutil.rmtree(out / STAGING, ignore_errors=True)
    return len(world.media)


def pdq_hex(path: Path) -> tuple[str, int]:
    """PDQ hash (64 hex digits, ThreatExchange bit order) and quality of an image file."""
    with Image.open(path) as img:
        arr = np.asarray(img.convert("RGB"))
    bits, quality = pdqhash.compute(arr)
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), int(quality)


def write_bank_hashes(out: Path, world: World) -> int:
    """bank/hashes.csv: one row per bank item, its PDQ hash computed from the saved file."""
    path = out / "bank" / "hashes.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["pdq", "label", "item", "outlet", "quality", "file"])
        for b in world.bank:
            pdq, quality = pdq_hex(out / b.file)
            writer.writerow([pdq, b.label, b.id, b.outlet, quality, b.file])
    return len(world.bank)
