"""Published figures the generator is calibrated to, with sources, and how to measure them.

`TARGETS` is written into world.json so every world says what it was tuned to; `measure`
computes the same statistics from a world, for tests and for the closing note of a run.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import numpy as np

from vigil.sim.world import Role, World

__all__ = ["BERGER_MORGAN_2015", "CONWAY_2017", "TARGETS", "measure"]

BERGER_MORGAN_2015 = (
    "J.M. Berger and J. Morgan, The ISIS Twitter Census: Defining and describing the population "
    "of ISIS supporters on Twitter, Brookings Analysis Paper No. 20, March 2015"
)
CONWAY_2017 = (
    "M. Conway, M. Khawaja, S. Lakhani, J. Reffin, A. Robertson and D. Weir, Disrupting Daesh: "
    "Measuring Takedown of Online Terrorist Material and Its Impacts, VOX-Pol, 2017"
)

TARGETS: dict[str, dict[str, Any]] = {
    "supporter_followers_mean": {
        "value": 1004.0,
        "source": BERGER_MORGAN_2015,
        "note": "average followers of a supporter account (about 1,000)",
    },
    "ordinary_followers_mean": {
        "value": 208.0,
        "source": BERGER_MORGAN_2015,
        "note": "the typical Twitter user the census compares supporters with (about 200)",
    },
    "supporter_posts_per_day": {
        "value": 7.0,
        "source": BERGER_MORGAN_2015,
        "note": "supporters tweet about 7 times a day on average (mean over accounts)",
    },
    "hyperactive_share": {
        "value": 0.03,
        "source": BERGER_MORGAN_2015,
        "note": "a hyperactive core of 500-2,000 of about 46,000 accounts (a few hundred in "
        "a census-sized sample); about 3% of supporter accounts",
    },
    "supporter_lang_ar": {"value": 0.73, "source": BERGER_MORGAN_2015, "note": "Arabic"},
    "supporter_lang_en": {"value": 0.18, "source": BERGER_MORGAN_2015, "note": "English"},
    "supporter_lang_fr": {
        "value": 0.06,
        "source": BERGER_MORGAN_2015,
        "note": "French; the remaining 3% (other languages) are not simulated and are "
        "spread proportionally over the three",
    },
    "fast_suspension_share": {
        "value": 0.30,
        "source": CONWAY_2017,
        "note": "over 30% of pro-IS accounts suspended within 2 days of creation (lower bound)",
    },
    "suspended_within_90_days": {
        "value": 0.63,
        "source": CONWAY_2017,
        "note": "455 of 722 pro-IS accounts (63%) suspended within the 3-month study; "
        "slow for the rest",
    },
}


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def measure(world: World) -> dict[str, Any]:
    """The calibrated statistics and the structural ones the tests check, from a world."""
    start, end = world.start, world.end
    accounts = world.accounts
    by_role: dict[Role, list[int]] = {r: [] for r in Role}
    for i, a in enumerate(accounts):
        by_role[a.role].append(i)
    sup = [accounts[i] for i in by_role[Role.SUPPORTER]]
    out: dict[str, Any] = {
        "accounts": len(accounts),
        "posts": len(world.posts),
        "follows": len(world.follows),
        "media": len(world.media),
        "role_counts": {r.value: len(ix) for r, ix in by_role.items()},
    }
    out["supporter_followers_mean"] = _mean([a.followers_count for a in sup])
    out["ordinary_followers_mean"] = _mean(
        [accounts[i].followers_count for i in by_role[Role.ORDINARY]]
    )
    langs = Counter(a.lang for a in sup)
    for lang in ("ar", "en", "fr"):
        out[f"supporter_lang_{lang}"] = langs[lang] / len(sup) if sup else float("nan")
    out["hyperactive"] = sum(a.hyperactive for a in sup)
    out["hyperactive_share"] = out["hyperactive"] / len(sup) if sup else float("nan")

    # Posting rate: per-account posts per day alive in the window, averaged over accounts
    # alive at least a day (shorter lives make the ratio meaningless).
    counts: Counter[str] = Counter(p.author_id for p in world.posts)
    rates: dict[Role, list[float]] = {r: [] for r in Role}
    for a in accounts:
        lo = max(a.created_at, start)
        hi = min(a.suspended_at or end, end)
        days = (hi - lo).total_seconds() / 86400
        if days >= 1.0:
            rates[a.role].append(counts[a.id] / days)
    out["posts_per_day"] = {r.value: _mean(v) for r, v in rates.items()}
    out["supporter_posts_per_day"] = out["posts_per_day"][Role.SUPPORTER.value]

    # Suspension speed for supporters created early enough in the window to be watched 2 days.
    new = [a for a in sup if start <= a.created_at <= end - timedelta(days=2)]
    fast = [a for a in new if a.suspended_at and a.suspended_at - a.created_at <= timedelta(days=2)]
    out["new_supporters"] = len(new)
    out["fast_suspension_share"] = len(fast) / len(new) if new else float("nan")
    slow = [
        a for a in new if a.suspended_at and a.suspended_at - a.created_at <= timedelta(days=90)
    ]
    out["suspended_within_90_days"] = len(slow) / len(new) if new else float("nan")
    out["suspended_by_end"] = {
        r.value: sum(1 for i in ix if (s := accounts[i].suspended_at) and s <= end)
        for r, ix in by_role.items()
    }
    out["returns"] = sum(1 for a in accounts if a.returned_from)
    out.update(_daily_suspensions(world))
    out.update(_graph_stats(world, by_role))
    out["obfuscated_share"] = _share(
        [p.obfuscated for p in world.posts if p.propaganda_ref and p.kind != "retweet"]
    )
    return out


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else float("nan")


def _daily_suspensions(world: World) -> dict[str, Any]:
    days = max(1, (world.end - world.start).days)
    per_day = [0] * days
    for a in world.accounts:
        s = a.suspended_at
        if s is not None and world.start <= s < world.end:
            per_day[min(days - 1, (s - world.start).days)] += 1
    waves = world.params.get("platform", {}).get("waves", [])
    burst = set()
    for w in waves:
        for k in range(int(w["days"])):
            burst.add(int(w["day"]) + k)
    in_burst = [c for d, c in enumerate(per_day) if d in burst]
    quiet = [c for d, c in enumerate(per_day) if d not in burst]
    return {
        "suspensions_per_day": per_day,
        "burst_day_mean": _mean([float(c) for c in in_burst]),
        "quiet_day_mean": _mean([float(c) for c in quiet]),
    }


def _graph_stats(world: World, by_role: dict[Role, list[int]]) -> dict[str, Any]:
    index = {a.id: i for i, a in enumerate(world.accounts)}
    n = len(world.accounts)
    if not world.follows or n < 2:
        return {}
    src = np.fromiter((index[f.src] for f in world.follows), dtype=np.int64)
    dst = np.fromiter((index[f.dst] for f in world.follows), dtype=np.int64)
    roles = np.array([list(Role).index(a.role) for a in world.accounts], dtype=np.int64)
    code = {r: list(Role).index(r) for r in Role}
    s_sup, d_sup = roles[src] == code[Role.SUPPORTER], roles[dst] == code[Role.SUPPORTER]
    n_sup = len(by_role[Role.SUPPORTER])
    density = len(src) / (n * (n - 1))
    in_group = float(np.sum(s_sup & d_sup)) / max(1, n_sup * (n_sup - 1))
    watchers = np.isin(roles[src], [code[Role.JOURNALIST], code[Role.RESEARCHER]])
    watched = watchers & d_sup
    codes = np.sort(src * n + dst)
    reverse = dst[watched] * n + src[watched]
    pos = np.minimum(np.searchsorted(codes, reverse), len(codes) - 1)
    back = int(np.sum(codes[pos] == reverse))
    indeg = np.bincount(dst[s_sup & d_sup], minlength=n)[roles == code[Role.SUPPORTER]]
    ordinary_src = roles[src] == code[Role.ORDINARY]
    return {
        "density": density,
        "supporter_in_group_density": in_group,
        "supporter_in_group_ratio": in_group / density if density else float("nan"),
        "watcher_follows_of_supporters": int(np.sum(watched)),
        "watcher_follows_per_watcher": float(np.sum(watched))
        / max(1, len(by_role[Role.JOURNALIST]) + len(by_role[Role.RESEARCHER])),
        "watcher_followed_back_share": back / max(1, int(np.sum(watched))),
        "supporter_in_degree_max_over_mean": float(indeg.max() / max(indeg.mean(), 1e-9))
        if indeg.size
        else float("nan"),
        "ordinary_follows_to_ordinary_share": float(
            np.mean(roles[dst[ordinary_src]] == code[Role.ORDINARY])
        )
        if ordinary_src.any()
        else float("nan"),
        "mean_out_degree": len(src) / n,
    }
