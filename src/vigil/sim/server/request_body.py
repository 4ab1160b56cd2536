"""Reading a POST body the way Rails does: form-encoded (``key[]`` for lists) or JSON.

Form bodies are parsed with the standard library so the server needs no multipart package;
Mastodon clients send reports url-encoded.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

__all__ = ["form_or_json"]


async def form_or_json(request: Request) -> dict[str, Any]:
    """The body as a dict; ``name[]`` form fields become lists under ``name``."""
    raw = await request.body()
    if "application/json" in request.headers.get("content-type", ""):
        try:
            data = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}
    out: dict[str, Any] = {}
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        if key.endswith("[]"):
            out.setdefault(key[:-2], []).append(value)
        else:
            out[key] = value
    return out
