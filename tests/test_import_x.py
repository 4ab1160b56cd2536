"""`vigil import x`: real twarc2 output from ../shared/data/x-api-v2, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.support.cli import run_cli
from tests.support.data import X_API_DATA
from vigil.config import Settings
from vigil.model import (
    Account,
    AccountHandle,
    AuditEvent,
    Follow,
    Media,
    Mention,
    Post,
    PostMedia,
    PostReference,
    PostVersion,
    StatusObservation,
)
from vigil.model.content import PostUrl
from vigil.platforms.file_imports import import_x_files
from vigil.platforms.import_summary import ImportSummary
from vigil.platforms.x_files import ComplianceKind
from vigil.store import Database

DATA = X_API_DATA
FILES = sorted(DATA.glob("*.jsonl")) if DATA.is_dir() else []


def test_the_shared_sample_data_is_there() -> None:
    # Missing data must fail the run, not quietly skip the importer's real-data tests.
    assert len(FILES) == 26, f"expected the 26 X API v2 sample files in {DATA} (VIGIL_TEST_X_DATA)"


class Counts(NamedTuple):
    accounts: int  # rows, placeholders included
    profiles: int  # rows with a full profile
    posts: int
    versions: int
    references: int
    mentions: int
    media: int
    post_media: int
    observations: int
    links: int  # PostUrl rows


# Each file imported alone into an empty store. Counted from the raw JSON by a throwaway
# script written apart from Vigil's parser (plain dict walking): posts are distinct
# first ids of `edit_history_tweet_ids` (else `id`) over `data`, `includes.tweets` and the
# tweets nested in flattened lines; profiles are distinct ids of full user objects (includes,
# data, flattened `author`/`in_reply_to_user`/mentions); accounts add every other id named
# (authors, `in_reply_to_user_id` of replies, authors of included referenced tweets, mention
# ids, error subjects) and one `username:<handle>` placeholder per handle the line cannot
# resolve; versions are the versions seen of tweets whose edit history is longer than one;
# references are distinct (post, type, target) and mentions distinct (post, username);
# media are distinct media keys (includes and attachments), post_media distinct (post, key);
# observations are distinct (account, status, retrieved_at) from `errors` as described in
# x_statements.py. Compliance files resolve to nothing in an empty store. Links are the url
# entities without a media_key of each post's latest version (greatest created_at, then id).
EXPECTED: dict[str, Counts] = {
    "2sets.jsonl": Counts(299, 289, 276, 0, 186, 265, 54, 64, 1, 163),
    "brexit.jsonl": Counts(185, 177, 155, 0, 108, 147, 24, 26, 0, 71),
    "cashtags.jsonl": Counts(1, 1, 1, 0, 0, 0, 1, 1, 0, 1),
    "cotweet.jsonl": Counts(1, 1, 1, 0, 0, 0, 0, 0, 0, 0),
    "edited.jsonl": Counts(1, 1, 1, 2, 0, 0, 1, 1, 0, 1),
    "edited_after.jsonl": Counts(1, 1, 1, 2, 0, 0, 1, 1, 0, 1),
    "edited_before.jsonl": Counts(1, 1, 1, 2, 0, 0, 1, 1, 0, 1),
    "entities_test.jsonl": Counts(623, 612, 650, 0, 461, 571, 0, 0, 6, 51),
    "flat.jsonl": Counts(180, 178, 164, 0, 114, 148, 26, 26, 0, 66),
    "geo_tweets.jsonl": Counts(4, 4, 3, 0, 1, 3, 0, 0, 0, 2),
    "kpop.jsonl": Counts(114, 112, 121, 0, 78, 118, 30, 38, 1, 92),
    "lists.jsonl": Counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    "many_urls.jsonl": Counts(1, 1, 2, 0, 1, 0, 0, 0, 0, 1),
    "media_policy_violation_off.jsonl": Counts(54, 52, 161, 0, 73, 86, 40, 41, 0, 83),
    "media_policy_violation_on.jsonl": Counts(50, 46, 160, 0, 73, 25, 40, 41, 0, 142),
    "media_tweet.jsonl": Counts(1, 1, 1, 0, 0, 0, 1, 1, 0, 0),
    "mentions_tweet.jsonl": Counts(10, 2, 2, 0, 1, 9, 4, 4, 0, 1),
    "noflat.jsonl": Counts(180, 178, 164, 0, 114, 148, 26, 26, 1, 66),
    "quoted_edit.jsonl": Counts(2, 2, 2, 2, 2, 1, 1, 1, 0, 2),
    "streaming_output_with_error.jsonl": Counts(11, 11, 11, 0, 4, 3, 4, 4, 0, 8),
    "tweets_compliance.jsonl": Counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    "two_tweets.jsonl": Counts(2, 2, 2, 0, 1, 1, 0, 0, 0, 0),
    "users.jsonl": Counts(117, 91, 52, 0, 7, 26, 52, 52, 2, 67),
    "users_compliance.jsonl": Counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    "verified_type.jsonl": Counts(1, 1, 1, 0, 0, 0, 0, 0, 0, 0),
    "withheld.jsonl": Counts(614, 591, 284, 0, 166, 265, 68, 86, 3, 150),
}
DOMAIN_TABLES = (
    Account,
    AccountHandle,
    Post,
    PostVersion,
    PostReference,
    Mention,
    Media,
    PostMedia,
    Follow,
    StatusObservation,
    PostUrl,
)


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.session() as s:
        return int(
            s.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()
        )


def store_counts(db: Database) -> Counts:
    return Counts(
        accounts=_count(db, Account),
        profiles=_count(db, Account, Account.profile_seen_at.is_not(None)),
        posts=_count(db, Post),
        versions=_count(db, PostVersion),
        references=_count(db, PostReference),
        mentions=_count(db, Mention),
        media=_count(db, Media),
        post_media=_count(db, PostMedia),
        observations=_count(db, StatusObservation),
        links=_count(db, PostUrl),
    )


def table_counts(db: Database) -> dict[str, int]:
    return {m.__tablename__: _count(db, m) for m in DOMAIN_TABLES}


def imported(db: Database, settings: Settings, *names: str, **kwargs: Any) -> ImportSummary:
    return import_x_files(db, settings, [DATA / n for n in names], **kwargs)


def observations(db: Database) -> set[tuple[str, str, datetime]]:
    """(platform account id, status, observed_at) of every observation."""
    with db.session() as s:
        rows = s.execute(
            sa.select(
                Account.platform_account_id, StatusObservation.status, StatusObservation.observed_at
            ).join(Account, Account.id == StatusObservation.account_id)
        ).all()
    return {(r[0], r[1], r[2]) for r in rows}


def write_lines(path: Path, *objects: Any) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    return path


@pytest.mark.parametrize("dialect", ["sqlite"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_gives_exact_counts(db: Database, settings: Settings, name: str) -> None:
    summary = imported(db, settings, name)
    assert store_counts(db) == EXPECTED[name]
    assert summary.quarantined == (1 if name == "streaming_output_with_error.jsonl" else 0)


def test_expected_counts_cover_every_shared_file() -> None:
    assert sorted(p.name for p in FILES) == sorted(EXPECTED)


def test_importing_everything_twice_changes_no_count(db: Database, settings: Settings) -> None:
    names = [p.name for p in FILES]
    imported(db, settings, *names)
    first = table_counts(db)
    assert first["post"] >= 1600
    again = imported(db, settings, *names)
    assert table_counts(db) == first
    assert again.to_dict()["totals"]["observations"] == 0
    # Each import of a file is itself an audit event, so only the audit log grows.
    assert _count(db, AuditEvent, AuditEvent.action == "import.file") == 2 * len(names)


def test_small_batches_store_what_one_batch_stores(db: Database, settings: Settings) -> None:
    # 97 records a batch spreads pages over many transactions and held profiles.
    imported(db, settings, "entities_test.jsonl", "withheld.jsonl", batch_records=97)
    separate = store_counts(db)
    assert separate.posts == 650 + 284
    assert separate.observations == 6 + 3
    imported(db, settings, "entities_test.jsonl", "withheld.jsonl")
    assert store_counts(db) == separate


def test_errors_become_observations_dated_by_retrieval(db: Database, settings: Settings) -> None:
    imported(db, settings, "entities_test.jsonl", "noflat.jsonl", "users.jsonl", "2sets.jsonl")
    got = observations(db)
    at = {
        "entities": datetime(2023, 1, 8, 23, 2, 38, tzinfo=UTC),
        "noflat": datetime(2021, 4, 8, 19, 34, 32, tzinfo=UTC),
        "users": datetime(2021, 10, 23, 19, 36, 18, tzinfo=UTC),
        "2sets": datetime(2021, 9, 22, 16, 39, tzinfo=UTC),
    }
    # "User has been suspended: [Swaffle_7]": the page's mentions give Swaffle_7's id.
    assert ("1276091768853934080", "suspended", at["entities"]) in got
    # By handle and by id, the same account, one observation.
    assert ("1561834877892403203", "suspended", at["entities"]) in got
    assert ("1256798446343933958", "suspended", at["entities"]) in got
    # "not authorized" to see a tweet: its author, from the reply that names them.
    assert ("1283018893028712448", "unauthorized", at["entities"]) in got
    assert ("1561834877892403203", "unauthorized", at["entities"]) in got
    # A suspended handle no line resolves gets a placeholder account by handle.
    assert ("username:gatewaypundit", "suspended", at["noflat"]) in got
    assert ("54551802", "suspended", at["2sets"]) in got  # leeseunggi, via mentions
    assert ("93071130", "not_found", at["users"]) in got  # "Could not find user with ids"
    assert ("3288417496", "unauthorized", at["users"]) in got  # their pinned tweet
    assert len(got) == 6 + 1 + 2 + 1
    with db.session() as s:
        placeholder = s.execute(
            sa.select(Account).where(Account.platform_account_id == "username:gatewaypundit")
        ).scalar_one()
        detail = s.execute(
            sa.select(StatusObservation.detail).where(
                StatusObservation.account_id == placeholder.id
            )
        ).scalar_one()
    assert placeholder.handle == "gatewaypundit"
    assert placeholder.profile_seen_at is None
    assert detail["error"]["detail"] == "User has been suspended: [gatewaypundit]."


def test_edited_tweet_keeps_every_version(db: Database, settings: Settings) -> None:
    imported(db, settings, "edited_before.jsonl", "edited_after.jsonl", "edited.jsonl")
    with db.session() as s:
        post = s.execute(sa.select(Post)).scalar_one()
        versions = [(v.platform_version_id, v.text) for v in post.versions]
    assert post.platform_post_id == "1576994746135764992"  # the first id of the history
    assert post.text is not None
    assert post.text.startswith("hey :)")
    assert post.version_count == 2
    assert post.created_at == datetime(2022, 10, 3, 17, 57, 1, tzinfo=UTC)
    assert versions[0][0] == "1576994746135764992"
    assert versions[0][1] is not None
    assert versions[0][1].startswith("i miss y")
    assert versions[1] == ("1576994789110992896", post.text)


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_text_stored_before_an_edit_becomes_its_first_version(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    user = {"id": "9", "username": "someone", "name": "Some One"}
    first = {"id": "100", "author_id": "9", "text": "first text", "edit_history_tweet_ids": ["100"]}
    second = {
        "id": "101",
        "author_id": "9",
        "text": "second text",
        "edit_history_tweet_ids": ["100", "101"],
    }
    twarc = {
        "url": "https://api.twitter.com/2/tweets?ids=100",
        "retrieved_at": "2024-01-01T00:00:00+00:00",
    }
    write_lines(
        tmp_path / "a.jsonl", {"data": [first], "includes": {"users": [user]}, "__twarc": twarc}
    )
    later = {**twarc, "retrieved_at": "2024-01-02T00:00:00+00:00"}
    write_lines(
        tmp_path / "b.jsonl", {"data": [second], "includes": {"users": [user]}, "__twarc": later}
    )
    import_x_files(db, settings, [tmp_path / "a.jsonl"])
    import_x_files(db, settings, [tmp_path / "b.jsonl"])
    with db.session() as s:
        post = s.execute(sa.select(Post)).scalar_one()
        versions = [(v.platform_version_id, v.text) for v in post.versions]
    assert post.text == "second text"
    assert sorted(versions) == [("100", "first text"), ("101", "second text")]


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_withheld_country_codes_are_kept(db: Database, settings: Settings) -> None:
    imported(db, settings, "withheld.jsonl")
    with db.session() as s:
        posts = dict(s.execute(sa.select(Post.platform_post_id, Post.withheld_in)).all())
        accounts = dict(
            s.execute(sa.select(Account.platform_account_id, Account.withheld_in)).all()
        )
    assert posts["1388424788171841537"] == ["IN"]
    assert posts["25712847277"] == ["DE", "FR"]
    assert posts["1257108668492984321"] == ["XY"]
    assert accounts["1175047638"] == ["IN"]
    assert accounts["1272921762"] == ["RU"]
    assert sum(1 for codes in posts.values() if codes) == 14


def test_references_and_mentions_become_edges(db: Database, settings: Settings) -> None:
    imported(db, settings, "quoted_edit.jsonl", "mentions_tweet.jsonl")
    with db.session() as s:
        ids = dict(s.execute(sa.select(Account.platform_account_id, Account.id)).all())
        posts = dict(s.execute(sa.select(Post.platform_post_id, Post.id)).all())
        refs = {
            (r.post_id, r.kind, r.target_platform_post_id): (r.target_post_id, r.target_account_id)
            for r in s.execute(sa.select(PostReference)).scalars()
        }
        mentions = {
            (m.post_id, m.handle): m.account_id for m in s.execute(sa.select(Mention)).scalars()
        }
    quote = posts["1576995594388000768"]
    edited = posts["1576994746135764992"]  # both versions of the quoted tweet are this post
    assert refs[(quote, "quoted", "1576994746135764992")] == (edited, ids["337119125"])
    assert refs[(quote, "replied_to", "1576994789110992896")] == (edited, ids["337119125"])
    assert mentions[(quote, "wongmjane")] == ids["337119125"]
    retweet = posts["1589681856941002753"]
    original = posts["1589671906718134272"]
    assert refs[(retweet, "retweeted", "1589671906718134272")] == (
        original,
        ids["1221317221714157569"],
    )
    assert mentions[(original, "Xbox")] == ids["24742040"]  # a mentioned account, a placeholder
    with db.session() as s:
        kinds = dict(s.execute(sa.select(Post.platform_post_id, Post.kind)).all())
    assert kinds["1589681856941002753"] == "retweet"
    assert kinds["1576995594388000768"] == "quote"


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_reference_to_a_post_stored_later_is_resolved(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    reply = {
        "id": "201",
        "author_id": "1",
        "text": "@b yes",
        "in_reply_to_user_id": "2",
        "referenced_tweets": [{"type": "replied_to", "id": "200"}],
    }
    original = {"id": "200", "author_id": "2", "text": "question"}
    write_lines(tmp_path / "1.jsonl", {"data": [reply]})
    write_lines(tmp_path / "2.jsonl", {"data": [original]})
    summary = import_x_files(db, settings, [tmp_path / "1.jsonl", tmp_path / "2.jsonl"])
    with db.session() as s:
        ref = s.execute(sa.select(PostReference)).scalar_one()
        target = s.execute(sa.select(Post.id).where(Post.platform_post_id == "200")).scalar_one()
    assert ref.target_post_id == target
    assert summary.references_resolved == 1


def test_follower_and_following_pages_take_their_owner_from_the_url(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    users = json.loads((DATA / "users.jsonl").read_text())["data"][:3]
    owner = "1194578788295811072"
    base = f"https://api.twitter.com/2/users/{owner}"
    when = "2024-05-01T10:00:00+00:00"
    write_lines(
        tmp_path / "graph.jsonl",
        {
            "data": users,
            "meta": {"result_count": 3},
            "__twarc": {"url": f"{base}/followers?max_results=1000", "retrieved_at": when},
        },
        {
            "data": users[:2],
            "meta": {"result_count": 2},
            "__twarc": {"url": f"{base}/following", "retrieved_at": when},
        },
    )
    import_x_files(db, settings, [tmp_path / "graph.jsonl"])
    with db.session() as s:
        pid = dict(s.execute(sa.select(Account.id, Account.platform_account_id)).all())
        edges = {
            (pid[f.source_id], pid[f.target_id]) for f in s.execute(sa.select(Follow)).scalars()
        }
        stub = s.execute(
            sa.select(Account).where(Account.platform_account_id == owner)
        ).scalar_one()
    followers = {(u["id"], owner) for u in users}
    following = {(owner, u["id"]) for u in users[:2]}
    assert edges == followers | following
    assert stub.profile_seen_at is None  # the owner is known only from the URL


def test_newer_profile_updates_and_every_handle_is_kept(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    def page(handle: str, name: str, followers: int, when: str) -> dict[str, Any]:
        user = {
            "id": "77",
            "username": handle,
            "name": name,
            "public_metrics": {"followers_count": followers},
        }
        return {
            "data": [user],
            "__twarc": {"url": "https://api.twitter.com/2/users?ids=77", "retrieved_at": when},
        }

    old = write_lines(
        tmp_path / "old.jsonl", page("old_name", "Old", 10, "2024-01-01T00:00:00+00:00")
    )
    new = write_lines(
        tmp_path / "new.jsonl", page("new_name", "New", 20, "2024-03-01T00:00:00+00:00")
    )
    import_x_files(db, settings, [new])
    import_x_files(db, settings, [old])  # older data arriving later must not win
    with db.session() as s:
        account = s.execute(sa.select(Account)).scalar_one()
        handles = {h.handle: (h.first_seen, h.last_seen) for h in account.handles}
    assert (account.handle, account.display_name, account.followers_count) == (
        "new_name",
        "New",
        20,
    )
    assert account.first_seen == datetime(2024, 1, 1, tzinfo=UTC)
    assert account.last_seen == datetime(2024, 3, 1, tzinfo=UTC)
    assert handles == {
        "old_name": (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)),
        "new_name": (datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)),
    }
    before = table_counts(db)
    import_x_files(db, settings, [old, new])
    assert table_counts(db) == before


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_placeholder_is_filled_by_a_later_profile(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    imported(db, settings, "mentions_tweet.jsonl")  # Xbox (24742040) only as a mention
    xbox = {"id": "24742040", "username": "Xbox", "name": "Xbox", "verified": True}
    write_lines(
        tmp_path / "u.jsonl",
        {
            "data": [xbox],
            "__twarc": {
                "url": "https://api.twitter.com/2/users?ids=24742040",
                "retrieved_at": "2024-01-01T00:00:00+00:00",
            },
        },
    )
    before = store_counts(db)
    import_x_files(db, settings, [tmp_path / "u.jsonl"])
    after = store_counts(db)
    assert (after.accounts, after.profiles) == (before.accounts, before.profiles + 1)
    with db.session() as s:
        account = s.execute(
            sa.select(Account).where(Account.platform_account_id == "24742040")
        ).scalar_one()
    assert (account.display_name, account.verified) == ("Xbox", True)


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_compliance_records(db: Database, settings: Settings, tmp_path: Path) -> None:
    users_file = tmp_path / "users_compliance.jsonl"
    shutil.copyfile(DATA / "users_compliance.jsonl", users_file)
    mtime = datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)
    os.utime(users_file, (mtime.timestamp(), mtime.timestamp()))
    # An empty store knows neither the tweets nor the users named.
    summary = imported(db, settings, "tweets_compliance.jsonl", "users_compliance.jsonl")
    assert summary.to_dict()["totals"]["unresolved"] == 4
    assert store_counts(db).observations == 0
    # Told they are users, ids become accounts; the duplicated record counts once, dated by
    # the file (the records carry no time of their own).
    import_x_files(db, settings, [users_file], compliance=ComplianceKind.USERS)
    assert observations(db) == {("1482680858", "protected", mtime)}
    # A stored tweet's compliance record is a statement about its author.
    tweet = {"id": "1170147183095664640", "author_id": "55", "text": "x"}
    write_lines(tmp_path / "t.jsonl", {"data": [tweet]})
    import_x_files(db, settings, [tmp_path / "t.jsonl", DATA / "tweets_compliance.jsonl"])
    redacted = datetime(2021, 8, 17, 17, 26, 15, 788000, tzinfo=UTC)
    assert ("55", "deactivated", redacted) in observations(db)


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_broken_stream_line_is_quarantined(db: Database, settings: Settings) -> None:
    summary = imported(db, settings, "streaming_output_with_error.jsonl")
    result = summary.files[0]
    assert (result.lines, result.quarantined) == (8, 1)
    assert result.quarantine_file is not None
    quarantine = Path(result.quarantine_file)
    assert quarantine.parent == settings.home / "quarantine"
    entries = [json.loads(line) for line in quarantine.read_text().splitlines()]
    assert len(entries) == 1
    assert entries[0]["file"].endswith("streaming_output_with_error.jsonl")
    assert entries[0]["line"] == 8
    assert entries[0]["reason"].startswith("not JSON")
    assert entries[0]["text"].startswith('{"data": {"author_id": "1021159080151404544"')
    assert store_counts(db).posts == 11


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_unknown_shapes_are_quarantined_and_the_import_goes_on(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    good = json.loads((DATA / "two_tweets.jsonl").read_text())
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"hello": "world"}\n[1, 2]\n\xff\xfe not text\n\n'
        + json.dumps(good).encode()
        + b'\n{"data": [{"id": "5", "name": "no idea"}]}\n'
    )
    summary = import_x_files(db, settings, [path])
    result = summary.files[0]
    assert (result.lines, result.blank_lines, result.quarantined) == (6, 1, 4)
    assert result.quarantine_file is not None
    reasons = {
        e["line"]: e["reason"]
        for e in map(json.loads, Path(result.quarantine_file).read_text().splitlines())
    }
    assert set(reasons) == {1, 2, 3, 6}
    assert reasons[1].startswith("not a shape Vigil knows")
    assert reasons[3] == "not UTF-8 text"
    assert store_counts(db).posts == 2


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_pretty_printed_page_is_read_whole(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    page = json.loads((DATA / "two_tweets.jsonl").read_text())
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page, indent=2))
    summary = import_x_files(db, settings, [path])
    assert (summary.files[0].lines, summary.quarantined) == (1, 0)
    assert store_counts(db) == EXPECTED["two_tweets.jsonl"]


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_media_dir_links_files_by_media_key(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    media_dir = tmp_path / "media"
    media_dir.mkdir()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(media_dir / "3_1611076914248286208.png")
    (media_dir / "7_1558552952549277696.mp4").write_text("<html>not a video</html>")
    summary = imported(db, settings, "cashtags.jsonl", "media_tweet.jsonl", media_dir=media_dir)
    assert [f.media_linked for f in summary.files] == [1, 0]
    assert len(summary.files[1].media_rejected) == 1
    with db.session() as s:
        media = {m.media_key: m for m in s.execute(sa.select(Media)).scalars()}
    photo = media["3_1611076914248286208"]
    digest = hashlib.sha256((media_dir / "3_1611076914248286208.png").read_bytes()).hexdigest()
    assert photo.sha256 == digest
    assert photo.local_path is not None
    assert (settings.media_dir / photo.local_path).read_bytes() == (
        media_dir / "3_1611076914248286208.png"
    ).read_bytes()
    assert (photo.width, photo.height) == (40, 30)
    assert media["7_1558552952549277696"].sha256 is None
    fetched = photo.fetched_at
    imported(db, settings, "cashtags.jsonl", media_dir=media_dir)
    with db.session() as s:
        again = s.execute(sa.select(Media).where(Media.id == photo.id)).scalar_one()
    assert again.fetched_at == fetched  # the same bytes: nothing changes


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "vigil-home"))
    return tmp_path / "vigil-home"


def _sqlite_counts(home: Path) -> tuple[int, int]:
    engine = sa.create_engine(f"sqlite:///{home / 'vigil.db'}")
    with engine.connect() as conn:
        accounts = conn.execute(sa.text("SELECT count(*) FROM account")).scalar_one()
        events = conn.execute(
            sa.text("SELECT count(*) FROM audit_event WHERE action = 'import.file'")
        ).scalar_one()
    engine.dispose()
    return int(accounts), int(events)


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (lambda d: d / "missing.jsonl", 4, "no such file"),
        (lambda d: d, 65, "is a directory"),
        (lambda d: write_lines(d / "empty.jsonl"), 65, "the file is empty"),
        (lambda d: d / "blank.jsonl", 65, "the file is empty"),
    ],
    ids=["missing", "directory", "empty", "whitespace"],
)
def test_bad_inputs_fail_in_one_line_before_anything_is_written(
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Any,
    code: int,
    message: str,
) -> None:
    (tmp_path / "blank.jsonl").write_text("\n  \n")
    assert run_cli(capsys, "init").code == 0
    bad = make(tmp_path)
    result = run_cli(capsys, "import", "x", str(DATA / "two_tweets.jsonl"), str(bad))
    assert result.code == code
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]
    assert str(bad) in lines[0]
    assert _sqlite_counts(home) == (0, 0)


def test_cli_import_reports_json_and_audits_each_file(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "init").code == 0
    files = [DATA / "two_tweets.jsonl", DATA / "streaming_output_with_error.jsonl"]
    result = run_cli(capsys, "import", "x", "--format", "json", *map(str, files))
    assert result.code == 0
    report = json.loads(result.out)
    assert report["totals"]["quarantined"] == 1
    assert [f["sha256"] for f in report["files"]] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    ]
    engine = sa.create_engine(f"sqlite:///{home / 'vigil.db'}")
    with engine.connect() as conn:
        payloads = [
            json.loads(p)
            for p in conn.execute(
                sa.select(AuditEvent.payload)
                .where(AuditEvent.action == "import.file")
                .order_by(AuditEvent.seq)
            ).scalars()
        ]
    engine.dispose()
    assert [p["file"] for p in payloads] == [p.name for p in files]
    assert [p["sha256"] for p in payloads] == [f["sha256"] for f in report["files"]]
    assert payloads[1]["quarantined"] == 1
    assert payloads[0]["records"]["posts"] == 2
    assert run_cli(capsys, "audit", "verify").code == 0


def test_cli_needs_an_initialised_store(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "import", "x", str(DATA / "two_tweets.jsonl"))
    assert result.code == 11
    assert "vigil init" in result.err


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_loader_outside_with_stores_each_batch_completely(db: Database) -> None:
    from vigil.platforms.loader import Loader
    from vigil.platforms.records import AccountRecord
    from vigil.platforms.x_files import X_PLATFORM

    first = datetime(2024, 1, 1, tzinfo=UTC)
    later = datetime(2024, 2, 1, tzinfo=UTC)
    loader = Loader(db, X_PLATFORM)
    loader.load([AccountRecord("5", "before", first, display_name="Before")])
    loader.load([AccountRecord("5", "after", later, display_name="After")])
    with db.session() as s:
        account = s.execute(sa.select(Account)).scalar_one()
        handles = sorted(h.handle for h in account.handles)
    assert (account.handle, account.display_name, account.last_seen) == ("after", "After", later)
    assert handles == ["after", "before"]
    with Loader(db, X_PLATFORM) as held:
        held.load([AccountRecord("5", "again", datetime(2024, 3, 1, tzinfo=UTC))])
        held.load([AccountRecord("5", "again", datetime(2024, 4, 1, tzinfo=UTC))])
    with db.session() as s:
        assert s.execute(sa.select(Account.handle, Account.last_seen)).one() == (
            "again",
            datetime(2024, 4, 1, tzinfo=UTC),
        )
