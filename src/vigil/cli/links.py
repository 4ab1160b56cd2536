"""`vigil links`: resurgence links proposed between new accounts and suspended ones."""

from __future__ import annotations
