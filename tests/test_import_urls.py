"""Links in posts (`PostUrl`): X url entities, Mastodon anchors and cards, Bluesky facets and
embeds; expanded where the platform expanded them, with host and registrable domain."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.data import X_API_DATA
from vigil.config import Settings
from vigil.model import Post
from vigil.model.content import PostUrl
from vigil.platforms import links
from vigil.platforms.bluesky_records import BlueskyViews
from vigil.platforms.file_imports import import_mastodon_files, import_x_files
from vigil.platforms.links import bluesky_links, mastodon_links, registrable_domain, x_links
from vigil.sim.world import SimPost
from vigil.store import Database

Link = tuple[str, int, str, str, str | None, str | None]


def stored_links(db: Database) -> list[Link]:
    """(platform post id, position, url, expanded_url, host, domain), in order."""
    with db.session() as s:
        rows = s.execute(
            sa.select(
                Post.platform_post_id,
                PostUrl.position,
                PostUrl.url,
                PostUrl.expanded_url,
                PostUrl.host,
                PostUrl.domain,
            )
            .join(Post, Post.id == PostUrl.post_id)
            .order_by(Post.platform_post_id, PostUrl.position)
        ).all()
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


def links_by_post(db: Database) -> dict[str, list[str]]:
    """Expanded URLs by platform post id, in position order."""
    found: dict[str, list[str]] = {}
    for post_id, _, _, expanded, _, _ in stored_links(db):
        found.setdefault(post_id, []).append(expanded)
    return found


def shown_urls(post: SimPost) -> list[str]:
    """The world's links of a post that its latest text shows, in text order (what Mastodon
    and Bluesky link; X appends a t.co link for every URL, shown or not)."""
    text = post.edits[-1][1] if post.edits else post.text
    return sorted((u for u in post.urls if u in text), key=text.index)


def write_lines(path: Path, *objects: Any) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://News.BBC.co.uk/world", "bbc.co.uk"),
        ("https://www.theguardian.com/a?b=c", "theguardian.com"),
        ("http://example.com:8080/", "example.com"),
        ("https://t.co/abc", "t.co"),
        ("https://192.168.1.20/x", "192.168.1.20"),
        ("https://[2001:db8::1]/x", "2001:db8::1"),
        ("https://bücher.example.de/", "example.de"),  # punycode host: xn--bcher-kva.example.de
        ("mailto:someone@example.com", None),
        ("https://[broken/", None),
        ("https://" + "a" * 300 + ".com/", None),
    ],
)
def test_registrable_domain(url: str, domain: str | None) -> None:
    assert registrable_domain(url) == domain


def test_look_alike_hosts_are_kept_in_punycode() -> None:
    made = links.link("https://раураl.com/login")  # Cyrillic letters that look like "paypal"
    assert made is not None
    assert made.host == made.domain == "xn--l-7sba6dbr.com"


def test_the_built_in_suffixes_serve_without_the_system_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(links, "PUBLIC_SUFFIX_FILES", ())
    links._suffixes.cache_clear()
    links.split_host.cache_clear()
    try:
        assert registrable_domain("https://a.b.example.co.uk/") == "example.co.uk"
        assert registrable_domain("https://www.example.org/") == "example.org"
    finally:
        links._suffixes.cache_clear()
        links.split_host.cache_clear()


def test_x_links_unwind_and_leave_media_to_media() -> None:
    found = x_links(
        {
            "urls": [
                {
                    "url": "https://t.co/a",
                    "expanded_url": "https://bit.ly/x",
                    "unwound_url": "https://Www.Example.com/story",
                },
                {
                    "url": "https://t.co/b",
                    "expanded_url": "https://twitter.com/u/status/1/photo/1",
                    "media_key": "3_1",
                },
                {"url": "https://t.co/c", "expanded_url": "https://example.org/"},
            ]
        }
    )
    assert [(u.url, u.expanded_url, u.host, u.domain) for u in found] == [
        ("https://t.co/a", "https://Www.Example.com/story", "www.example.com", "example.com"),
        ("https://t.co/c", "https://example.org/", "example.org", "example.org"),
    ]


def test_mastodon_links_skip_mentions_and_hashtags_and_add_the_card() -> None:
    content = (
        '<p><span class="h-card"><a href="https://m.example/@bob" class="u-url mention">'
        '@<span>bob</span></a></span> see <a href="https://news.example.com/a?x=1&amp;y=2" '
        'rel="nofollow noopener"><span class="invisible">https://</span>'
        '<span class="ellipsis">news.example.com/a</span><span class="invisible">?x=1&amp;y=2'
        '</span></a> <a href="https://m.example/tags/x" class="mention hashtag">#<span>x</span>'
        '</a> <a href="javascript:alert(1)">click</a></p>'
    )
    found = mastodon_links(content, {"url": "https://card.example.net/page"})
    assert [(u.url, u.expanded_url, u.domain) for u in found] == [
        (
            "https://news.example.com/a?x=1&y=2",
            "https://news.example.com/a?x=1&y=2",
            "example.com",
        ),
        ("https://card.example.net/page", "https://card.example.net/page", "example.net"),
    ]
    # The card repeating a link of the text is not a second link.
    assert len(mastodon_links(content, {"url": "https://news.example.com/a?x=1&y=2"})) == 1


def test_bluesky_links_from_facets_in_text_order_then_the_external_embed() -> None:
    text = "read é example.org/b and x.com/a"
    raw = text.encode()

    def facet(shown: str, uri: str) -> dict[str, Any]:
        start = raw.index(shown.encode())
        return {
            "index": {"byteStart": start, "byteEnd": start + len(shown.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
        }

    facets = [facet("x.com/a", "https://x.com/a"), facet("example.org/b", "https://example.org/b")]
    facets.append({"index": {}, "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "t"}]})
    embed = {
        "$type": "app.bsky.embed.external",
        "external": {"uri": "https://blog.example.net/p", "title": "t"},
    }
    found = bluesky_links(text, facets, embed)
    assert [(u.url, u.expanded_url) for u in found] == [
        ("example.org/b", "https://example.org/b"),
        ("x.com/a", "https://x.com/a"),
        ("https://blog.example.net/p", "https://blog.example.net/p"),
    ]
    views = BlueskyViews(datetime(2024, 1, 1, tzinfo=UTC))
    uri = views.post(
        {
            "uri": "at://did:plc:a/app.bsky.feed.post/1",
            "cid": "c1",
            "author": {"did": "did:plc:a", "handle": "a.bsky.social"},
            "record": {"text": text, "facets": facets, "embed": embed},
        }
    )
    (post,) = [r for r in views.records() if getattr(r, "platform_post_id", None) == uri]
    assert len(post.links) == 3


def test_many_urls_file_stores_the_unwound_link(db: Database, settings: Settings) -> None:
    import_x_files(db, settings, [X_API_DATA / "many_urls.jsonl"])
    url = "https://uiadrian.gumroad.com/l/web-design-guide/?offer_code=twk0uc9f7"
    assert [link[2:] for link in stored_links(db)] == [
        ("https://t.co/C73mC2F5nY", url, "uiadrian.gumroad.com", "gumroad.com")
    ]


def _x_line(version: str, created: str, retrieved: str, urls: list[str]) -> dict[str, Any]:
    entities = [
        {"url": f"https://t.co/{i}{version[-1]}", "expanded_url": u} for i, u in enumerate(urls)
    ]
    return {
        "data": [
            {
                "id": version,
                "author_id": "42",
                "text": "look",
                "created_at": created,
                "edit_history_tweet_ids": ["1500000000000000001", "1500000000000000002"],
                "entities": {"urls": entities},
            }
        ],
        "__twarc": {"retrieved_at": retrieved, "url": "https://api.twitter.com/2/tweets"},
    }


def test_links_follow_the_latest_version_and_reimports_change_nothing(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    old = _x_line(
        "1500000000000000001",
        "2022-10-03T17:57:01.000Z",
        "2022-10-03T18:00:00+00:00",
        ["https://old.example.com/a", "https://example.org/b"],
    )
    new = _x_line(
        "1500000000000000002",
        "2022-10-03T17:58:00.000Z",
        "2022-10-03T18:30:00+00:00",
        ["https://new.example.com/a"],
    )
    newer = write_lines(tmp_path / "new.jsonl", new)
    older = write_lines(tmp_path / "old.jsonl", old)
    import_x_files(db, settings, [older])
    assert [link[3] for link in stored_links(db)] == [
        "https://old.example.com/a",
        "https://example.org/b",
    ]
    import_x_files(db, settings, [newer])
    after = stored_links(db)
    # The newer version's link takes its place; the place it no longer has is kept.
    assert [link[3] for link in after] == ["https://new.example.com/a", "https://example.org/b"]
    import_x_files(db, settings, [older, newer])
    assert stored_links(db) == after


def test_mastodon_files_store_links_once(db: Database, settings: Settings, tmp_path: Path) -> None:
    account = {
        "id": "1",
        "username": "alice",
        "acct": "alice",
        "url": "https://example.social/@alice",
        "display_name": "Alice",
    }
    status = {
        "id": "10",
        "account": account,
        "created_at": "2024-01-01T10:00:00.000Z",
        "url": "https://example.social/@alice/10",
        "content": '<p>see <a href="https://www.example.com/x">example.com/x</a></p>',
        "card": {"url": "https://other.example.org/y"},
    }
    path = write_lines(tmp_path / "statuses.jsonl", status)
    import_mastodon_files(db, settings, [path])
    import_mastodon_files(db, settings, [path])
    assert stored_links(db) == [
        ("10", 0, "example.com/x", "https://www.example.com/x", "www.example.com", "example.com"),
        (
            "10",
            1,
            "https://other.example.org/y",
            "https://other.example.org/y",
            "other.example.org",
            "example.org",
        ),
    ]


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_generated_world_keeps_the_links_its_statuses_show(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    import vigil.sim.generate as generate
    import vigil.sim.output_mastodon as output

    world = generate.generate_world(generate.WorldParams(accounts=300, seed=3, days=5))
    output.write_mastodon_accounts(world, tmp_path)
    output.write_mastodon_statuses(world, tmp_path, {m.key: m for m in world.media})
    base = tmp_path / "mastodon"
    import_mastodon_files(db, settings, [base / "accounts.jsonl", base / "statuses.jsonl"])
    got = links_by_post(db)
    # Mastodon links what a status's text holds (a reblog shows the original's links).
    want = {p.id: shown_urls(p) for p in world.posts if p.kind != "retweet"}
    assert got == {k: v for k, v in want.items() if v}
    assert sum(map(len, got.values())) >= 100
