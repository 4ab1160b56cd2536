"""PDQ hashing, screenshot content regions and sub-crops, and the range-search index."""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vigil.errors import InputError
from vigil.signals.hash_index import HashIndex, exhaustive
from vigil.signals.pdq import (
    content_region,
    distance,
    hash_file,
    hash_image,
    load_image,
    normalise_hex,
    query_variants,
    sub_crops,
    to_codes,
)
from vigil.sim.media import draw_release, make_variant

DATA = Path(__file__).parent / "data" / "pdq"
# facebook/ThreatExchange pdq/cpp/bin/README.md: the reference C++ hasher on these files.
REFERENCE = {
    "bridge-1-original.jpg": "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22",
    "bridge-5-flipx.jpg": "f8f80f31e0f417b00e37f5cd028f980fb36ed02a9662c1e233e6cc634e9c64dd",
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_hashes_agree_with_the_reference_vectors(name: str) -> None:
    got = hash_file(DATA / name)
    assert got.quality == 100
    # Same algorithm and bit order; the published vectors were decoded by an older libjpeg,
    # which moves a few luma values (a flip of the same picture is ~128 bits away).
    assert distance(got.hex, REFERENCE[name]) <= 10


def test_lossless_pixels_hash_identically_through_every_path(tmp_path: Path) -> None:
    img = draw_release(random.Random(5), 3, "Amaq")
    img.save(tmp_path / "a.png")
    from vigil.sim.media_files import pdq_hex

    assert hash_file(tmp_path / "a.png").hex == pdq_hex(tmp_path / "a.png")[0]
    assert hash_image(img).hex == hash_file(tmp_path / "a.png").hex


def test_flat_image_has_low_quality() -> None:
    assert hash_image(Image.new("RGB", (300, 300), (120, 120, 120))).quality < 50


def test_hex_and_codes() -> None:
    h = "AB" * 32
    assert normalise_hex(f" {h} ") == h.lower()
    for bad in ("ab" * 31, "zz" * 32):
        with pytest.raises(ValueError, match="PDQ hash"):
            normalise_hex(bad)
    codes = to_codes(["80" + "00" * 31, "00" * 31 + "01"])
    assert codes.shape == (2, 32)
    assert codes[0, 0] == 0x80
    assert codes[1, 31] == 1


def test_decompression_bomb_and_garbage_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.jpg").write_bytes(b"not an image")
    with pytest.raises(InputError, match=r"x\.jpg"):
        load_image(tmp_path / "x.jpg")
    Image.new("L", (4000, 4000)).save(tmp_path / "big.png")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError, match="pixel"):
            load_image(tmp_path / "big.png", max_pixels=1_000_000)


def test_screenshot_content_region_recovers_the_match() -> None:
    rng = random.Random(11)
    recovered = 0
    for i in range(6):
        original = draw_release(rng, i, "Amaq")
        shot = make_variant(original, "screenshot", rng)
        full = hash_image(original).hex
        assert distance(hash_image(shot).hex, full) > 31
        best = min(distance(h.hex, full) for h in query_variants(shot))
        recovered += best <= 31
    assert recovered >= 4
    frame = Image.new("RGB", (600, 800), (250, 250, 250))
    frame.paste(original, (40, 150))
    assert content_region(frame) == (40, 150, 520, 630)
    print(f"screenshot recall with the content region: {recovered}/6")


def test_sub_crops_catch_cropped_reposts() -> None:
    rng = random.Random(12)
    plain = tricked = 0
    for i in range(8):
        original = draw_release(rng, i, "al-Hayat")
        cropped = make_variant(original, "crop", rng)
        q = hash_image(cropped).hex
        bank = [hash_image(original).hex] + [hash_image(c).hex for _, c in sub_crops(original)]
        plain += distance(q, bank[0]) <= 31
        tricked += min(distance(q, b) for b in bank) <= 31
    assert len(sub_crops(Image.new("RGB", (100, 100)))) == 15
    assert tricked > plain
    print(f"crop recall: plain {plain}/8, with sub-crops {tricked}/8")


def _flip(codes: np.ndarray, rng: np.random.Generator, bits: int) -> np.ndarray:
    out = codes.copy()
    for b in rng.choice(256, size=bits, replace=False):
        out[b // 8] ^= np.uint8(1 << (b % 8))
    return out


def test_multi_index_against_exhaustive_search() -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 256, (20_000, 32), dtype=np.uint8)
    queries = np.stack([_flip(codes[i * 11], rng, i % 32) for i in range(160)])
    codes[5] = codes[0]  # a duplicate code is found twice, once per row
    index = HashIndex(codes, exact_limit=5_000)
    assert index.kind == "multi-index"
    for radius in (0, 10, 31):
        want = {(h.query, h.row, h.distance) for h in exhaustive(codes, queries, radius)}
        got = [(h.query, h.row, h.distance) for h in index.search(queries, radius)]
        assert len(got) == len(set(got))
        assert set(got) <= want
        # within 15 bits one substring is identical, so nothing that close can be missed
        assert {w for w in want if w[2] <= 15} <= set(got)
        assert len(got) >= 0.97 * len(want)
    assert {(0, 0), (0, 5)} <= {(h.query, h.row) for h in index.search(queries, 0)}
    single = HashIndex(codes, exact_limit=5_000, threads=1)
    assert sorted(single.search(queries, 31), key=str) == sorted(index.search(queries, 31), key=str)
    small = HashIndex(codes[:100])
    assert small.kind == "exact"
    assert len(small.search(codes[:3], 0)) == 4  # code 0 is at rows 0 and 5
