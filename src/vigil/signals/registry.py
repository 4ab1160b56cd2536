"""Which signals exist: built-ins register exactly as third-party ones do.

A signal is a `SignalPlugin` subclass named by ``module:Class`` and imported only when asked
for; packages add their own through the ``vigil.signals`` entry-point group.
"""

from __future__ import annotations

from vigil.errors import ConfigError
from vigil.plugins import Registry
from vigil.signals.base import SignalPlugin

__all__ = ["ENTRY_POINT_GROUP", "names", "plugin", "register"]

ENTRY_POINT_GROUP = "vigil.signals"


def _same_name(name: str, cls: type[SignalPlugin], target: str) -> None:
    # Stored rows carry the plugin's own name: a mismatch would file them under another.
    if cls.name != name:
        raise ConfigError(f"signal {name!r}: {target} calls itself {cls.name!r}")


_REGISTRY: Registry[SignalPlugin] = Registry(
    "signal", SignalPlugin, ENTRY_POINT_GROUP, check=_same_name
)
_builtins_registered = False


def _ensure_builtins() -> None:
    global _builtins_registered
    if not _builtins_registered:
        _builtins_registered = True
        from vigil.signals.builtins import register_builtins

        register_builtins()


def register(name: str, target: str | type[SignalPlugin]) -> None:
    """Register a signal under `name`: a ``module:Class`` path (imported lazily) or a class."""
    _ensure_builtins()
    _REGISTRY.register(name, target)


def names() -> list[str]:
    """Registered signal names, sorted."""
    _ensure_builtins()
    return _REGISTRY.names()


def plugin(name: str) -> type[SignalPlugin]:
    """The plugin class registered as `name`; ConfigError if unknown or broken."""
    _ensure_builtins()
    return _REGISTRY.load(name)
