"""Public feeds of the blacklist (Atom and JSON Feed) with ETag revalidation."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from vigil.config import PublishSettings, Settings
from vigil.publish.feeds import FeedDocument, atom_feed, json_feed
from vigil.store import Database

__all__ = ["router"]

router = APIRouter(tags=["feeds"])


def _serve(request: Request, build: Callable[[Session, PublishSettings], FeedDocument]) -> Response:
    db = request.app.state.db
    assert isinstance(db, Database)
    raw = request.app.state.settings
    core = getattr(raw, "core", raw)  # the web settings wrap the core settings
    settings = core.publish if isinstance(core, Settings) else PublishSettings()
    with db.session() as session:
        doc = build(session, settings)
    headers = {"ETag": doc.etag, "Cache-Control": "public, max-age=60"}
    wanted = {t.strip() for t in request.headers.get("if-none-match", "").split(",")}
    if doc.etag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    return Response(doc.body, media_type=doc.media_type, headers=headers)


@router.get("/feeds/blacklist.atom", summary="The blacklist as an Atom feed")
def blacklist_atom(request: Request) -> Response:
    return _serve(request, atom_feed)


@router.get("/feeds/blacklist.json", summary="The blacklist as a JSON Feed 1.1")
def blacklist_json(request: Request) -> Response:
    return _serve(request, json_feed)
