"""Thread splitting and length counting: Mastodon counts URLs as 23, Bluesky counts
graphemes; no post is ever over the limit and every entry appears exactly once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.publish.threads import (
    BLUESKY_LIMIT,
    MASTODON_LIMIT,
    bluesky_length,
    graphemes,
    installment_lines,
    mastodon_length,
    split_thread,
)


def test_grapheme_counting() -> None:
    assert graphemes("abc") == 3
    assert graphemes("e\u0301") == 1  # e + combining acute
    assert graphemes("🇫🇷🇩🇪") == 2  # two flags
    assert graphemes("👍🏽") == 1  # skin tone modifier
    assert graphemes("👩\u200d💻") == 1  # ZWJ sequence
    assert graphemes("\r\n") == 1


def test_mastodon_counts_every_url_as_23() -> None:
    long_url = "https://example.com/" + "a" * 200
    assert mastodon_length(f"see {long_url}") == 4 + 23
    assert mastodon_length("http://a.b and https://c.d/e") == 23 + 5 + 23


def test_bluesky_refuses_over_3000_bytes() -> None:
    assert bluesky_length("a" * 300) == 300
    assert bluesky_length("😀" * 290) == 290  # 1160 bytes: within both limits
    assert bluesky_length("😀" * 800) > 3000  # 3200 bytes: refused whatever the count


_items = st.lists(
    st.builds(
        lambda i, crit, summary, handle: {
            "entry_id": i,
            "criterion": crit,
            "summary": summary,
            "profile_url": f"https://x.com/i/user/{handle}",
        },
        st.integers(1, 10**6),
        st.sampled_from(["C1", "C2", "C3"]),
        st.text(max_size=600),
        st.from_regex(r"[0-9]{1,19}", fullmatch=True),
    ),
    max_size=30,
    unique_by=lambda d: d["entry_id"],
)


@settings(max_examples=60, deadline=None)
@given(_items)
def test_threads_stay_within_limits(items: list[dict[str, object]]) -> None:
    for limit, length in ((MASTODON_LIMIT, mastodon_length), (BLUESKY_LIMIT, bluesky_length)):
        posts = split_thread("Installment #1: header " * 3, installment_lines(items), limit, length)
        assert all(length(p.text) <= limit for p in posts)
        carried = [e for p in posts for e in p.entry_ids]
        assert carried == [i["entry_id"] for i in items]
