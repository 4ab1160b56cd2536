"""`vigil serve`: the web workbench, the public forms and the JSON API."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.cli._app import app, current_store, state

__all__ = ["serve"]


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the review workbench at http://HOST:PORT/ (run `vigil init` and add users first)."""
    import uvicorn

    from vigil.web.app import create_app

    with current_store(ctx):
        pass  # refuses a missing or outdated schema before the server starts
    web_app = create_app(state(ctx).settings)
    typer.echo(f"vigil: serving the workbench on http://{host}:{port}/", err=True)
    uvicorn.run(
        web_app, host=host, port=port, log_level="warning", proxy_headers=False, server_header=False
    )
