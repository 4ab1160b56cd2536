"""Compact JSON for the world's JSONL writers: the bytes ``json.dumps(obj, ensure_ascii=False,
separators=(",", ":"))`` makes, several times faster through orjson when it is installed.

For what the renderers make (string keys, strings, ints, bools, None, lists, dicts, finite
floats, datetimes) orjson writes exactly what ``json`` writes (it would write NaN as null,
but no rendering holds one); what orjson refuses (an integer beyond 64 bits, a key that is
not a string) goes to ``json``, as everything does without orjson.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is optional
    orjson = None  # type: ignore[assignment]

__all__ = ["dumpb", "dumps"]


Default = Callable[[Any], Any]


def _slow(obj: Any, default: Default | None) -> bytes:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=default)
    return text.encode("utf-8")


def dumpb(obj: Any, default: Default | None = None) -> bytes:
    """``obj`` as compact JSON in UTF-8, without a line end.

    ``default`` converts what JSON has no form for, as ``json.dumps``'s does; orjson writes
    datetimes itself, exactly as ``datetime.isoformat`` does, and so never asks for them.
    """
    if orjson is None:  # pragma: no cover - orjson is optional
        return _slow(obj, default)
    try:
        return orjson.dumps(obj, default=default)
    except TypeError:  # orjson.JSONEncodeError: fall back to json's wider rules
        return _slow(obj, default)


def dumps(obj: Any, default: Default | None = None) -> str:
    """``obj`` as compact JSON text."""
    return dumpb(obj, default).decode("utf-8")
