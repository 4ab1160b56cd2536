"""`vigil evidence export`: a chain-of-custody package for one case."""

from __future__ import annotations
