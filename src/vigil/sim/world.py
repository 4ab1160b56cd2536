"""The synthetic world's canonical form: what the generator makes and the server serves.

Every rendering (twarc2 JSONL, Mastodon JSON, Bluesky XRPC) is derived from these
records, so files and the live server always agree about the same world.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from vigil.sim.jsonline import dumpb

__all__ = [
    "BankItem",
    "Follow",
    "Role",
    "SimAccount",
    "SimMedia",
    "SimPost",
    "World",
    "load_world",
    "save_world",
]

CANONICAL_DIR = "world"


class Role(StrEnum):
    """Who an account really is: the ground truth detection is measured against."""

    ORDINARY = "ordinary"
    SUPPORTER = "supporter"
    JOURNALIST = "journalist"
    NEWS_OUTLET = "news_outlet"
    RESEARCHER = "researcher"
    PARODY = "parody"
    COUNTER_SPEECH = "counter_speech"
    BOT = "bot"


@dataclass(slots=True)
class SimAccount:
    """One account on the simulated platform (the same account on X, Mastodon and Bluesky)."""

    id: str  # numeric string, X-style; also the Mastodon id
    handle: str
    display_name: str
    bio: str
    role: Role
    identity: str  # the person behind it; a returning account shares its predecessor's
    lang: str  # "ar" | "en" | "fr"
    created_at: datetime
    followers_count: int  # profile metric (the world is a sample of a larger platform)
    following_count: int
    verified: bool = False
    protected: bool = False
    location: str = ""
    url: str | None = None
    avatar_media: str | None = None  # media key of the avatar image
    hyperactive: bool = False
    posts_per_day: float = 0.0
    suspended_at: datetime | None = None  # when the platform suspends it (None: never)
    reported_at: datetime | None = None  # reported to the platform before generation ended
    returned_from: str | None = None  # id of the suspended account this one replaces
    returns_as: str | None = None  # id of the account that replaces this one
    did: str = ""  # Bluesky DID
    instance: str = ""  # Mastodon domain; "" means the local instance

    @property
    def acct(self) -> str:
        return self.handle if not self.instance else f"{self.handle}@{self.instance}"


@dataclass(slots=True)
class SimPost:
    """One post; retweets, quotes and replies name the post they reference."""

    id: str
    author_id: str
    created_at: datetime
    text: str
    lang: str
    kind: str = "original"  # original | retweet | quote | reply
    ref_id: str | None = None
    mentions: list[str] = field(default_factory=list)  # account ids
    hashtags: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    media_keys: list[str] = field(default_factory=list)
    edits: list[tuple[datetime, str]] = field(default_factory=list)  # later versions
    obfuscated: bool = False  # truth: the text was deliberately disguised
    propaganda_ref: bool = False  # truth: references the organisation's outlets approvingly


@dataclass(slots=True)
class SimMedia:
    """An image as posted; variants point at the bank item they derive from."""

    key: str  # X media_key, e.g. "3_1234567890"; the file is media/<key>.<ext>
    owner_id: str
    file: str  # path relative to the world directory
    width: int
    height: int
    kind: str = "photo"  # photo | avatar
    bank_item: str | None = None  # truth: derived from this bank item
    variant: str | None = None  # original | resize | jpeg | crop | overlay | screenshot | ...


@dataclass(slots=True)
class BankItem:
    """A known release image, as a hash bank would hold it."""

    id: str
    label: str
    file: str  # relative to the world directory (under bank/)
    outlet: str


@dataclass(slots=True)
class Follow:
    src: str  # follower id
    dst: str  # followed id
    created_at: datetime


@dataclass
class World:
    """The whole world in memory; `params` is what world.json records."""

    params: dict[str, Any]
    start: datetime
    end: datetime
    accounts: list[SimAccount] = field(default_factory=list)
    posts: list[SimPost] = field(default_factory=list)
    media: list[SimMedia] = field(default_factory=list)
    bank: list[BankItem] = field(default_factory=list)
    follows: list[Follow] = field(default_factory=list)

    def account_index(self) -> dict[str, SimAccount]:
        return {a.id: a for a in self.accounts}


_T = TypeVar("_T")


def _decode(cls: type[_T], raw: dict[str, Any]) -> _T:
    kwargs: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name not in raw:
            continue
        value = raw[f.name]
        if f.name in {"created_at", "suspended_at", "reported_at"} and value is not None:
            value = datetime.fromisoformat(value)
        elif f.name == "edits":
            value = [(datetime.fromisoformat(t), text) for t, text in value]
        elif f.name == "role":
            value = Role(value)
        kwargs[f.name] = value
    return cls(**kwargs)


def _isoformat(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _write_jsonl(path: Path, items: list[Any]) -> None:
    # Shallow field access rather than asdict(), which deep-copies every record, and the
    # encoder's own handling of tuples and (through `default`) datetimes: the same bytes as
    # converting each record first, several times faster on a million posts.
    names = [f.name for f in fields(items[0])] if items else []
    with path.open("wb") as fh:
        for item in items:
            fh.write(dumpb({k: getattr(item, k) for k in names}, _isoformat) + b"\n")


def _read_jsonl(path: Path, cls: type[_T]) -> list[_T]:
    with path.open(encoding="utf-8") as fh:
        return [_decode(cls, json.loads(line)) for line in fh if line.strip()]


def save_world(world: World, out: Path) -> None:
    """Write the canonical form under ``out/world/`` (the server reads only this)."""
    base = out / CANONICAL_DIR
    base.mkdir(parents=True, exist_ok=True)
    meta = {"params": world.params, "start": world.start.isoformat(), "end": world.end.isoformat()}
    (base / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    _write_jsonl(base / "accounts.jsonl", world.accounts)
    _write_jsonl(base / "posts.jsonl", world.posts)
    _write_jsonl(base / "media.jsonl", world.media)
    _write_jsonl(base / "bank.jsonl", world.bank)
    with (base / "follows.csv").open("w", newline="", encoding="utf-8") as fh:
        # Ids and ISO times need no quoting, so plain joins write what csv.writer would
        # (with its \r\n line ends) at a fraction of the cost on millions of follows.
        fh.write("src,dst,created_at\r\n")
        fh.writelines(f"{f.src},{f.dst},{f.created_at.isoformat()}\r\n" for f in world.follows)


def load_world(out: Path) -> World:
    """Read the canonical form written by :func:`save_world`."""
    base = out / CANONICAL_DIR
    meta = json.loads((base / "meta.json").read_text(encoding="utf-8"))
    world = World(
        params=meta["params"],
        start=datetime.fromisoformat(meta["start"]),
        end=datetime.fromisoformat(meta["end"]),
    )
    world.accounts = _read_jsonl(base / "accounts.jsonl", SimAccount)
    world.posts = _read_jsonl(base / "posts.jsonl", SimPost)
    world.media = _read_jsonl(base / "media.jsonl", SimMedia)
    world.bank = _read_jsonl(base / "bank.jsonl", BankItem)
    with (base / "follows.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        world.follows = [Follow(s, d, datetime.fromisoformat(t)) for s, d, t in reader]
    return world
