"""Which connectors exist: built-ins register exactly as third-party ones do.

A connector is a `Platform` subclass with a ``connect(Connection)`` class method, named by
``module:Class``; it is imported only when asked for. Packages add their own through the
``vigil.platforms`` entry-point group (name = registry name, value = ``module:Class``).
"""

from __future__ import annotations

from vigil.platforms.base import Connection, Platform
from vigil.plugins import Registry

__all__ = ["ENTRY_POINT_GROUP", "connect", "connector", "names", "register"]

ENTRY_POINT_GROUP = "vigil.platforms"

_REGISTRY: Registry[Platform] = Registry("platform", Platform, ENTRY_POINT_GROUP)


def register(name: str, target: str | type[Platform]) -> None:
    """Register a connector under `name`: a ``module:Class`` path (imported lazily) or a class."""
    _REGISTRY.register(name, target)


def names() -> list[str]:
    """Registered connector names, sorted."""
    return _REGISTRY.names()


def connector(name: str) -> type[Platform]:
    """The connector class registered as `name` (imported on first use)."""
    return _REGISTRY.load(name)


def connect(name: str, connection: Connection) -> Platform:
    """A live connector for `name` over `connection`."""
    return connector(name).connect(connection)


register("x", "vigil.platforms.x:XPlatform")
register("mastodon", "vigil.platforms.mastodon:MastodonPlatform")
register("bluesky", "vigil.platforms.bluesky:BlueskyPlatform")
