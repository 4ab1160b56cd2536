"""Crashes fuzzing found, pinned: each input once brought an import down with a non-Vigil error.

They run against SQLite and PostgreSQL, because some only failed in PostgreSQL (NUL
characters, lone surrogates, text longer than a column).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.fuzz import samples, targets
from vigil.config import Settings
from vigil.errors import ConfigError, InputError
from vigil.model import Account, BankHash
from vigil.platforms.file_imports import import_mastodon_files, import_x_files
from vigil.platforms.seeds import read_seeds
from vigil.publish.hosts import load_hosts
from vigil.review.policy import parse_policy
from vigil.review.seeds import read_list
from vigil.signals.banks import import_file
from vigil.store import Database

GOOD = {"id": "100", "username": "good", "name": "Good"}
BAD_X_LINES = [
    {"id": "1", "username": "a", "name": {"x": 1}},  # ProgrammingError binding a dict
    {"id": "2", "username": "b", "public_metrics": {"followers_count": "lots"}},  # PG only
    {"id": "3", "username": "c", "public_metrics": {"followers_count": 10**23}},  # Overflow
    {"id": "4", "username": "d", "location": 7},
    {
        "id": "5",
        "text": "t",
        "author_id": "9",
        "attachments": {"media": [{"media_key": "3_1", "width": 1.5}]},
    },
    {"id": "6", "text": 5, "author_id": "9"},
]
# atheris: an edit history id from beyond the year 9999 (OSError in fromtimestamp); kept
FAR_FUTURE = {"id": "10", "text": "t", "author_id": "9", "edit_history_tweet_ids": ["9" * 38, "10"]}
NUL_LINE = '{"id": "7", "username": "nul\\u0000name", "name": "a\\u0000b"}'
SURROGATE_LINE = '{"id": "8", "username": "lone", "name": "x\\ud800y"}'
DEEP_JSON = "[" * 100_000 + "]" * 100_000  # RecursionError in json.loads


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _handles(db: Database) -> set[str]:
    with db.session() as session:
        return set(session.scalars(select(Account.handle)))


def test_x_import_survives_hostile_lines(db: Database, settings: Settings, tmp_path: Path) -> None:
    # references nested deeper than anything recurses (written by hand: json.dumps cannot)
    head = '{"id": "1", "text": "x", "author_id": "1", "referenced_tweets": ['
    deep_tweet = head * 900 + '{"id": "1", "text": "x", "author_id": "1"}' + "]}" * 900
    lines = [
        json.dumps(GOOD),
        json.dumps(FAR_FUTURE),
        *(json.dumps(o) for o in BAD_X_LINES),
        NUL_LINE,
        SURROGATE_LINE,
        DEEP_JSON,
        deep_tweet,
    ]
    summary = import_x_files(db, settings, [_write(tmp_path / "x.jsonl", lines)])
    result = summary.files[0]
    assert result.lines == len(lines)
    assert result.quarantined == len(BAD_X_LINES) + 2  # typed fields, deep JSON, deep tweets
    handles = _handles(db)
    assert {"good", "nul\ufffdname", "lone"} <= handles  # NUL and lone surrogate made storable
    assert not handles & {"a", "b", "c", "d"}


def test_x_whole_document_nested_too_deeply(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "page.json"
    path.write_text("{\n" + '"data": ' + DEEP_JSON + "\n}\n")
    summary = import_x_files(db, settings, [path])
    assert summary.files[0].quarantined >= 1


def test_mastodon_import_survives_hostile_lines(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    good = dict(samples.MASTODON_STATUS, quote=None, in_reply_to_id=None)
    bad = [
        dict(good, id="2", language=["en"]),
        dict(good, id="3", account=dict(good["account"], followers_count=2**64)),
        dict(good, id="4", content={"html": "<p>x</p>"}),
        dict(good, id="5", account=dict(good["account"], display_name=None, note=3)),
    ]
    lines = [
        json.dumps(good),
        *(json.dumps(s) for s in bad),
        json.dumps(good).replace("hi", "\\u0000"),
    ]
    summary = import_mastodon_files(
        db, settings, [_write(tmp_path / "m.jsonl", lines)], instance="social.example"
    )
    assert summary.files[0].quarantined == len(bad)
    assert "alice" in _handles(db)


def test_bluesky_views_make_storable_records() -> None:
    rnd = random.Random(81)  # the seed that first put a NUL into a display name
    targets.bluesky_item(targets.mutate(samples.BLUESKY_FEED_ITEM, rnd))
    item = json.loads(json.dumps(samples.BLUESKY_FEED_ITEM))
    item["post"]["author"]["displayName"] = "a\x00\ud800"
    item["post"]["author"]["followersCount"] = 10**30
    with pytest.raises(TypeError):
        targets.BlueskyViews(targets.NOW).feed_item(item)
    del item["post"]["author"]["followersCount"]
    targets.bluesky_item(item)


@pytest.mark.parametrize(
    "text",
    [
        "",  # once sent to the JSON reader ("" is in "[{"): ValueError from str.index
        "   \n",
        "pdq,quality\n" + "a" * 64 + ",1e400\n",
        "pdq,quality\n" + "a" * 64 + ",2147483648\n",  # beyond PostgreSQL's integer
        '[{"pdq": "' + "a" * 64 + '", "quality": 1e400}]',  # OverflowError: int(inf)
        '[{"pdq": "' + "a" * 64 + '", "item": "' + "i" * 300 + '"}]',  # PG: longer than 200
        '[{"pdq": "' + "a" * 64 + '", "label": "a\\u0000b"}]',  # PG: NUL
        '[{"pdq": "' + "a" * 64 + '", "label": {"x": 1}}]',
        "[" * 50_000,  # RecursionError in the JSON decoder
        "pdq\n" + "a" * 200_000 + "\n",  # csv.Error: field larger than field limit
    ],
)
def test_hash_list_errors_are_input_errors(db: Database, tmp_path: Path, text: str) -> None:
    path = tmp_path / "hashes.txt"
    path.write_text(text, encoding="utf-8")
    try:
        with db.transaction() as session:
            import_file(session, "fuzz", path, actor="test")
    except InputError:
        return
    with db.session() as session:  # stored: then it must be as given, in the store
        assert session.scalar(select(func.count()).select_from(BankHash)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "platform,account_id,criterion\nx," + "1" * 200_000 + ",C\n",  # csv.Error
        "platform,account_id,criterion\nx,1,C,extra\n",
    ],
)
def test_list_csv_errors_are_input_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "list.csv"
    path.write_text(text)
    with pytest.raises(InputError):
        read_list(path)


@pytest.mark.parametrize(
    "text",
    [
        "account_id\n" + "1" * 200_000 + "\n",  # csv.Error
        "account_id\n1,2\n",  # extra field: AttributeError on a list
    ],
)
def test_seeds_csv_errors_are_input_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "seeds.csv"
    path.write_text(text)
    with pytest.raises(InputError):
        read_seeds(path, "x")


@pytest.mark.parametrize("data", [b"\x80domain,provider\n", b"domain\n" + b"d" * 200_000])
def test_hosts_file_errors_are_input_errors(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "hosts.csv"
    path.write_bytes(data)
    with pytest.raises(InputError):
        load_hosts(path)


@pytest.mark.parametrize(
    "data",
    [
        {"version": "1", "criteria": [None]},
        {"version": "1", "criteria": 5},
        {
            "version": "1",
            "criteria": [{"code": "C", "title": "t", "definition": "d"}],
            "organisations": [{"name": "n", "designations": [["x"]]}],
        },
    ],
)
def test_policy_errors_are_config_errors(data: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        parse_policy(data)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.randoms(use_true_random=False), min_size=1, max_size=6))
def test_fuzzed_files_import_end_to_end(
    db: Database, settings: Settings, tmp_path: Path, rnds: list[random.Random]
) -> None:
    """Mutated pages through the real importer and store: it finishes, whatever the lines."""
    lines = [json.dumps(targets.mutate(samples.TWARC_PAGE, r, rate=0.15)) for r in rnds]
    path = _write(tmp_path / f"f{rnds[0].random()}.jsonl", lines)
    summary = import_x_files(db, settings, [path])
    assert summary.files[0].lines == len(lines)
