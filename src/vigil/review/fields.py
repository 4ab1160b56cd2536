"""Checks for text and ids that reach the review workflow from people and public forms.

Everything here may come from the internet: a NUL byte or a 30-digit id must become an
InputError, not a database error (PostgreSQL refuses NUL in text and ids beyond 2**63).
"""

from __future__ import annotations

import re

from vigil.errors import InputError

__all__ = ["MAX_STORE_ID", "clean_line", "clean_text", "store_id"]

MAX_STORE_ID = 2**63 - 1
_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")
_LINE_CONTROL = re.compile("[\u0000-\u001f\u007f]")


def clean_text(
    value: str | None, *, field: str, max_len: int, required: bool = False
) -> str | None:
    """Stripped multi-line text (tabs and newlines allowed), None when empty and optional."""
    text = (value or "").strip()
    if not text:
        if required:
            raise InputError("must not be empty", field=field)
        return None
    if len(text) > max_len:
        raise InputError(f"at most {max_len} characters", field=field)
    if _CONTROL.search(text):
        raise InputError("contains control characters", field=field)
    return text


def clean_line(value: str | None, *, field: str, max_len: int) -> str:
    """A required single-line value (a name, a reference, an account)."""
    text = (value or "").strip()
    if not text:
        raise InputError("must not be empty", field=field)
    if len(text) > max_len:
        raise InputError(f"at most {max_len} characters", field=field)
    if _LINE_CONTROL.search(text):
        raise InputError("contains control characters", field=field)
    return text


def store_id(value: object) -> int | None:
    """A store id from an int or ASCII digits; None if it is not one (too large included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
    else:
        return None
    if not 0 < number <= MAX_STORE_ID:
        return None
    return number
