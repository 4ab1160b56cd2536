"""Renderers against real shapes: X errors, users, tweets from twarc2 output; Mastodon; Bluesky."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.support.data import X_API_DATA

from vigil.sim.render_bluesky import bsky_handle, did_for, feed_view_post, profile_json, rkey_for
from vigil.sim.render_mastodon import account_json, status_json
from vigil.sim.render_x import (
    media_json,
    not_found_error,
    page,
    suspended_error,
    tweet_json,
    user_json,
    version_id,
    x_time,
)
from vigil.sim.world import Role, SimAccount, SimMedia, SimPost

DATA = X_API_DATA


def _real_lines() -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for path in sorted(DATA.glob("*.jsonl")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                lines.append(obj)
    return lines


@pytest.fixture(scope="module")
def real() -> list[dict[str, Any]]:
    return _real_lines()


def _errors(real: list[dict[str, Any]], pattern: str) -> list[dict[str, Any]]:
    return [e for line in real for e in line.get("errors", []) if re.match(pattern, e["detail"])]


def _acc(**kw: Any) -> SimAccount:
    base: dict[str, Any] = {
        "id": "1234567890",
        "handle": "Some_Name",
        "display_name": "Some Name",
        "bio": "Notes & <tags> #topic with @friend",
        "role": Role.ORDINARY,
        "identity": "p1",
        "lang": "en",
        "created_at": datetime(2014, 5, 6, 7, 8, 9, 123000, tzinfo=UTC),
        "followers_count": 300,
        "following_count": 20,
        "url": "https://example.org/a/very/long/path/that/is/truncated",
        "avatar_media": "3_42",
    }
    base.update(kw)
    return SimAccount(**base)


def _post(**kw: Any) -> SimPost:
    base: dict[str, Any] = {
        "id": "600000000000000001",
        "author_id": "1234567890",
        "created_at": datetime(2015, 2, 1, 12, 0, tzinfo=UTC),
        "text": "Hello @Friend see https://archive.org/details/x #Topic",
        "lang": "en",
        "mentions": ["99"],
        "hashtags": ["Topic"],
        "urls": ["https://archive.org/details/x"],
    }
    base.update(kw)
    return SimPost(**base)


def test_suspended_error_matches_real_shape(real: list[dict[str, Any]]) -> None:
    reals = _errors(real, r"User has been suspended: \[")
    assert reals, "the shared data holds real suspended errors"
    for r in reals:
        mine = suspended_error(_acc(), r["parameter"], r["value"])
        assert mine == r


def test_not_found_error_matches_real_shape(real: list[dict[str, Any]]) -> None:
    users = _errors(real, r"Could not find user with")
    tweets = _errors(real, r"Could not find tweet with")
    assert users
    assert tweets
    for r in users:
        assert not_found_error(r["parameter"], r["value"]) == r
    for r in tweets:
        assert not_found_error(r["parameter"], r["value"], resource_type="tweet") == r


def test_user_json_has_real_keys_and_formats(real: list[dict[str, Any]]) -> None:
    real_users = [u for line in real if isinstance(line.get("data"), list) for u in line["data"]]
    real_users = [u for u in real_users if "username" in u and "public_metrics" in u]
    real_keys = set().union(*(set(u) for u in real_users))
    mine = user_json(_acc())
    assert set(mine) <= real_keys | {"pinned_tweet_id"}
    assert set(mine["public_metrics"]) == set(real_users[0]["public_metrics"])
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.fullmatch(stamp, real_users[0]["created_at"])
    assert mine["created_at"] == "2014-05-06T07:08:09.123Z"
    assert mine["url"].startswith("https://t.co/")
    assert mine["entities"]["url"]["urls"][0]["expanded_url"].startswith("https://example.org/")
    assert mine["entities"]["description"]["hashtags"][0]["tag"] == "topic"
    assert mine["profile_image_url"].endswith("3_42_normal.jpg")


def test_tweet_json_entities_point_at_their_text() -> None:
    friend = _acc(id="99", handle="friend")
    tw = tweet_json(_post(), accounts={"99": friend}, author=_acc())
    text = tw["text"]
    assert "archive.org" not in text, "links are rewritten to t.co as X does"
    for kind, field in (("urls", "url"), ("hashtags", "tag"), ("mentions", "username")):
        for ent in tw["entities"][kind]:
            piece = text[ent["start"] : ent["end"]]
            assert piece.lstrip("#@").lower() == ent[field].lower()
    assert tw["entities"]["mentions"][0]["id"] == "99"
    assert tw["edit_history_tweet_ids"] == [tw["id"]]


def test_tweet_versions_and_edit_history() -> None:
    t0 = datetime(2015, 2, 1, 12, 0, tzinfo=UTC)
    post = _post(
        urls=[],
        edits=[(t0 + timedelta(minutes=5), "second"), (t0 + timedelta(days=3), "third")],
    )
    latest = tweet_json(post)
    first = tweet_json(post, 0)
    as_of = tweet_json(post, as_of=t0 + timedelta(days=1))
    assert first["id"] == post.id
    assert latest["text"] == "third"
    assert latest["edit_history_tweet_ids"] == [version_id(post, i) for i in range(3)]
    assert len(set(latest["edit_history_tweet_ids"])) == 3
    assert int(version_id(post, 2)) > int(version_id(post, 1)) > int(post.id) >> 22
    assert as_of["text"] == "second"
    assert len(as_of["edit_history_tweet_ids"]) == 2
    assert latest["edit_controls"]["edits_remaining"] == 3


def test_retweet_quote_reply_references() -> None:
    assert tweet_json(_post(kind="retweet", ref_id="5"))["referenced_tweets"] == [
        {"type": "retweeted", "id": "5"}
    ]
    reply = tweet_json(_post(kind="reply", ref_id="6"), ref_author_id="77")
    assert reply["referenced_tweets"] == [{"type": "replied_to", "id": "6"}]
    assert reply["in_reply_to_user_id"] == "77"


def test_media_and_page_match_twarc_shape(real: list[dict[str, Any]]) -> None:
    m = media_json(SimMedia("3_5", "1", "media/3_5.png", 640, 480))
    real_photo = next(
        x
        for line in real
        for x in line.get("includes", {}).get("media", [])
        if x["type"] == "photo"
    )
    assert set(m) == set(real_photo) & {"media_key", "type", "url", "width", "height"}
    when = datetime(2015, 3, 1, tzinfo=UTC)
    line = page([{"id": "1"}], [], [], [m], [], {"result_count": 1}, "https://api.x/2/u", when)
    real_twarc = next(x["__twarc"] for x in real if "__twarc" in x)
    assert set(line["__twarc"]) == set(real_twarc)
    assert line["__twarc"]["retrieved_at"] == "2015-03-01T00:00:00+00:00"
    assert line["includes"] == {"media": [m]}
    assert "errors" not in line
    assert x_time(when) == "2015-03-01T00:00:00.000Z"


def test_mastodon_account_and_suspension() -> None:
    acc = _acc()
    live = account_json(acc, suspended=False, base_url="http://h")
    gone = account_json(acc, suspended=True, base_url="http://h")
    assert live["note"] == "<p>Notes &amp; &lt;tags&gt; #topic with @friend</p>"
    assert live["created_at"] == "2014-05-06T00:00:00.000Z"
    assert live["url"] == "http://h/@Some_Name"
    assert "suspended" not in live
    assert gone["suspended"] is True
    assert gone["display_name"] == gone["note"] == ""
    assert gone["avatar"].endswith("/avatars/original/missing.png")
    assert gone["fields"] == []
    assert gone["id"] == live["id"]
    remote = account_json(_acc(instance="other.example"), suspended=False, base_url="http://h")
    assert remote["acct"] == "Some_Name@other.example"


def test_mastodon_status_reblog_and_edit() -> None:
    author, friend = _acc(), _acc(id="99", handle="friend")
    t0 = datetime(2015, 2, 1, 12, 0, tzinfo=UTC)
    post = _post(edits=[(t0 + timedelta(hours=1), "Edited <b> #Topic")])
    st = status_json(
        post, author, base_url="http://h", ref=None, ref_author=None, mentioned=[friend]
    )
    assert st["edited_at"] == "2015-02-01T13:00:00.000Z"
    assert "&lt;b&gt;" in st["content"]
    assert 'class="mention hashtag"' in st["content"]
    assert st["tags"] == [{"name": "topic", "url": "http://h/tags/topic"}]
    assert st["mentions"][0]["acct"] == "friend"
    rt = status_json(
        _post(id="7", kind="retweet", ref_id=post.id),
        friend,
        base_url="http://h",
        ref=post,
        ref_author=author,
    )
    assert rt["reblog"]["id"] == post.id
    assert rt["content"] == ""
    early = status_json(post, author, base_url="http://h", ref=None, ref_author=None, as_of=t0)
    assert early["edited_at"] is None


def test_bluesky_identifiers_and_views() -> None:
    acc = _acc()
    did = did_for(acc)
    assert re.fullmatch(r"did:plc:[a-z2-7]{24}", did)
    assert did == did_for(_acc())
    assert did_for(_acc(did="did:plc:abc")) == "did:plc:abc"
    handle = bsky_handle(acc)
    assert handle == "some-name.bsky.sim"
    assert re.fullmatch(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]+", handle)
    prof = profile_json(acc, posts_count=3)
    assert prof["did"] == did
    assert prof["postsCount"] == 3
    post = _post()
    item = feed_view_post(post, acc, mentioned=[_acc(id="99", handle="friend")])
    view = item["post"]
    assert view["uri"] == f"at://{did}/app.bsky.feed.post/{rkey_for(post)}"
    assert re.fullmatch(r"[234567a-z]{13}", rkey_for(post))
    assert view["cid"].startswith("bafyrei")
    assert view["record"]["$type"] == "app.bsky.feed.post"
    text_bytes = view["record"]["text"].encode()
    for facet in view["record"]["facets"]:
        piece = text_bytes[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode()
        assert piece[0] in "#@h"
    later = _post(id="600000000000000002", created_at=post.created_at + timedelta(seconds=1))
    assert rkey_for(later) > rkey_for(post), "record keys sort by time"
    repost = feed_view_post(
        _post(id="8", kind="retweet", ref_id=post.id),
        _acc(id="5", handle="other"),
        ref=post,
        ref_author=acc,
    )
    assert repost["reason"]["$type"] == "app.bsky.feed.defs#reasonRepost"
    assert repost["post"]["uri"] == view["uri"]
