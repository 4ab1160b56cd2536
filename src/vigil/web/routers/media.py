"""The media pages (in progress)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from vigil.web.deps import verify_csrf

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])
