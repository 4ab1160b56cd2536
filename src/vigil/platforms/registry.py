"""Which connectors exist: built-ins register exactly as third-party ones do.

A connector is a `Platform` subclass with a ``connect(Connection)`` class method, named by
``module:Class``; it is imported only when asked for. Packages add their own through the
``vigil.platforms`` entry-point group (name = registry name, value = ``module:Class``).
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

from vigil.errors import ConfigError
from vigil.platforms.base import Connection, Platform

__all__ = [
    "ENTRY_POINT_GROUP",
    "connect",
    "connector",
    "names",
    "register",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "vigil.platforms"


_TARGETS: dict[str, str] = {}
_LOADED: dict[str, type[Platform]] = {}
_entry_points_read = False


def register(name: str, target: str | type[Platform]) -> None:
    """Register a connector under `name`: a ``module:Class`` path (imported lazily) or a class."""
    if isinstance(target, str):
        if ":" not in target:
            raise ValueError(f"connector target {target!r} is not module:Class")
        _TARGETS[name] = target
        _LOADED.pop(name, None)
    else:
        _TARGETS[name] = f"{target.__module__}:{target.__qualname__}"
        _LOADED[name] = target


def _read_entry_points() -> None:
    global _entry_points_read
    if _entry_points_read:
        return
    _entry_points_read = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _TARGETS:
            log.warning("connector %s from %s shadows an existing one", ep.name, ep.value)
        _TARGETS[ep.name] = ep.value


def names() -> list[str]:
    """Registered connector names, sorted."""
    _read_entry_points()
    return sorted(_TARGETS)


def connector(name: str) -> type[Platform]:
    """The connector class registered as `name` (imported on first use)."""
    _read_entry_points()
    if name in _LOADED:
        return _LOADED[name]
    target = _TARGETS.get(name)
    if target is None:
        known = ", ".join(sorted(_TARGETS)) or "none"
        raise ConfigError(f"unknown platform {name!r} (known: {known})")
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        loaded = getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"platform {name!r}: cannot load {target}: {exc}") from exc
    if not (isinstance(loaded, type) and issubclass(loaded, Platform)):
        raise ConfigError(f"platform {name!r}: {target} is not a Platform connector")
    _LOADED[name] = loaded
    return loaded


def connect(name: str, connection: Connection) -> Platform:
    """A live connector for `name` over `connection`."""
    return connector(name).connect(connection)


register("x", "vigil.platforms.x:XPlatform")
register("mastodon", "vigil.platforms.mastodon:MastodonPlatform")
register("bluesky", "vigil.platforms.bluesky:BlueskyPlatform")
