"""Vigil: an evidence-first workbench for trust-and-safety teams.

It collects accounts, scores them with explained signals, puts them before human
reviewers, publishes reviewed lists, reports to platforms and measures the result.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
