"""`vigil import mastodon`: Status and Account entities as the Mastodon API returns them."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from vigil.config import Settings
from vigil.errors import InputError
from vigil.model import (
    Account,
    Media,
    Mention,
    Platform,
    Post,
    PostReference,
    PostVersion,
    StatusObservation,
)
from vigil.platforms.file_imports import import_mastodon_files
from vigil.platforms.mastodon_files import html_text
from vigil.store import Database

BASE = "https://example.social"


def account(aid: str, username: str, *, remote: str = "", **extra: Any) -> dict[str, Any]:
    home = f"https://{remote}" if remote else BASE
    return {
        "id": aid,
        "username": username,
        "acct": f"{username}@{remote}" if remote else username,
        "display_name": username.title(),
        "locked": False,
        "bot": False,
        "created_at": "2024-01-01T00:00:00.000Z",
        "note": "<p>Notes on outlets &amp; hashtags.<br />Second line</p>",
        "url": f"{home}/@{username}",
        "avatar": f"{home}/avatars/{aid}.png",
        "followers_count": 10,
        "following_count": 5,
        "statuses_count": 3,
        **extra,
    }


ALICE = account("1", "alice")
BOB = account("2", "bob", remote="other.example")
CAROL_SUSPENDED = account("3", "carol", display_name="", note="", suspended=True)


def status(sid: str, author: dict[str, Any], content: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": sid,
        "created_at": "2024-02-01T10:00:00.000Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "url": f"{BASE}/@{author['username']}/{sid}",
        "edited_at": None,
        "content": content,
        "reblog": None,
        "account": author,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        **extra,
    }


S10 = status(
    "10",
    ALICE,
    '<p>Hello <span class="h-card"><a href="https://other.example/@bob" class="u-url mention">'
    '@<span>bob</span></a></span> see <a href="https://archive.org/details/x">'
    '<span class="invisible">https://</span><span class="">archive.org/details/x</span></a></p>',
    mentions=[
        {
            "id": "2",
            "username": "bob",
            "acct": "bob@other.example",
            "url": "https://other.example/@bob",
        }
    ],
    media_attachments=[
        {
            "id": "500",
            "type": "image",
            "url": f"{BASE}/media/500.png",
            "meta": {"original": {"width": 640, "height": 480}},
        }
    ],
)
S11 = status("11", BOB, "<p>a reply</p>", in_reply_to_id="10", in_reply_to_account_id="1")
S12 = status("12", ALICE, "", reblog=S11)
S13 = status("13", BOB, "<p>quoting</p>", quote={"state": "accepted", "quoted_status": S10})
S14 = status("14", ALICE, "<p>second thoughts</p>", edited_at="2024-02-01T11:00:00.000Z")


def write_lines(path: Path, *objects: Any) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    return path


def counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {
            m.__tablename__: int(s.execute(sa.select(sa.func.count()).select_from(m)).scalar_one())
            for m in (Account, Post, PostVersion, PostReference, Mention, Media, StatusObservation)
        }


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    statuses = write_lines(
        tmp_path / "statuses.jsonl",
        S10,
        S11,
        S12,
        [S13],  # a page: an array of statuses
        S14,
        {"accounts": [ALICE], "statuses": [], "hashtags": []},  # a v2 search answer
    )
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps([ALICE, BOB, CAROL_SUSPENDED], indent=2))  # one document
    return [statuses, accounts]


def test_statuses_and_accounts_become_records(
    db: Database, settings: Settings, files: list[Path]
) -> None:
    summary = import_mastodon_files(db, settings, files)
    assert summary.platform == "mastodon:example.social"
    assert summary.quarantined == 0
    # Accounts alice, bob and carol; posts 10-14 (10 and 11 also nested in 13 and 12);
    # edges 11->10 reply, 12->11 boost, 13->10 quote; 10 mentions bob; one image; carol
    # is suspended; 14 was edited, so its version is kept.
    assert counts(db) == {
        "account": 3,
        "post": 5,
        "post_version": 1,
        "post_reference": 3,
        "mention": 1,
        "media": 1,
        "status_observation": 1,
    }
    with db.session() as s:
        platform = s.execute(sa.select(Platform)).scalar_one()
        accounts = {a.platform_account_id: a for a in s.execute(sa.select(Account)).scalars()}
        posts = {p.platform_post_id: p for p in s.execute(sa.select(Post)).scalars()}
        refs = {
            (r.post_id, r.kind): (r.target_post_id, r.target_account_id)
            for r in s.execute(sa.select(PostReference)).scalars()
        }
        media = s.execute(sa.select(Media)).scalar_one()
        observed = s.execute(sa.select(StatusObservation)).scalar_one()
    assert (platform.kind, platform.base_url) == ("mastodon", BASE)
    assert accounts["2"].handle == "bob@other.example"
    assert accounts["1"].bio == "Notes on outlets & hashtags.\nSecond line"
    assert accounts["3"].profile_seen_at is None
    assert (observed.account_id, observed.status) == (accounts["3"].id, "suspended")
    assert posts["10"].text == "Hello @bob see https://archive.org/details/x"
    assert posts["12"].kind == "retweet"
    assert posts["13"].kind == "quote"
    assert posts["11"].kind == "reply"
    assert refs[(posts["11"].id, "replied_to")] == (posts["10"].id, accounts["1"].id)
    assert refs[(posts["12"].id, "retweeted")] == (posts["11"].id, accounts["2"].id)
    assert refs[(posts["13"].id, "quoted")] == (posts["10"].id, accounts["1"].id)
    assert (media.media_key, media.kind, media.width, media.height) == ("500", "image", 640, 480)


def test_importing_twice_changes_no_count(
    db: Database, settings: Settings, files: list[Path]
) -> None:
    import_mastodon_files(db, settings, files)
    first = counts(db)
    import_mastodon_files(db, settings, files)
    assert counts(db) == first


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_suspended_entity_does_not_blank_the_stored_profile(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    write_lines(tmp_path / "a.jsonl", ALICE)
    suspended = {**ALICE, "display_name": "", "note": "", "suspended": True}
    write_lines(tmp_path / "b.jsonl", suspended)
    import_mastodon_files(db, settings, [tmp_path / "a.jsonl", tmp_path / "b.jsonl"])
    with db.session() as s:
        alice = s.execute(sa.select(Account)).scalar_one()
        statuses = s.execute(sa.select(StatusObservation.status)).scalars().all()
    assert alice.display_name == "Alice"
    assert statuses == ["suspended"]


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_edits_keep_every_version(db: Database, settings: Settings, tmp_path: Path) -> None:
    original = status("20", ALICE, "<p>first</p>")
    edited = {**original, "content": "<p>second</p>", "edited_at": "2024-02-01T12:00:00.000Z"}
    write_lines(tmp_path / "a.jsonl", original)
    write_lines(tmp_path / "b.jsonl", edited)
    import_mastodon_files(db, settings, [tmp_path / "a.jsonl"])
    import_mastodon_files(db, settings, [tmp_path / "b.jsonl"])
    with db.session() as s:
        post = s.execute(sa.select(Post)).scalar_one()
        versions = [(v.text, v.created_at) for v in post.versions]
    assert post.text == "second"
    assert versions == [
        ("first", datetime(2024, 2, 1, 10, tzinfo=UTC)),
        ("second", datetime(2024, 2, 1, 12, tzinfo=UTC)),
    ]


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_the_instance_must_be_known(db: Database, settings: Settings, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "remote.jsonl", BOB)
    with pytest.raises(InputError, match="--instance"):
        import_mastodon_files(db, settings, [path])
    summary = import_mastodon_files(db, settings, [path], instance="https://Example.Social/")
    assert summary.platform == "mastodon:example.social"


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_unknown_shapes_are_quarantined(db: Database, settings: Settings, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "mixed.jsonl", ALICE, {"id": "9", "title": "a list"}, "text", S11)
    summary = import_mastodon_files(db, settings, [path])
    assert summary.quarantined == 2
    assert counts(db)["post"] == 1


def test_html_text() -> None:
    assert html_text("<p>a &lt;b&gt;</p><p>c<br>d</p>") == "a <b>\n\nc\nd"
    assert html_text(None) == ""


def test_cli_imports_mastodon_files(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    files: list[Path],
) -> None:
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "home"))
    assert run_cli(capsys, "init").code == 0
    result = run_cli(capsys, "import", "mastodon", "--format", "json", *map(str, files))
    assert result.code == 0
    report = json.loads(result.out)
    assert report["platform"] == "mastodon:example.social"
    assert report["totals"]["observations"] == 1


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_generated_world_imports_whole(db: Database, settings: Settings, tmp_path: Path) -> None:
    import vigil.sim.generate as generate
    import vigil.sim.output_mastodon as output

    world = generate.generate_world(generate.WorldParams(accounts=300, seed=3, days=5))
    output.write_mastodon_accounts(world, tmp_path)
    output.write_mastodon_statuses(world, tmp_path, {m.key: m for m in world.media})
    base = tmp_path / "mastodon"
    summary = import_mastodon_files(
        db, settings, [base / "accounts.jsonl", base / "statuses.jsonl"]
    )
    assert summary.quarantined == 0
    suspended = sum(1 for a in world.accounts if a.suspended_at and a.suspended_at <= world.end)
    kinds = Counter(p.kind for p in world.posts)
    got = counts(db)
    assert got["account"] == len(world.accounts)
    assert got["post"] == len(world.posts)
    assert got["post_reference"] == kinds["retweet"] + kinds["reply"] + kinds["quote"]
    assert got["media"] == len({k for p in world.posts for k in p.media_keys})
    assert got["status_observation"] == suspended
    import_mastodon_files(db, settings, [base / "accounts.jsonl", base / "statuses.jsonl"])
    assert counts(db) == got
