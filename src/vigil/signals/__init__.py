"""Detection signals: pure functions of stored data that return explained Signal rows."""

from __future__ import annotations

from vigil.signals.base import ScanContext, SignalPlugin, SignalResult
from vigil.signals.registry import names, plugin, register
from vigil.signals.store import write_signals

__all__ = [
    "ScanContext",
    "SignalPlugin",
    "SignalResult",
    "names",
    "plugin",
    "register",
    "write_signals",
]
