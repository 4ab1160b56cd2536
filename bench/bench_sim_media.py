"""Procedural sim images: drawing and PDQ speed, and how far each variant kind moves the hash.

Baseline: a blank `Image.new` of the same size saved as JPEG, the least any image costs the
generator; `*_vs_blank` says how many blanks one drawn image costs.
"""

from __future__ import annotations

import io
import itertools
import random
import time
from collections.abc import Callable

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
)

N = 200
N_RELEASES = 40
THRESHOLD = 31


def _ms_each(make: Callable[[int], Image.Image], n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        make(i)
    return (time.perf_counter() - started) * 1000 / n


def _blank_save_ms(size: int, n: int) -> float:
    def make(_: int) -> Image.Image:
        img = Image.new("RGB", (size, size), (90, 90, 90))
        img.save(io.BytesIO(), "JPEG", quality=85)
        return img

    return _ms_each(make, n)


def _pdq(img: Image.Image) -> np.ndarray:
    bits, _ = pdqhash.compute(np.asarray(img.convert("RGB")))
    return np.asarray(bits, dtype=bool)


def _spread(values: list[int]) -> dict[str, float]:
    arr = np.asarray(values)
    return {
        "median": float(np.median(arr)),
        "p90": round(float(np.percentile(arr, 90)), 1),
        "max": int(arr.max()),
        "share_within_31": round(float(np.mean(arr <= THRESHOLD)), 3),
    }


def _timings() -> dict[str, object]:
    rng = random.Random(1)
    out: dict[str, object] = {}
    for name, size, n, draw in (
        ("ordinary", 400, N, lambda _i: draw_ordinary(rng)),
        ("avatar", 200, N, lambda _i: draw_avatar(rng)),
        ("release", 480, N_RELEASES, lambda i: draw_release(rng, i, "Amaq")),
    ):
        draw(0)  # warm the gradient and grain caches
        blank = _blank_save_ms(size, n)
        drawn = _ms_each(draw, n)
        out[f"{name}_ms"] = round(drawn, 3)
        out[f"{name}_blank_save_ms"] = round(blank, 3)
        out[f"{name}_vs_blank"] = round(drawn / blank, 2)
    images = [np.asarray(draw_ordinary(rng)) for _ in range(N)]
    started = time.perf_counter()
    for arr in images:
        pdqhash.compute(arr)
    out["pdq_400px_ms"] = round((time.perf_counter() - started) * 1000 / N, 3)
    return out


def _distances() -> dict[str, object]:
    rng = random.Random(2)
    releases = [draw_release(rng, i, f"outlet{i % 4}") for i in range(N_RELEASES)]
    hashes = [_pdq(r) for r in releases]
    out: dict[str, object] = {}
    pairs = [int(np.count_nonzero(a != b)) for a, b in itertools.combinations(hashes, 2)]
    out["distinct_releases"] = {"min": min(pairs), "mean": round(float(np.mean(pairs)), 1)}
    for kind in VARIANT_KINDS_EASY + VARIANT_KINDS_HARD:
        started = time.perf_counter()
        variants = [make_variant(r, kind, rng) for r in releases]
        ms = (time.perf_counter() - started) * 1000 / len(releases)
        d = [int(np.count_nonzero(h != _pdq(v))) for h, v in zip(hashes, variants, strict=True)]
        out[f"variant_{kind}"] = {**_spread(d), "ms": round(ms, 3)}
    avatars = [draw_avatar(rng) for _ in range(N_RELEASES)]
    altered = [int(np.count_nonzero(_pdq(a) != _pdq(alter_avatar(a, rng)))) for a in avatars]
    out["alter_avatar"] = _spread(altered)
    return out


def run() -> dict[str, object]:
    return {**_timings(), **_distances()}
