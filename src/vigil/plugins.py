"""One lazy plugin registry for connectors and signals: built-ins register like third parties.

A plugin is a class named by ``module:Class``, imported only when first asked for; packages
add their own through an entry-point group (entry name = registry name, value = target).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar, cast

from vigil.errors import ConfigError

__all__ = ["Registry"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Registry(Generic[T]):
    """Plugins of one kind (`noun` names it in messages), all subclasses of `base`."""

    def __init__(
        self,
        noun: str,
        base: type[Any],  # abstract bases are the point, and mypy refuses them as type[T]
        group: str,
        *,
        check: Callable[[str, type[T], str], None] | None = None,
    ) -> None:
        self.noun = noun
        self.base = base
        self.group = group
        self._check = check
        self._targets: dict[str, str] = {}
        self._loaded: dict[str, type[T]] = {}
        self._entry_points_read = False

    def register(self, name: str, target: str | type[T]) -> None:
        """Register `name` as a ``module:Class`` path (imported lazily) or as a class."""
        if isinstance(target, str):
            if ":" not in target:
                raise ValueError(f"{self.noun} target {target!r} is not module:Class")
            self._targets[name] = target
            self._loaded.pop(name, None)
        else:
            self._targets[name] = f"{target.__module__}:{target.__qualname__}"
            self._loaded[name] = target

    def _read_entry_points(self) -> None:
        if self._entry_points_read:
            return
        self._entry_points_read = True
        for ep in entry_points(group=self.group):
            if ep.name in self._targets:
                log.warning("%s %s from %s shadows a built-in one", self.noun, ep.name, ep.value)
            self._targets[ep.name] = ep.value

    def names(self) -> list[str]:
        """Registered names, sorted."""
        self._read_entry_points()
        return sorted(self._targets)

    def load(self, name: str) -> type[T]:
        """The class registered as `name`; ConfigError if unknown or broken."""
        self._read_entry_points()
        if name in self._loaded:
            return self._loaded[name]
        target = self._targets.get(name)
        if target is None:
            known = ", ".join(self.names()) or "none"
            raise ConfigError(f"unknown {self.noun} {name!r} (known: {known})")
        module_name, _, attr = target.partition(":")
        try:
            loaded = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(
                f"{self.noun} {name!r} cannot be loaded from {target}: {exc}"
            ) from exc
        if not (isinstance(loaded, type) and issubclass(loaded, self.base)):
            raise ConfigError(f"{self.noun} {name!r}: {target} is not a {self.base.__name__}")
        plugin = cast(type[T], loaded)
        if self._check is not None:
            self._check(name, plugin, target)
        self._loaded[name] = plugin
        return plugin
