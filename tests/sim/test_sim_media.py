"""The sim's procedural images: deterministic, hashable by PDQ, and variants on the right side
of the match threshold (31 bits) for their kind."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageChops

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

THRESHOLD = 31  # the usual PDQ match radius
N = 30
OUTLETS = ("Amaq", "al-Hayat Media Center", "Nashir", "al-Bayan")

Hash = np.ndarray


def pdq(img: Image.Image) -> tuple[Hash, int]:
    bits, quality = pdqhash.compute(np.asarray(img.convert("RGB")))
    return np.asarray(bits, dtype=bool), int(quality)


def dist(a: Hash, b: Hash) -> int:
    return int(np.count_nonzero(a != b))


@pytest.fixture(scope="module")
def releases() -> list[Image.Image]:
    rng = random.Random(20150101)
    return [draw_release(rng, i, OUTLETS[i % len(OUTLETS)]) for i in range(N)]


@pytest.fixture(scope="module")
def release_hashes(releases: list[Image.Image]) -> list[tuple[Hash, int]]:
    return [pdq(r) for r in releases]


@pytest.fixture(scope="module")
def avatars() -> list[Image.Image]:
    rng = random.Random(77)
    return [draw_avatar(rng) for _ in range(N)]


def _variant_distances(
    releases: list[Image.Image], hashes: list[tuple[Hash, int]], kind: str
) -> list[int]:
    rng = random.Random(f"variants-{kind}")
    return [
        dist(h, pdq(make_variant(r, kind, rng))[0])
        for r, (h, _) in zip(releases, hashes, strict=True)
    ]


def test_drawing_is_deterministic() -> None:
    def everything(seed: int) -> list[bytes]:
        rng = random.Random(seed)
        rel = draw_release(rng, 3, "Amaq", size=240)
        out = [rel, draw_ordinary(rng, 160), draw_avatar(rng, 96)]
        out += [make_variant(rel, k, rng) for k in VARIANT_KINDS_EASY + VARIANT_KINDS_HARD]
        out.append(alter_avatar(out[2], rng))
        return [img.tobytes() for img in out]

    first = everything(5)
    assert first == everything(5)
    assert first[0] != everything(6)[0]


def test_images_are_rgb_at_the_requested_size() -> None:
    rng = random.Random(1)
    for img, side in (
        (draw_release(rng, 0, "Nashir", size=300), 300),
        (draw_ordinary(rng, size=123), 123),
        (draw_avatar(rng, size=64), 64),
    ):
        assert img.mode == "RGB"
        assert img.size == (side, side)


def test_index_alone_changes_the_release() -> None:
    a = draw_release(random.Random(9), 1, "Amaq")
    b = draw_release(random.Random(9), 2, "Amaq")
    assert dist(pdq(a)[0], pdq(b)[0]) >= 50


def test_release_quality_is_high(release_hashes: list[tuple[Hash, int]]) -> None:
    qualities = [q for _, q in release_hashes]
    assert min(qualities) >= 50
    assert float(np.median(qualities)) >= 80


def test_distinct_releases_are_far_apart(release_hashes: list[tuple[Hash, int]]) -> None:
    pairs = [dist(a, b) for (a, _), (b, _) in itertools.combinations(release_hashes, 2)]
    assert min(pairs) >= 50
    assert float(np.mean(pairs)) >= 90


def test_ordinary_images_never_match_a_release(
    release_hashes: list[tuple[Hash, int]],
) -> None:
    rng = random.Random(4)
    ordinary = [pdq(draw_ordinary(rng)) for _ in range(N)]
    assert min(q for _, q in ordinary) >= 50
    closest = min(dist(o, r) for (o, _), (r, _) in itertools.product(ordinary, release_hashes))
    assert closest > THRESHOLD


@pytest.mark.parametrize("kind", VARIANT_KINDS_EASY)
def test_easy_variants_stay_within_threshold(
    releases: list[Image.Image], release_hashes: list[tuple[Hash, int]], kind: str
) -> None:
    distances = _variant_distances(releases, release_hashes, kind)
    assert sum(d <= THRESHOLD for d in distances) >= 0.9 * len(distances), sorted(distances)


@pytest.mark.parametrize("kind", VARIANT_KINDS_HARD)
def test_hard_variants_break_the_match(
    releases: list[Image.Image], release_hashes: list[tuple[Hash, int]], kind: str
) -> None:
    distances = _variant_distances(releases, release_hashes, kind)
    assert sum(d > THRESHOLD for d in distances) >= 0.8 * len(distances), sorted(distances)


def test_variant_geometry(releases: list[Image.Image]) -> None:
    rng = random.Random(12)
    img = releases[0]
    w, h = img.size
    for _ in range(10):
        small = make_variant(img, "resize", rng)
        assert 0.49 <= small.width / w <= 0.91
        assert make_variant(img, "border", rng).size == img.size
        cropped = make_variant(img, "crop", rng)
        lost = 1 - cropped.width * cropped.height / (w * h)
        assert 0.035 <= lost <= 0.3
        shot = make_variant(img, "screenshot", rng)
        assert 0.45 <= w * h / (shot.width * shot.height) <= 0.8


def test_overlay_covers_under_a_tenth(releases: list[Image.Image]) -> None:
    rng = random.Random(13)
    for img in releases[:10]:
        over = make_variant(img, "overlay", rng)
        assert over.size == img.size
        changed = np.asarray(ImageChops.difference(img, over).convert("L")) > 8
        assert 0 < changed.mean() < 0.1


def test_unknown_variant_kind_is_refused(releases: list[Image.Image]) -> None:
    with pytest.raises(ValueError, match="unknown variant kind"):
        make_variant(releases[0], "mirror", random.Random(0))


def test_altered_avatar_stays_close(avatars: list[Image.Image]) -> None:
    rng = random.Random(21)
    distances = []
    for av in avatars:
        altered = alter_avatar(av, rng)
        assert altered.size == av.size
        assert altered.tobytes() != av.tobytes()
        distances.append(dist(pdq(av)[0], pdq(altered)[0]))
    assert float(np.median(distances)) <= 31, sorted(distances)
    assert float(np.percentile(distances, 80)) <= 40, sorted(distances)
    assert float(np.median(distances)) >= 3, sorted(distances)


def test_distinct_avatars_are_far_apart(avatars: list[Image.Image]) -> None:
    hashes = [pdq(a)[0] for a in avatars]
    pairs = [dist(a, b) for a, b in itertools.combinations(hashes, 2)]
    assert min(pairs) > 40
    assert float(np.mean(pairs)) >= 90


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_save_image_round_trips(tmp_path: Path, suffix: str) -> None:
    img = draw_avatar(random.Random(2), 80)
    path = tmp_path / "sub" / f"a{suffix}"
    save_image(img, path)
    with Image.open(path) as back:
        assert back.format == ("JPEG" if suffix == ".jpg" else "PNG")
        assert back.size == img.size
        assert dist(pdq(back)[0], pdq(img)[0]) <= 8


def test_save_image_refuses_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.gif"):
        save_image(Image.new("RGB", (4, 4)), tmp_path / "x.gif")
