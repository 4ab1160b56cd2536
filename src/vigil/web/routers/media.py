"""Media served only from Vigil's own store, by sha256, to signed-in reviewers.

A platform URL is never fetched for the browser nor redirected to: loading it would show
the account's operator the reviewer's address. Files are re-checked by their bytes."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path
from fastapi.responses import FileResponse, Response

from vigil.errors import NotFoundError
from vigil.model import Media
from vigil.store.media import sniff_format
from vigil.web.deps import CurrentUser, DbSession, Settings, verify_csrf

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])

_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "webm": "video/webm",
}


@router.get("/media/{sha256}")
def media(
    sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")],
    user: CurrentUser,
    session: DbSession,
    settings: Settings,
) -> Response:
    rel = session.scalars(
        sa.select(Media.local_path)
        .where(Media.sha256 == sha256, Media.local_path.is_not(None))
        .limit(1)
    ).first()
    if not rel:
        raise NotFoundError("no such media in Vigil's store")
    root = settings.core.media_dir.resolve()
    path = (root / rel).resolve()
    # A stored relative path must stay inside the store and name the file by its hash.
    if not path.is_relative_to(root) or not path.name.startswith(sha256) or not path.is_file():
        raise NotFoundError("no such media in Vigil's store")
    with path.open("rb") as f:
        fmt = sniff_format(f.read(16))
    if fmt is None:
        raise NotFoundError("no such media in Vigil's store")
    return FileResponse(
        path,
        media_type=_TYPES[fmt],
        headers={
            "Cache-Control": "private, max-age=3600",
            "Content-Disposition": "inline",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
