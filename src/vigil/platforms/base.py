"""The `Platform` protocol every live connector implements, and the capabilities it may have.

A connector is a small adapter over a raw client; what it can do is said by the capability
mixins it inherits (`UserLookup`, `Timelines`, `FollowGraph`), each yielding normalised records.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

import httpx

from vigil.errors import PlatformError
from vigil.model import AccountStatus
from vigil.platforms.clock import ServerClock
from vigil.platforms.records import PlatformSpec, Record

__all__ = [
    "Capability",
    "CapabilityUnavailableError",
    "Connection",
    "FollowGraph",
    "Page",
    "Platform",
    "Timelines",
    "UserLookup",
    "capabilities",
]


class Capability(StrEnum):
    """What a connector can do; reporting arrives with the reporting issue."""

    LOOKUP = "lookup"
    TIMELINES = "timelines"
    FOLLOW_GRAPH = "follow_graph"
    REPORTING = "reporting"


class CapabilityUnavailableError(PlatformError):
    """The server does not offer an endpoint the connector needs (HTTP 501, 404 on a route)."""


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach one network: base URL and credentials (never shown in its repr).

    `clock` is the server's clock: rate-limit waits pass on it, and connectors whose
    answers carry no time date their records by it.
    """

    base_url: str | None = None
    token: str | None = field(default=None, repr=False)
    login: str | None = None
    clock: ServerClock | None = field(default=None, repr=False)
    transport: httpx.BaseTransport | None = field(default=None, repr=False)


@dataclass(slots=True)
class Page:
    """One answer from a platform: its records, and what the crawler needs to go on.

    `cursor` fetches the next page (None: this was the last). `accounts` names the accounts
    the page lists (found by a lookup, or the other end of each follow). `unavailable` maps
    accounts the platform would not show to why (suspended, not found, protected...).
    """

    records: list[Record] = field(default_factory=list)
    cursor: str | None = None
    accounts: list[str] = field(default_factory=list)
    unavailable: dict[str, AccountStatus] = field(default_factory=dict)
    requests: int = 1


class Platform(ABC):
    """A live connection to one network, under a stable registry `name` (``x``, ``mastodon``...).

    `spec` names the `Platform` row records belong to: ``mastodon:<instance>`` differs per
    instance, so it is a property of the connection, not of the class.
    """

    name: ClassVar[str] = ""
    token_env: ClassVar[str] = ""  # where the CLI finds the token (or password)
    login_env: ClassVar[str | None] = None  # where it finds a login name, if one is needed
    default_base_url: ClassVar[str | None] = None  # None: the user must name the server

    @classmethod
    @abstractmethod
    def connect(cls, connection: Connection) -> Platform:
        """A live connector over `connection` (logging in if the network needs it)."""

    @property
    @abstractmethod
    def spec(self) -> PlatformSpec: ...

    def stats(self) -> dict[str, float]:
        """Counters of the connection (requests, rate-limit waits...) for run summaries."""
        return {}

    def close(self) -> None:  # noqa: B027 - a connector without resources need not override
        """Release connections; the connector is unusable afterwards."""

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class UserLookup(ABC):
    """Profiles by platform id or by handle, at most `lookup_batch` a call."""

    lookup_batch: int = 1

    @abstractmethod
    def lookup_ids(self, ids: Sequence[str]) -> Page:
        """Profiles of `ids`; the ones it cannot show go to `Page.unavailable`."""

    @abstractmethod
    def lookup_handles(self, handles: Sequence[str]) -> Page:
        """Profiles by handle; `Page.accounts` holds the platform ids of those found."""


class Timelines(ABC):
    """An account's own posts, newest first, one page a call."""

    @abstractmethod
    def timeline(self, account_id: str, cursor: str | None = None) -> Page: ...


class FollowGraph(ABC):
    """Who follows an account and whom it follows, one page a call."""

    @abstractmethod
    def followers(self, account_id: str, cursor: str | None = None) -> Page: ...

    @abstractmethod
    def following(self, account_id: str, cursor: str | None = None) -> Page: ...


def capabilities(platform: Platform) -> frozenset[Capability]:
    """The capabilities a connector declares by the mixins it inherits."""
    found = set()
    if isinstance(platform, UserLookup):
        found.add(Capability.LOOKUP)
    if isinstance(platform, Timelines):
        found.add(Capability.TIMELINES)
    if isinstance(platform, FollowGraph):
        found.add(Capability.FOLLOW_GRAPH)
    return frozenset(found)
