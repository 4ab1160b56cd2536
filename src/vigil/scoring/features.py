"""Score features derived from a signal's evidence, each with a sentence for the reviewer.

A signal's single value hides what separates a supporter from a journalist quoting the same
outlet: which kinds of terms, whether the account ever uses the opponents' names, how much
it posts, how many of its followees are confirmed. These become features of their own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["CLASSIFIER_FEATURE", "COUNTER_FEATURE", "derived_features"]

# The text signal keeps counter-evidence (opponents' names, news framing, counter-speech)
# in its evidence; scoring turns it into a feature of its own with a negative weight.
COUNTER_FEATURE = "text_counter"
# The trained classifier's mean probability, kept apart from the lexicon value so that
# `vigil train` can weigh the two separately.
CLASSIFIER_FEATURE = "text_classifier"

Feature = tuple[float, str]

# Category -> (feature, share or any, wording). Shares reward a habit; "any" features
# record that an account ever wrote the words supporters avoid (opponents' names...).
_TEXT_CATEGORIES: dict[str, tuple[str, bool, str]] = {
    "outlet": ("text_outlet", True, "name an outlet"),
    "hashtag": ("text_hashtag", True, "use the organisation's hashtags"),
    "self_designation": ("text_self_designation", False, "use a self-designation"),
    "opponent_name": ("text_opponent_name", False, "use the opponents' name for it"),
    "news_framing": ("text_news_framing", False, "use news framing"),
    "counter_speech": ("text_counter_speech", False, "use a counter-speech tag"),
}


def _number(evidence: Mapping[str, Any], key: str) -> float | None:
    value = evidence.get(key)
    return float(value) if isinstance(value, int | float) else None


def _text(evidence: Mapping[str, Any]) -> dict[str, Feature]:
    out: dict[str, Feature] = {}
    scanned = evidence.get("posts_scanned")
    if not isinstance(scanned, int) or scanned <= 0:
        return out
    counter = evidence.get("counter")
    counter = counter if isinstance(counter, dict) else {}
    cats: dict[str, Any] = {
        **(evidence.get("categories") or {}),
        **(counter.get("categories") or {}),
    }
    for cat, (name, share, words) in _TEXT_CATEGORIES.items():
        n = cats.get(cat, 0)
        n = int(n) if isinstance(n, int) else 0
        if share:
            out[name] = (min(1.0, n / scanned), f"{n} of {scanned} posts {words}")
        else:
            out[name] = (1.0 if n else 0.0, f"{n} of {scanned} posts {words}")
    counter_posts = counter.get("posts") or []
    if counter_posts:
        share_c = min(1.0, len(counter_posts) / scanned)
        out[COUNTER_FEATURE] = (share_c, f"{share_c:.0%} of posts hold counter-evidence")
    out["text_volume"] = (math.log1p(scanned), f"{scanned} posts read (log scale)")
    clf = evidence.get("classifier")
    if isinstance(clf, dict) and isinstance(clf.get("mean"), int | float):
        mean = float(clf["mean"])
        out[CLASSIFIER_FEATURE] = (
            mean,
            f"text classifier {clf.get('version', '?')}: mean probability {mean:.2f}",
        )
    return out


def _behaviour(evidence: Mapping[str, Any]) -> dict[str, Feature]:
    out: dict[str, Feature] = {}
    rate = _number(evidence, "posts_per_day")
    if rate is not None:
        out["behaviour_rate"] = (math.log1p(max(rate, 0.0)), f"{rate:.1f} posts a day (log scale)")
    age = _number(evidence, "age_days_at_first_post")
    if age is not None:
        out["behaviour_age"] = (
            math.log1p(max(age, 0.0)),
            f"{age:.0f} days old at its first post (log scale)",
        )
    return out


def _network(evidence: Mapping[str, Any]) -> dict[str, Feature]:
    out: dict[str, Feature] = {}
    inside = _number(evidence, "ingroup_followees")
    followees = _number(evidence, "followees")
    if inside is not None:
        out["network_ingroup"] = (
            math.log1p(max(inside, 0.0)),
            f"follows {inside:.0f} confirmed accounts (log scale)",
        )
    if followees is not None:
        out["network_followees"] = (
            math.log1p(max(followees, 0.0)),
            f"follows {followees:.0f} accounts (log scale)",
        )
    return out


_DERIVERS = {"text": _text, "behaviour": _behaviour, "network": _network}


def derived_features(name: str, evidence: Mapping[str, Any] | None) -> dict[str, Feature]:
    """Features derived from signal `name`'s evidence: {feature: (value, explanation)}."""
    derive = _DERIVERS.get(name)
    if derive is None or not isinstance(evidence, Mapping):
        return {}
    return derive(evidence)
