"""Job kinds: a small plugin contract, registered by name like signals and connectors.

Built-ins (`scan`, `noop`) register exactly as a third-party ``vigil.jobs`` entry point
would. `monitor`, `publish` and `report` are kinds whose work lives in other stages: each
runs the callable registered for it with `register_handler` (lazily, ``module:function``).
"""

from __future__ import annotations

import importlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from threading import Event
from typing import Any, ClassVar

from vigil.config import Settings
from vigil.errors import ConfigError, InputError
from vigil.plugins import Registry
from vigil.store import Database
from vigil.worker.jobs import Claimed

__all__ = [
    "HANDLER_ENTRY_POINT_GROUP",
    "HandlerJob",
    "JobContext",
    "JobKind",
    "kind",
    "names",
    "ready_names",
    "register",
    "register_handler",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "vigil.jobs"
HANDLER_ENTRY_POINT_GROUP = "vigil.job_handlers"

Handler = Callable[["JobContext"], Mapping[str, Any] | None]


@dataclass(slots=True)
class JobContext:
    """What a job runs with; `stop` is set on shutdown or when the lease is lost."""

    db: Database
    settings: Settings
    job: Claimed
    worker: str
    stop: Event = field(default_factory=Event)

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    @property
    def actor(self) -> str:
        return f"worker:{self.worker}"


class JobKind(ABC):
    """A kind of job: a stable `name` (stored in each job row) and `run`.

    `run` returns a small JSON-able summary (counts, ids), stored as the job's result.
    Raising InputError, ConfigError or NotFoundError fails the job at once; any other
    error is retried with backoff until `max_attempts`. Runs must be idempotent: a job
    whose worker died is run again from the start.
    """

    name: ClassVar[str]
    description: ClassVar[str]

    @classmethod
    def ready(cls) -> bool:
        """Whether this process can run the kind (a handler kind needs its handler)."""
        return True

    @abstractmethod
    def run(self, ctx: JobContext) -> Mapping[str, Any]: ...


def _same_name(name: str, cls: type[JobKind], target: str) -> None:
    # Job rows carry the kind's name: a mismatch would route them to another class.
    if cls.name != name:
        raise ConfigError(f"job kind {name!r}: {target} calls itself {cls.name!r}")


_REGISTRY: Registry[JobKind] = Registry("job kind", JobKind, ENTRY_POINT_GROUP, check=_same_name)
_HANDLERS: dict[str, str | Handler] = {}
_state = {"builtins": False, "handler_entry_points": False}

BUILTINS: dict[str, str] = {
    "scan": "vigil.worker.builtin_kinds:ScanJob",
    "noop": "vigil.worker.builtin_kinds:NoopJob",
    "monitor": "vigil.worker.builtin_kinds:MonitorJob",
    "publish": "vigil.worker.builtin_kinds:PublishJob",
    "report": "vigil.worker.builtin_kinds:ReportJob",
}


def _ensure_builtins() -> None:
    if not _state["builtins"]:
        _state["builtins"] = True
        for name, target in BUILTINS.items():
            _REGISTRY.register(name, target)


def register(name: str, target: str | type[JobKind]) -> None:
    """Register a job kind: a ``module:Class`` path (imported lazily) or a class."""
    _ensure_builtins()
    _REGISTRY.register(name, target)


def names() -> list[str]:
    _ensure_builtins()
    return _REGISTRY.names()


def kind(name: str) -> type[JobKind]:
    """The class of kind `name`; ConfigError if unknown or broken."""
    _ensure_builtins()
    return _REGISTRY.load(name)


def ready_names() -> list[str]:
    """Kinds this process can run now: what a worker claims by default."""
    ready = []
    for name in names():
        try:
            if kind(name).ready():
                ready.append(name)
        except ConfigError as exc:
            log.warning("job kind %s is not usable: %s", name, exc)
    return ready


def register_handler(name: str, target: str | Handler, *, description: str = "") -> None:
    """Route jobs of kind `name` to a function ``fn(ctx: JobContext) -> dict | None``.

    `target` is the function or a ``module:function`` path imported on first use. For
    `monitor`, `publish` and `report` this fills the built-in kind; any other new name
    becomes a kind of its own. Packages can also declare handlers in the
    ``vigil.job_handlers`` entry-point group (entry name = kind name).
    """
    if isinstance(target, str) and ":" not in target:
        raise ValueError(f"handler target {target!r} is not module:function")
    _HANDLERS[name] = target
    if name not in names():
        attrs = {"name": name, "description": description or f"runs the {name} handler"}
        register(name, type(f"{name.title()}HandlerJob", (HandlerJob,), attrs))


def _read_handler_entry_points() -> None:
    if _state["handler_entry_points"]:
        return
    _state["handler_entry_points"] = True
    for ep in entry_points(group=HANDLER_ENTRY_POINT_GROUP):
        _HANDLERS.setdefault(ep.name, ep.value)


def _handler(name: str) -> Handler | None:
    _read_handler_entry_points()
    target = _HANDLERS.get(name)
    if target is None or callable(target):
        return target
    module_name, _, attr = target.partition(":")
    try:
        loaded = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"job handler {name!r} cannot be loaded from {target}: {exc}") from exc
    if not callable(loaded):
        raise ConfigError(f"job handler {name!r}: {target} is not callable")
    fn: Handler = loaded
    _HANDLERS[name] = fn
    return fn


class HandlerJob(JobKind):
    """A kind whose work is the function registered for its name (see `register_handler`)."""

    @classmethod
    def ready(cls) -> bool:
        _read_handler_entry_points()
        return cls.name in _HANDLERS

    def run(self, ctx: JobContext) -> Mapping[str, Any]:
        fn = _handler(self.name)
        if fn is None:
            raise ConfigError(
                f"no handler registered for job kind {self.name!r} (vigil.worker.register_handler)"
            )
        return dict(fn(ctx) or {})


def sleep_checked(ctx: JobContext, seconds: float) -> float:
    """Sleep up to `seconds` in short steps, returning early when asked to stop."""
    if seconds < 0 or seconds > 3600:
        raise InputError("must be between 0 and 3600", field="seconds")
    end = time.monotonic() + seconds
    while not ctx.stop.is_set() and time.monotonic() < end:
        ctx.stop.wait(min(0.05, max(0.0, end - time.monotonic())))
    return seconds
