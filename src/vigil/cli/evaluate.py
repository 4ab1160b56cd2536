"""`vigil eval`: detection and resurgence metrics against a simulated world's truth."""

from __future__ import annotations
