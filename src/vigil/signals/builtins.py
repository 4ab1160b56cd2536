"""The built-in signals, registered by name the same way a third-party package would."""

from __future__ import annotations

from vigil.signals.registry import register

__all__ = ["BUILTINS", "register_builtins"]

BUILTINS: dict[str, str] = {
    "media": "vigil.signals.media:MediaSignal",
    "text": "vigil.signals.text:TextSignal",
    "network": "vigil.signals.network:NetworkSignal",
    "behaviour": "vigil.signals.behaviour:BehaviourSignal",
    "coordination": "vigil.signals.coordination:CoordinationSignal",
    "resurgence": "vigil.signals.resurgence:ResurgenceSignal",
    "context": "vigil.signals.context:ContextSignal",
}


def register_builtins() -> None:
    for name, target in BUILTINS.items():
        register(name, target)
