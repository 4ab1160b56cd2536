"""The world generator: determinism, populations, graph structure, posts, enforcement."""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from vigil.sim import lexicon
from vigil.sim.calibration import measure
from vigil.sim.generate import WorldParams, generate_world
from vigil.sim.obfuscation import (
    TATWEEL,
    TECHNIQUES,
    ZERO_WIDTH,
    homoglyphs,
    leetspeak,
    obfuscate,
    tatweel,
    zero_width,
)
from vigil.sim.snowflake import TWEPOCH_MS
from vigil.sim.world import Role, World

PARAMS = WorldParams(accounts=2500, seed=11)


def _digest(world: World) -> str:
    h = hashlib.sha256()
    for a in world.accounts:
        h.update(repr(a).encode())
    for p in world.posts:
        h.update(repr(p).encode())
    for f in world.follows:
        h.update(repr(f).encode())
    for m in world.media:
        h.update(repr(m).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(PARAMS)


@pytest.fixture(scope="module")
def stats(world: World) -> dict[str, object]:
    return measure(world)


def test_same_seed_same_world(world: World) -> None:
    again = generate_world(PARAMS)
    assert _digest(again) == _digest(world)
    assert again.params == world.params


def test_other_seed_other_world(world: World) -> None:
    other = generate_world(replace(PARAMS, seed=12))
    assert _digest(other) != _digest(world)
    assert {a.handle for a in other.accounts} != {a.handle for a in world.accounts}


def test_role_counts_follow_the_shares(world: World) -> None:
    base = Counter(a.role.value for a in world.accounts if a.returned_from is None)
    for role, share in PARAMS.role_shares.items():
        assert abs(base[role] - share * PARAMS.accounts) <= 1, role
    returned = [a for a in world.accounts if a.returned_from]
    assert returned
    assert all(a.role is Role.SUPPORTER for a in returned)


def test_ids_unique_and_snowflakes_encode_time(world: World) -> None:
    ids = [a.id for a in world.accounts]
    assert len(set(ids)) == len(ids)
    assert len({a.handle.lower() for a in world.accounts}) == len(ids)
    post_ids = [p.id for p in world.posts]
    assert len(set(post_ids)) == len(post_ids)
    for p in world.posts[:: max(1, len(world.posts) // 200)]:
        ms = (int(p.id) >> 22) + TWEPOCH_MS
        assert abs(ms - p.created_at.timestamp() * 1000) < 1
    assert all(re.fullmatch(r"[A-Za-z0-9_]{4,15}", a.handle) for a in world.accounts)


def test_names_prove_nothing(world: World) -> None:
    """Ordinary Arabic and French speakers share the supporters' naming customs."""
    kunya = re.compile(r"^(Abu|Umm|Abou|أبو|أم) ")
    by_role: dict[Role, list[bool]] = {Role.ORDINARY: [], Role.SUPPORTER: []}
    for a in world.accounts:
        if a.role in by_role and a.lang == "ar" and a.returned_from is None:
            by_role[a.role].append(bool(kunya.match(a.display_name)))
    share = {r: sum(v) / len(v) for r, v in by_role.items()}
    assert share[Role.ORDINARY] > 0.15
    # The same custom at the same rate; the tolerance is the supporters' small sample.
    assert abs(share[Role.ORDINARY] - share[Role.SUPPORTER]) < 0.25
    langs = Counter(a.lang for a in world.accounts if a.role is Role.ORDINARY)
    assert langs["ar"] > 0.25 * sum(langs.values())
    assert langs["fr"] > 0.1 * sum(langs.values())


def test_graph_structure(stats: dict[str, float]) -> None:
    assert stats["supporter_in_group_ratio"] > 10  # dense in-group
    assert stats["supporter_in_degree_max_over_mean"] > 3  # hubs
    assert stats["watcher_follows_per_watcher"] > 10  # journalists/researchers watch supporters
    assert stats["watcher_followed_back_share"] < 0.05  # and are rarely followed back
    assert stats["ordinary_follows_to_ordinary_share"] > 0.7
    assert 10 <= stats["mean_out_degree"] <= 45


def test_bots_follow_at_random(world: World) -> None:
    roles = {a.id: a.role for a in world.accounts}
    targets = Counter(roles[f.dst] for f in world.follows if roles[f.src] is Role.BOT)
    total = sum(targets.values())
    assert total > 0
    assert abs(targets[Role.ORDINARY] / total - 0.91) < 0.08


def test_follows_only_while_both_up(world: World) -> None:
    index = world.account_index()
    for f in world.follows[:: max(1, len(world.follows) // 2000)]:
        for acc in (index[f.src], index[f.dst]):
            assert acc.created_at <= f.created_at < world.end
            assert acc.suspended_at is None or f.created_at < acc.suspended_at


def test_posts_only_while_up_and_refs_earlier(world: World) -> None:
    index = world.account_index()
    posts = {p.id: p for p in world.posts}
    for p in world.posts:
        a = index[p.author_id]
        assert max(a.created_at, world.start) <= p.created_at < world.end
        assert a.suspended_at is None or p.created_at < a.suspended_at
        if p.ref_id:
            ref = posts[p.ref_id]
            assert ref.created_at <= p.created_at
            assert ref.kind == "original"
    assert {p.kind for p in world.posts} == {"original", "retweet", "reply", "quote"}


def _texts(world: World, role: Role) -> list[str]:
    index = world.account_index()
    return [p.text for p in world.posts if index[p.author_id].role is role and p.kind == "original"]


def test_post_content_by_role(world: World) -> None:
    outlets = [o.name(lang) for o in lexicon.OUTLETS for lang in ("ar", "en", "fr")]
    hosts = ("archive.org", "justpaste.it", "telegra.ph", "files.fm", "gofile.io", "sendvid.com")
    sup = _texts(world, Role.SUPPORTER)
    assert sum(any(h in t for h in hosts) for t in sup) > 0.5 * len(sup)
    journalists = _texts(world, Role.JOURNALIST) + _texts(world, Role.NEWS_OUTLET)
    assert sum(any(o in t for o in outlets) for t in journalists) > 0.5 * len(journalists)
    news = (
        "reuters.com",
        "bbc.com",
        "apnews.com",
        "theguardian.com",
        "aljazeera.net",
        "alarabiya.net",
        "lemonde.fr",
        "france24.com",
        "rfi.fr",
    )
    assert sum(any(n in t for n in news) for t in journalists) > 0.8 * len(journalists)
    opponents = [n for names in lexicon.OPPONENT_NAMES.values() for n in names]
    ordinary = _texts(world, Role.ORDINARY)
    talk = sum(any(n in t for n in opponents) for t in ordinary)
    assert 0 < talk < 0.15 * len(ordinary)
    counter = _texts(world, Role.COUNTER_SPEECH)
    sup_tags = {t for tags in lexicon.MARKERS["supporter"].values() for t in tags}
    assert sum(any(tag in t for tag in sup_tags) for t in counter) > 0.5 * len(counter)


def test_propaganda_flags(world: World) -> None:
    index = world.account_index()
    flagged = [p for p in world.posts if p.propaganda_ref]
    assert flagged
    # Only supporters reference the outlets approvingly; journalists, researchers, parody,
    # counter-speech and bots that reuse the same markers are never flagged.
    assert {index[p.author_id].role for p in flagged} == {Role.SUPPORTER}
    disguised = [p for p in world.posts if p.obfuscated and p.kind == "original"]
    assert disguised
    assert all(index[p.author_id].role is Role.SUPPORTER for p in disguised)


def test_waves_and_platform_params(world: World) -> None:
    platform = world.params["platform"]
    assert set(platform["daily_hazard"]) == {r.value for r in Role}
    assert platform["report_multiplier"] == PARAMS.report_multiplier
    assert any(w["day"] < PARAMS.days for w in platform["waves"])
    assert world.params["calibration"]["supporter_followers_mean"]["source"]
    later = [a for a in world.accounts if a.suspended_at and a.suspended_at > world.end]
    assert later, "suspensions continue after the end for a monitor to see"
    assert max(a.suspended_at for a in later) <= world.end + timedelta(days=PARAMS.horizon_days)


def test_report_multiplier_is_a_parameter() -> None:
    small = replace(PARAMS, accounts=1500)
    ignored = generate_world(replace(small, report_multiplier=1.0))
    strict = generate_world(replace(small, report_multiplier=50.0))

    def gone(w: World) -> int:
        return sum(
            1
            for a in w.accounts
            if a.reported_at
            and a.suspended_at
            and a.suspended_at <= w.end
            and a.returned_from is None
        )

    assert gone(strict) > gone(ignored)
    assert ignored.params["platform"]["report_multiplier"] == 1.0


def test_seeds_are_supporters_up_at_the_start(world: World) -> None:
    index = world.account_index()
    seeds = [index[s] for s in world.params["seeds"]]
    assert 0 < len(seeds) <= PARAMS.seeds  # a small world has fewer old supporters to offer
    for a in seeds:
        assert a.role is Role.SUPPORTER
        assert a.created_at < world.start
        assert a.suspended_at is None or a.suspended_at > world.start


@pytest.mark.parametrize("name", sorted(TECHNIQUES))
def test_each_obfuscation_changes_text_deterministically(name: str) -> None:
    sample = "الدولة الإسلامية" if name in ("tatweel", "diacritics") else "Amaq Islamic State"
    fn = TECHNIQUES[name]
    first = fn(sample, random.Random(3))
    assert first != sample
    assert fn(sample, random.Random(3)) == first


def test_obfuscation_details() -> None:
    rng = random.Random(5)
    stretched = tatweel("الإسلامية", rng)
    assert TATWEEL in stretched
    assert stretched.replace(TATWEEL, "") == "الإسلامية"
    hidden = zero_width("Amaq", rng)
    assert any(z in hidden for z in ZERO_WIDTH)
    assert "".join(c for c in hidden if c not in ZERO_WIDTH) == "Amaq"
    assert re.search(r"[^\x00-\x7f]", homoglyphs("Amaq", rng))
    assert re.search(r"[0-9]", leetspeak("Islamic State", rng))
    text, technique = obfuscate("أعماق", rng)
    assert text != "أعماق"
    assert technique in TECHNIQUES
