"""Public feeds of the blacklist (Atom and JSON Feed) with ETag revalidation."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
