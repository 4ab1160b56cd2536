"""Sim servers for the collection tests: started on loopback ports, stopped with the module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.sim.conftest import build_world, write_media
from vigil.sim.server.app import create_sim_app
from vigil.sim.server.runner import ServerThread
from vigil.sim.world import World

ServerFactory = Callable[..., ServerThread]


@contextmanager
def sim_servers(root: Path) -> Iterator[ServerFactory]:
    """A factory of started servers over the hand-made world (or another); all stop on exit."""
    started: list[ServerThread] = []

    def start(
        world: World | None = None, *, wrap: Callable[[Any], Any] | None = None, **options: Any
    ) -> ServerThread:
        w = world if world is not None else build_world()
        media_dir = root / f"world-{len(started)}"
        write_media(w, media_dir)
        app = create_sim_app(w, media_dir=media_dir, **options)
        server = ServerThread(wrap(app) if wrap is not None else app)
        server.start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()
