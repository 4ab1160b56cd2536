"""Which signals exist: built-ins register exactly as third-party ones do.

A signal is a `SignalPlugin` subclass named by ``module:Class`` and imported only when asked
for; packages add their own through the ``vigil.signals`` entry-point group.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

from vigil.errors import ConfigError
from vigil.signals.base import SignalPlugin

__all__ = ["ENTRY_POINT_GROUP", "names", "plugin", "register"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "vigil.signals"

_TARGETS: dict[str, str] = {}
_LOADED: dict[str, type[SignalPlugin]] = {}
_entry_points_read = False


def register(name: str, target: str | type[SignalPlugin]) -> None:
    """Register a signal under `name`: a ``module:Class`` path (imported lazily) or a class."""
    if isinstance(target, str):
        if ":" not in target:
            raise ValueError(f"signal target {target!r} is not module:Class")
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
    from vigil.signals.builtins import register_builtins

    register_builtins()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _TARGETS:
            log.warning("signal %s from %s shadows a built-in one", ep.name, ep.value)
        _TARGETS[ep.name] = ep.value


def names() -> list[str]:
    """Registered signal names, sorted."""
    _read_entry_points()
    return sorted(_TARGETS)


def plugin(name: str) -> type[SignalPlugin]:
    """The plugin class registered as `name`; ConfigError if unknown or broken."""
    _read_entry_points()
    if name in _LOADED:
        return _LOADED[name]
    target = _TARGETS.get(name)
    if target is None:
        raise ConfigError(f"unknown signal {name!r} (known: {', '.join(names()) or 'none'})")
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"signal {name!r} cannot be loaded from {target}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, SignalPlugin)):
        raise ConfigError(f"signal {name!r}: {target} is not a SignalPlugin")
    if cls.name != name:
        raise ConfigError(f"signal {name!r}: {target} calls itself {cls.name!r}")
    _LOADED[name] = cls
    return cls
