"""Tables of the web workbench: server-side sessions, API tokens, login attempts."""

from __future__ import annotations

__all__: list[str] = []
