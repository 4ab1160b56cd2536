"""The writers' speed-ups change no byte: orjson against json, cached against fresh renderings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import vigil.sim.jsonline as jsonline
from vigil.sim.jsonline import dumpb, dumps
from vigil.sim.render_mastodon import RenderCache, masto_time, status_json
from vigil.sim.render_x import x_time
from vigil.sim.world import Role, SimAccount, SimPost

T0 = datetime(2015, 2, 1, 12, 0, tzinfo=UTC)
SAMPLES: list[Any] = [
    {"a": 'quote " back \\ slash / nul \x00 bell \x07 tab \t nl \n del \x7f', "b": None},
    {"ar": "الزحمة في القاهرة", "fr": "déjà vu", "emoji": "🙂", "sep": "\u2028\u2029"},
    {"ints": [0, -1, 2**62], "floats": [0.7273, 1.0, 1.3333, 0.001, 123.5], "t": True},
    {"nested": [{"x": []}, {}, [[]]], "tuple": (1, "two")},
    {"role": Role.BOT, "when": T0, "edits": [(T0 + timedelta(microseconds=5), "x")]},
]


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _json(obj: Any) -> bytes:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_iso)
    return text.encode()


@pytest.mark.parametrize("obj", SAMPLES)
def test_dumpb_writes_what_json_writes(obj: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert dumpb(obj, _iso) == _json(obj)
    assert dumps(obj, _iso) == _json(obj).decode()
    monkeypatch.setattr(jsonline, "orjson", None)
    assert dumpb(obj, _iso) == _json(obj)


def test_dumpb_falls_back_where_orjson_refuses() -> None:
    for obj in ({"big": 2**70}, {1: "int key"}):
        assert dumpb(obj) == _json(obj)


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 9, 1, 0, 0, 29, 709999, tzinfo=UTC),
        datetime(2026, 9, 1, tzinfo=UTC),
        datetime(2026, 9, 1, 1, 2, 3, 4500),
        datetime(2026, 9, 1, 1, 2, 3, 999, tzinfo=timezone(timedelta(hours=3))),
    ],
)
def test_timestamps_keep_their_form(when: datetime) -> None:
    u = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    expected = u.strftime("%Y-%m-%dT%H:%M:%S.") + f"{u.microsecond // 1000:03d}Z"
    assert x_time(when) == masto_time(when) == expected


def _acc(acc_id: str, handle: str) -> SimAccount:
    return SimAccount(
        id=acc_id,
        handle=handle,
        display_name=handle.title(),
        bio="Notes & <tags> #topic",
        role=Role.ORDINARY,
        identity=acc_id,
        lang="en",
        created_at=T0 - timedelta(days=400),
        followers_count=3,
        following_count=4,
        url="https://example.org/a/very/long/path/that/is/truncated",
    )


def test_cached_statuses_equal_fresh_ones() -> None:
    author, other = _acc("1", "author"), _acc("2", "other")
    plain = SimPost("10", "1", T0, "Hi <b> & #Tag @other https://x.org/p", "en", mentions=["2"])
    edited = SimPost(
        "11", "1", T0, "First", "en", edits=[(T0 + timedelta(minutes=5), "First (edit)")]
    )
    cache = RenderCache()
    for k, ref in enumerate([plain, edited, plain, edited]):
        for kind in ("retweet", "quote"):
            post = SimPost(f"2{k}{kind}", "2", T0 + timedelta(hours=1), "Look", "en", kind, ref.id)
            for as_of in (T0 + timedelta(minutes=1), T0 + timedelta(hours=2)):
                args: dict[str, Any] = {
                    "base_url": "http://h",
                    "ref": ref,
                    "ref_author": author,
                    "as_of": as_of,
                }
                fresh = status_json(post, other, **args)
                assert status_json(post, other, cache=cache, **args) == fresh
                assert dumpb(status_json(post, other, cache=cache, **args)) == dumpb(fresh)
    # The same account suspended or not is two different renderings.
    up = status_json(plain, author, base_url="http://h", ref=None, ref_author=None, cache=cache)
    down = status_json(
        plain,
        author,
        base_url="http://h",
        ref=None,
        ref_author=None,
        author_suspended=True,
        cache=cache,
    )
    assert up["account"]["display_name"] == "Author"
    assert down["account"]["display_name"] == ""
    assert down["account"]["suspended"] is True
