"""`vigil users`: the people who use Vigil and their roles."""

from __future__ import annotations
