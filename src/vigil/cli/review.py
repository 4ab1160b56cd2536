"""`vigil decide`, `vigil whitelist`, `vigil appeals`, `vigil tips`: the review workflow."""

from __future__ import annotations
