"""Every tunable of the synthetic world, with its default and why it has that value.

`WorldParams` lives here so the generator's stages can take it without importing the
orchestrator; `vigil.sim.generate` re-exports it as the public name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vigil.sim.calibration import TARGETS

__all__ = ["WorldParams"]


def _t(name: str) -> float:
    return float(TARGETS[name]["value"])


def _role_shares() -> dict[str, float]:
    # A topic neighbourhood of a platform, not the platform: supporters are a visible minority,
    # the bulk are ordinary users, and the protected classes (journalists, researchers, parody,
    # counter-speech) are there in numbers large enough to be mistaken for supporters.
    return {
        "ordinary": 0.91,
        "supporter": 0.015,
        "journalist": 0.015,
        "news_outlet": 0.003,
        "researcher": 0.007,
        "parody": 0.005,
        "counter_speech": 0.015,
        "bot": 0.03,
    }


def _languages() -> dict[str, dict[str, float]]:
    sup = {
        "ar": _t("supporter_lang_ar"),
        "en": _t("supporter_lang_en"),
        "fr": _t("supporter_lang_fr"),
    }
    return {
        "supporter": sup,
        # Many ordinary users write Arabic or French, with the same naming customs as supporters.
        "ordinary": {"ar": 0.35, "en": 0.45, "fr": 0.20},
        "journalist": {"ar": 0.25, "en": 0.55, "fr": 0.20},
        "news_outlet": {"ar": 0.30, "en": 0.45, "fr": 0.25},
        "researcher": {"ar": 0.15, "en": 0.70, "fr": 0.15},
        "parody": {"ar": 0.30, "en": 0.55, "fr": 0.15},
        "counter_speech": {"ar": 0.50, "en": 0.35, "fr": 0.15},
        "bot": {"ar": 0.30, "en": 0.55, "fr": 0.15},
    }


def _followers_mean() -> dict[str, float]:
    return {
        "ordinary": _t("ordinary_followers_mean"),
        "supporter": _t("supporter_followers_mean"),
        "journalist": 12_000.0,
        "news_outlet": 300_000.0,
        "researcher": 3_000.0,
        "parody": 5_000.0,
        "counter_speech": 1_500.0,
        "bot": 30.0,
    }


def _followers_sigma() -> dict[str, float]:
    # Lognormal shapes: heavy tails give the hubs; bots are uniformly small.
    return {
        "ordinary": 1.4,
        "supporter": 1.5,
        "journalist": 1.3,
        "news_outlet": 1.5,
        "researcher": 1.2,
        "parody": 1.5,
        "counter_speech": 1.3,
        "bot": 0.8,
    }


def _following_mean() -> dict[str, float]:
    return {
        "ordinary": 250.0,
        "supporter": 450.0,
        "journalist": 1_500.0,
        "news_outlet": 300.0,
        "researcher": 900.0,
        "parody": 400.0,
        "counter_speech": 700.0,
        "bot": 2_500.0,
    }


def _posts_per_day() -> dict[str, float]:
    # Mean in-window posting rate over the role's accounts (inactive ones included).
    return {
        "ordinary": 0.04,
        "supporter": _t("supporter_posts_per_day"),
        "journalist": 0.6,
        "news_outlet": 3.0,
        "researcher": 0.5,
        "parody": 0.6,
        "counter_speech": 0.6,
        "bot": 0.6,
    }


def _active_share() -> dict[str, float]:
    # Share of accounts that post at all in the window. The census found 13% of all Twitter
    # users had tweeted in the previous 30 days; users near a news topic are more active.
    return {"ordinary": 0.2, "bot": 0.8}


def _new_share() -> dict[str, float]:
    # Share of accounts created inside the window; supporters keep opening accounts.
    return {"supporter": 0.6, "bot": 0.3, "ordinary": 0.01, "counter_speech": 0.05, "parody": 0.05}


def _daily_hazard() -> dict[str, float]:
    # Base daily suspension hazard per role (before waves, frailty and reports).
    return {
        "ordinary": 0.0002,
        "supporter": 0.004,
        "journalist": 0.00003,
        "news_outlet": 0.00001,
        "researcher": 0.00005,
        "parody": 0.001,
        "counter_speech": 0.0003,
        "bot": 0.02,
    }


def _reported_share() -> dict[str, float]:
    # Who the earlier volunteer list reported: mostly supporters, and a few mistakes.
    return {
        "supporter": 0.35,
        "journalist": 0.02,
        "researcher": 0.02,
        "parody": 0.05,
        "counter_speech": 0.04,
        "ordinary": 0.001,
    }


def _share(values: dict[str, float], default: float) -> dict[str, float]:
    return values | {k: default for k in _role_shares() if k not in values}


@dataclass
class WorldParams:
    """All tunables of `generate_world`; world.json records them with the calibration targets."""

    accounts: int = 20_000  # accounts drawn from the populations (returning accounts come on top)
    seed: int = 1
    days: int = 30
    start: datetime = field(default_factory=lambda: datetime(2026, 9, 1, tzinfo=UTC))
    role_shares: dict[str, float] = field(default_factory=_role_shares)
    languages: dict[str, dict[str, float]] = field(default_factory=_languages)

    # Profile metrics: the world is a sample of a larger platform, so counts are drawn from
    # lognormals matched exactly to these means, not counted from the in-world graph.
    followers_mean: dict[str, float] = field(default_factory=_followers_mean)
    followers_sigma: dict[str, float] = field(default_factory=_followers_sigma)
    following_mean: dict[str, float] = field(default_factory=_following_mean)
    new_followers_days: float = 20.0  # accounts younger than this have proportionally fewer

    # Activity.
    posts_per_day: dict[str, float] = field(default_factory=_posts_per_day)
    posts_sigma: float = 0.8  # lognormal spread of rates within a role
    active_share: dict[str, float] = field(default_factory=lambda: _share(_active_share(), 1.0))
    hyperactive_share: float = field(default_factory=lambda: _t("hyperactive_share"))
    hyperactive_posts_per_day: tuple[float, float] = (30.0, 80.0)
    new_share: dict[str, float] = field(default_factory=lambda: _share(_new_share(), 0.0))
    retweet_share: dict[str, float] = field(
        default_factory=lambda: _share({"supporter": 0.45, "ordinary": 0.25, "bot": 0.3}, 0.15)
    )
    reply_share: dict[str, float] = field(
        default_factory=lambda: _share(
            {"counter_speech": 0.35, "parody": 0.2, "ordinary": 0.15}, 0.08
        )
    )
    quote_share: dict[str, float] = field(
        default_factory=lambda: _share(
            {"journalist": 0.1, "researcher": 0.15, "counter_speech": 0.1}, 0.03
        )
    )
    evader_share: float = 0.4  # supporters who disguise their markers to get past filters
    obfuscated_share: float = 0.3  # target share of supporters' marker posts that are disguised
    news_talk_share: float = 0.03  # ordinary posts that mention the organisation in everyday news
    hashtag_spam_share: float = 0.1  # bot posts that hijack the supporters' hashtags
    edit_share: float = 0.004  # posts edited after publication

    # Platform enforcement: a hazard model with waves, frailty and reports.
    daily_hazard: dict[str, float] = field(default_factory=lambda: _share(_daily_hazard(), 0.0))
    fast_share: float = 0.45  # of supporter accounts created in the window: conspicuous, gone fast
    fast_hazard: float = 2.0  # their daily hazard
    report_multiplier: float = 3.0  # hazard multiplier once reported (1.0: reports ignored)
    reported_share: dict[str, float] = field(default_factory=lambda: _share(_reported_share(), 0.0))
    report_installment_days: float = 3.0  # the earlier list published reports in installments
    waves: list[dict[str, Any]] | None = None  # explicit schedule; None: drawn from the seed
    quiet_multiplier: float = 0.4
    burst_probability: float = 0.08  # chance a wave starts on a given quiet day
    burst_multiplier: tuple[float, float] = (4.0, 8.0)
    burst_days: tuple[int, int] = (1, 3)
    horizon_days: int = 180  # suspensions are drawn up to this long after the end

    # Resurgence: suspended supporters who come back under a new account.
    resurgence_probability: float = 0.4
    resurgence_delay_hours: float = 20.0  # median
    resurgence_delay_sigma: float = 1.1  # lognormal spread: hours to days
    resurgence_max_days: float = 14.0
    avatar_alter_probability: float = 0.5
    refollow_share: float = 0.7  # of the old account's followees the new one follows again
    followback_share: float = 0.4  # of the old account's supporter followers who follow it

    # Media.
    bank_items: int = 48
    media_share: dict[str, float] = field(
        default_factory=lambda: _share(
            {"supporter": 0.1, "news_outlet": 0.3, "journalist": 0.1, "parody": 0.1}, 0.05
        )
    )
    release_share: dict[str, float] = field(
        default_factory=lambda: _share(
            {
                "supporter": 0.8,
                "journalist": 0.3,
                "researcher": 0.4,
                "news_outlet": 0.2,
                "counter_speech": 0.3,
                "parody": 0.2,
            },
            0.0,
        )
    )
    copies_per_variant: int = 3  # distinct files of one (item, variant): re-uploads share bytes
    photo_pool_per_1000: float = 15.0  # distinct everyday photos per 1,000 accounts
    avatar_pool_per_1000: float = 25.0  # distinct avatars per 1,000 accounts (pooled, as in life)
    default_avatar_share: float = 0.15  # accounts that never set a picture
    release_size: int = 480
    photo_size: int = 400
    avatar_size: int = 200

    # What the analyst starts with.
    seeds: int = 30  # confirmed supporter accounts from an earlier list
    mastodon_remote_share: float = 0.1  # accounts living on another Mastodon instance

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready copy for world.json (datetimes as ISO strings, tuples as lists)."""
        raw = asdict(self)
        raw["start"] = self.start.isoformat()
        return {k: list(v) if isinstance(v, tuple) else v for k, v in raw.items()}
