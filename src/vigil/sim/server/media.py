"""Serving the world's image files at the URLs the renderers write (X, Mastodon, Bluesky forms)."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from vigil.sim.server.context import SimContext

__all__ = ["media_key", "media_routes"]

_SUFFIX = re.compile(r"(@\w+)?$")


def media_key(name: str) -> str:
    """The key in a URL's last segment: ``<key>.png``, ``<key>_normal.jpg``, ``<key>@jpeg``."""
    stem = _SUFFIX.sub("", name)
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return stem.removesuffix("_normal")


def media_routes(ctx: SimContext) -> list[BaseRoute]:
    async def serve_file(request: Request) -> Response:
        m = ctx.index.media.get(media_key(request.path_params["name"]))
        if m is None or ctx.media_dir is None:
            return JSONResponse({"error": "Not Found"}, status_code=404)
        root = ctx.media_dir.resolve()
        path = (root / m.file).resolve()
        if not path.is_relative_to(root) or not Path(path).is_file():
            return JSONResponse({"error": "Not Found"}, status_code=404)
        return FileResponse(path)

    return [
        Route("/media/{name}", serve_file, methods=["GET"]),
        Route("/profile_images/{name}", serve_file, methods=["GET"]),
        Route("/img/{kind}/plain/{did}/{name}", serve_file, methods=["GET"]),
    ]
