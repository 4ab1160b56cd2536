"""Fuzz targets: one function per parser of outside data, and the contract each must keep.

Contract: hostile input raises only Vigil's InputError (ConfigError for the policy file),
or, for the line parsers of the importers, one of the errors the importer quarantines a
line for; what a line parser returns must be records the store can hold (typed fields,
64-bit counts, text without NUL or lone surrogates), or the whole import would fail later.
"""

from __future__ import annotations

import copy
import json
import random
import tempfile
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import NoneType, UnionType
from typing import Any

from vigil.errors import ConfigError, InputError
from vigil.platforms.bluesky_records import BlueskyViews
from vigil.platforms.importer import _loads
from vigil.platforms.mastodon_files import MastodonLineParser
from vigil.platforms.records import (
    AccountRecord,
    FollowRecord,
    LinkRecord,
    MediaRecord,
    MentionRecord,
    PostRecord,
    ReferenceRecord,
    StatusRecord,
)
from vigil.platforms.seeds import read_seeds
from vigil.platforms.x_files import XLineParser
from vigil.publish.hosts import load_hosts
from vigil.review.policy import parse_policy
from vigil.review.seeds import read_list

# What `importer._FileRun._take` quarantines a line for (ShapeError is a ValueError).
QUARANTINED = (KeyError, TypeError, AttributeError, ValueError)
NOW = datetime(2024, 1, 1, tzinfo=UTC)
INT64 = 2**63 - 1

# Values hostile account owners and broken exporters put where a field should be.
NASTY: list[Any] = [
    None,
    True,
    0,
    -1,
    2**64,
    -(2**70),
    1e308,
    float("nan"),
    "",
    "\x00",
    "a\x00b",
    "\ud800",
    "\u202eevil",
    "<script>alert(1)</script>",
    "1" * 400,
    [],
    {},
    [None],
    [{}],
    {"id": None},
    {"id": "1"},
    {"id": {"x": 1}},
    ["1", "2"],
]


def mutate(value: Any, rnd: random.Random, rate: float = 0.08) -> Any:
    """A copy of `value` with some members replaced, dropped or duplicated, at random."""
    if rnd.random() < rate:
        choice = rnd.random()
        if choice < 0.6:
            return copy.deepcopy(rnd.choice(NASTY))
        if choice < 0.8 and isinstance(value, dict | list):
            return [value] if isinstance(value, dict) else {"data": value}
        return _deep(rnd.randint(1, 300))
    if isinstance(value, dict):
        out = {}
        for key, member in value.items():
            if rnd.random() < rate / 2:
                continue  # a field goes missing
            out[key] = mutate(member, rnd, rate)
        if rnd.random() < rate / 2:
            out[rnd.choice(["id", "data", "text", "account", "author", "did", "uri"])] = (
                copy.deepcopy(rnd.choice(NASTY))
            )
        return out
    if isinstance(value, list):
        items = [mutate(v, rnd, rate) for v in value]
        if items and rnd.random() < rate:
            items.append(rnd.choice(items))  # shared, not copied: parsers only read
        return items
    return value


def _deep(depth: int) -> Any:
    """Nesting as deep as an attacker likes (the parsers recurse into references)."""
    value: Any = {"id": "1", "text": "x", "author_id": "1"}
    for _ in range(depth):
        value = {"id": "1", "text": "x", "author_id": "1", "referenced_tweets": [value]}
    return value


# -- what a line parser may hand the loader ---------------------------------------------------


def check_records(records: list[Any]) -> None:
    """Fail (AssertionError) when a record holds something the store cannot take."""
    assert isinstance(records, list)
    for rec in records:
        if isinstance(rec, StatusRecord):
            _check_text(rec.subject_id, optional=True)
            _check_text(rec.handle, optional=True)
            continue
        assert isinstance(rec, AccountRecord | PostRecord | MediaRecord | FollowRecord), type(rec)
        _check_tuple(rec)


_HINTS: dict[type, dict[str, Any]] = {}


def _check_tuple(rec: Any) -> None:
    kind = type(rec)
    hints = _HINTS.get(kind)
    if hints is None:
        hints = _HINTS[kind] = typing.get_type_hints(kind)
    for name, hint in hints.items():
        _check_value(getattr(rec, name), hint, f"{kind.__name__}.{name}")


def _check_value(value: Any, hint: Any, where: str) -> None:
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if origin is UnionType or origin is typing.Union:
        if value is None and NoneType in args:
            return
        (inner,) = [a for a in args if a is not NoneType]
        _check_value(value, inner, where)
        return
    if origin is tuple:
        assert isinstance(value, tuple), f"{where}: {type(value).__name__}"
        for item in value:
            _check_value(item, args[0], where)
        return
    if hint is str:
        _check_text(value, optional=False, where=where)
    elif hint is int:
        assert type(value) is int or type(value) is bool, f"{where}: {type(value).__name__}"
        assert -INT64 <= value <= INT64, f"{where}: {value} beyond 64 bits"
    elif hint is bool:
        assert isinstance(value, bool | int), f"{where}: {type(value).__name__}"
    elif hint is datetime:
        assert isinstance(value, datetime), where
        assert value.tzinfo is not None, where
    elif hint in (ReferenceRecord, MentionRecord, LinkRecord):
        assert isinstance(value, hint), f"{where}: {type(value).__name__}"
        _check_tuple(value)


def _check_text(value: Any, *, optional: bool, where: str = "text") -> None:
    if value is None and optional:
        return
    assert isinstance(value, str), f"{where}: {type(value).__name__} is not text"
    assert "\x00" not in value, f"{where}: NUL character"
    value.encode("utf-8")  # a lone surrogate raises here: no database takes it


# -- targets: bytes or parsed JSON in, the contract checked ------------------------------------


def x_line(obj: Any) -> None:
    _line(XLineParser(fallback_time=NOW), obj)


def mastodon_line(obj: Any) -> None:
    _line(MastodonLineParser(seen_at=NOW), obj)


def _line(parser: Callable[[Any], list[Any]], obj: Any) -> None:
    """`obj` written as a line and read back the way the importer reads it, then parsed."""
    try:
        obj = _loads(json.dumps(obj).encode())
    except ValueError:
        return
    try:
        records = parser(obj)
    except QUARANTINED:
        return
    check_records(records)


def json_line(raw: bytes) -> None:
    """The importer's JSON layer, then the X and Mastodon parsers: bytes as in a file."""
    try:
        obj = _loads(raw)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError: quarantined as not JSON
        return
    for parser in (XLineParser(fallback_time=NOW), MastodonLineParser(seen_at=NOW)):
        try:
            records = parser(obj)
        except QUARANTINED:
            continue
        check_records(records)


def bluesky_item(obj: Any) -> None:
    """A feed item as the collector hands it over (a dict of the atproto answer)."""
    views = BlueskyViews(NOW)
    if isinstance(obj, dict):
        try:
            views.feed_item(obj)
        except QUARANTINED:
            return
    check_records(views.records())


def policy(obj: Any) -> None:
    if not isinstance(obj, dict):
        return
    try:
        parse_policy(obj)
    except ConfigError:
        return


def _with_file(data: bytes, reader: Callable[[Path], object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.csv"
        path.write_bytes(data)
        try:
            reader(path)
        except InputError:
            return


def list_csv(data: bytes) -> None:
    _with_file(data, read_list)


def seeds_csv(data: bytes) -> None:
    _with_file(data, lambda p: read_seeds(p, "x"))


def hosts_csv(data: bytes) -> None:
    _with_file(data, load_hosts)


class BankTarget:
    """`vigil bank import` of one file into a scratch SQLite store, rolled back each time."""

    def __init__(self, home: Path) -> None:
        from vigil.config import Settings
        from vigil.store import open_database, upgrade

        self.db = open_database(Settings(home=home))
        upgrade(self.db)
        self.folder = home

    def __call__(self, data: bytes) -> None:
        from vigil.signals.banks import import_file

        path = self.folder / ("list.json" if data.lstrip()[:1] in (b"[", b"{") else "list.csv")
        path.write_bytes(data)
        session = self.db.session()
        try:
            import_file(session, "fuzz", path, actor="fuzz")
        except InputError:
            pass
        finally:
            session.rollback()
            session.close()
