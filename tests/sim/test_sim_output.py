"""Writing a world: every file parses, X's real error shapes, determinism, bank hashes, truth."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
import pytest
from PIL import Image
from tests.support.data import X_API_DATA

from vigil.sim.generate import WorldParams
from vigil.sim.output import generate_to_dir, write_world
from vigil.sim.output_x import retrieved_at
from vigil.sim.world import Role, World, load_world

PARAMS = WorldParams(accounts=1500, seed=4)
REAL = X_API_DATA
X_FILES = ("users.jsonl", "timelines.jsonl", "following.jsonl", "followers.jsonl")


def _lines(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Path]:
    out = tmp_path_factory.mktemp("a") / "world"
    return generate_to_dir(out, PARAMS), out


@pytest.fixture(scope="module")
def again(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("b") / "world"
    generate_to_dir(out, PARAMS)
    return out


def test_same_seed_byte_identical(written: tuple[World, Path], again: Path) -> None:
    _, out = written
    names = [
        "truth.json",
        "seeds.csv",
        "bank/hashes.csv",
        "world/posts.jsonl",
        "world/follows.csv",
        "mastodon/statuses.jsonl",
        *(f"x/{n}" for n in X_FILES),
    ]
    for name in names:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name
    media = sorted(p.name for p in (out / "media").iterdir())
    assert media == sorted(p.name for p in (again / "media").iterdir())
    for name in media[:: max(1, len(media) // 40)]:
        assert (out / "media" / name).read_bytes() == (again / "media" / name).read_bytes()


def test_other_seed_differs(written: tuple[World, Path], tmp_path: Path) -> None:
    _, out = written
    other = tmp_path / "other"
    generate_to_dir(other, WorldParams(accounts=PARAMS.accounts, seed=PARAMS.seed + 1))
    assert (other / "truth.json").read_bytes() != (out / "truth.json").read_bytes()
    assert (other / "x" / "users.jsonl").read_bytes() != (out / "x" / "users.jsonl").read_bytes()


def test_every_jsonl_parses_and_counts_match(written: tuple[World, Path]) -> None:
    world, out = written
    meta = json.loads((out / "world.json").read_text(encoding="utf-8"))
    counts = meta["counts"]
    assert len(_lines(out / "x" / "users.jsonl")) == counts["x_users_pages"]
    assert len(_lines(out / "x" / "timelines.jsonl")) == counts["x_timeline_pages"]
    assert len(_lines(out / "mastodon" / "statuses.jsonl")) == len(world.posts)
    assert len(_lines(out / "mastodon" / "accounts.jsonl")) == len(world.accounts)
    assert meta["params"]["generator"]["seed"] == PARAMS.seed
    assert meta["params"]["calibration"]["supporter_posts_per_day"]["source"]
    assert meta["measured"]["supporter_followers_mean"] > 0


def _real_suspended_error() -> dict[str, Any]:
    for line in (REAL / "2sets.jsonl").open(encoding="utf-8"):
        for err in json.loads(line).get("errors", []):
            if "suspended" in err.get("detail", ""):
                return dict(err)
    raise AssertionError("no suspended-user error in the real sample")


def _x_time(t: datetime) -> str:
    return t.astimezone(UTC).replace(microsecond=0).isoformat()


def test_suspended_users_in_real_api_shape(written: tuple[World, Path]) -> None:
    world, out = written
    real = _real_suspended_error()
    gone = {a.id for a in world.accounts if a.suspended_at and a.suspended_at <= world.end}
    index = world.account_index()
    seen_errors, seen_data, seen_before = set(), set(), set()
    for page in _lines(out / "x" / "users.jsonl"):
        assert page["__twarc"]["url"].startswith("https://api.twitter.com/2/users?")
        if page["__twarc"]["retrieved_at"] != _x_time(world.end):
            # A suspended account looked up alone, a second before its suspension.
            (user,) = page["data"]
            acc = index[user["id"]]
            assert acc.suspended_at is not None
            assert page["__twarc"]["retrieved_at"] == _x_time(retrieved_at(acc, world.end))
            assert acc.suspended_at - timedelta(seconds=1) <= retrieved_at(acc, world.end)
            assert "errors" not in page
            seen_before.add(acc.id)
            continue
        seen_data |= {u["id"] for u in page.get("data", [])}
        for err in page.get("errors", []):
            assert set(err) == set(real)
            assert (err["title"], err["type"], err["resource_type"]) == (
                real["title"],
                real["type"],
                real["resource_type"],
            )
            assert err["detail"] == f"User has been suspended: [{err['value']}]."
            assert err["parameter"] == "ids"
            assert err["resource_id"] == err["value"]
            seen_errors.add(err["value"])
    assert seen_errors == gone
    assert seen_data == {a.id for a in world.accounts} - gone
    # Every suspended account was looked up while up, so none is left without a profile
    # (but one suspended as it was created, never up to be seen).
    never_up = {i for i in gone if index[i].suspended_at <= index[i].created_at}
    assert seen_before == gone - never_up


def test_timelines_as_last_seen(written: tuple[World, Path]) -> None:
    world, out = written
    index = world.account_index()
    owner = re.compile(r"^https://api\.twitter\.com/2/users/(\d+)/tweets\?")
    tweets: Counter[str] = Counter()
    for page in _lines(out / "x" / "timelines.jsonl"):
        m = owner.match(page["__twarc"]["url"])
        assert m, page["__twarc"]["url"]
        acc = index[m.group(1)]
        for t in page.get("data", []):
            assert t["author_id"] == acc.id
            tweets[t["edit_history_tweet_ids"][0]] += 1  # an edited post shows its last id
        if "data" not in page:
            assert page["errors"][0]["detail"].startswith("User has been suspended")
            assert acc.suspended_at is not None
            assert acc.suspended_at <= world.end
    assert set(tweets) == {p.id for p in world.posts}
    assert max(tweets.values()) == 1


def test_follow_pages_say_whose_they_are(written: tuple[World, Path]) -> None:
    world, out = written
    follows = {(f.src, f.dst) for f in world.follows}
    for name in ("following", "followers"):
        pattern = re.compile(rf"^https://api\.twitter\.com/2/users/(\d+)/{name}\?")
        pages = _lines(out / "x" / f"{name}.jsonl")
        assert pages
        for page in pages:
            m = pattern.match(page["__twarc"]["url"])
            assert m
            for user in page["data"]:
                pair = (m.group(1), user["id"]) if name == "following" else (user["id"], m.group(1))
                assert pair in follows
                assert set(user) == {"id", "name", "username"}


def test_bank_hashes_match_files(written: tuple[World, Path]) -> None:
    world, out = written
    with (out / "bank" / "hashes.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["item"] for r in rows] == [b.id for b in world.bank]
    for row in rows:
        arr = np.asarray(Image.open(out / row["file"]).convert("RGB"))
        bits, _ = pdqhash.compute(arr)
        assert row["pdq"] == np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()
        assert row["label"]


def test_media_files_named_by_key(written: tuple[World, Path]) -> None:
    world, out = written
    for m in world.media:
        path = out / m.file
        assert path.name == f"{m.key}.jpg"
        assert path.exists()
    for m in world.media[:: max(1, len(world.media) // 30)]:
        with Image.open(out / m.file) as img:
            assert img.size == (m.width, m.height)
    variants = Counter(m.variant for m in world.media if m.bank_item)
    assert variants["original"]
    assert len(variants) >= 4
    index = world.account_index()
    posters = {index[m.owner_id].role for m in world.media if m.bank_item}
    assert Role.SUPPORTER in posters
    assert Role.JOURNALIST in posters


def test_truth_links_returns_and_media(written: tuple[World, Path]) -> None:
    world, out = written
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    accounts = {a["id"]: a for a in truth["accounts"]}
    assert len(accounts) == len(world.accounts)
    returned = [a for a in accounts.values() if a["returned_from"]]
    assert returned
    for a in returned:
        old = accounts[a["returned_from"]]
        assert old["returns_as"] == a["id"]
        assert old["identity"] == a["identity"]
        assert old["suspended_at"] < a["created_at"]
        assert a["id"] in truth["identities"][a["identity"]]
    bank = {b["id"] for b in truth["bank"]}
    assert truth["media"]
    assert all(m["bank_item"] in bank for m in truth["media"] if m["bank_item"])


def test_seeds_csv(written: tuple[World, Path]) -> None:
    world, out = written
    index = world.account_index()
    with (out / "seeds.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    assert list(rows[0]) == ["platform", "account_id", "username", "criterion"]
    for row in rows:
        acc = index[row["account_id"]]
        assert acc.role is Role.SUPPORTER
        assert row["username"] == acc.handle


def test_canonical_round_trip(written: tuple[World, Path]) -> None:
    world, out = written
    loaded = load_world(out)
    assert loaded.accounts == world.accounts
    assert loaded.posts == world.posts
    assert loaded.media == world.media
    assert len(loaded.follows) == len(world.follows)
    assert loaded.params["platform"]["report_multiplier"] == PARAMS.report_multiplier


def test_write_world_alone_matches(written: tuple[World, Path], tmp_path: Path) -> None:
    """write_world on an already generated world writes what generate_to_dir wrote."""
    world, out = written
    counts = write_world(world, tmp_path / "w", workers=1)
    assert counts["posts"] == len(world.posts)
    for name in ("truth.json", "x/timelines.jsonl", "mastodon/statuses.jsonl", "world/media.jsonl"):
        assert (tmp_path / "w" / name).read_bytes() == (out / name).read_bytes(), name
