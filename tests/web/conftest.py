"""Fixtures of the web tests: a seeded store, the app on it, and logged-out clients."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from tests.conftest import fresh_database_url
from tests.web.world import World, seed_world
from vigil.config import Settings
from vigil.store import Database, open_database
from vigil.web.app import create_app
from vigil.web.settings import WebSettings


@pytest.fixture
def dialect(request: pytest.FixtureRequest) -> str:
    """SQLite unless a test asks for both (`indirect` parametrization): the web layer adds no SQL
    of its own beyond sessions and throttles, which the store contract tests cover."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2, with test-sized cost: the default costs ~0.5 s per hash on 2 cores."""
    import vigil.review.users

    hasher = _cheap_hasher()
    monkeypatch.setattr(vigil.review.users, "_hasher", hasher)
    monkeypatch.setattr(
        vigil.review.users, "_DUMMY_HASH", hasher.hash("no-such-user"), raising=False
    )


def _cheap_hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


@pytest.fixture(scope="session")
def seeded_sqlite(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, Path, World]:
    """The world seeded once into an SQLite file and media folder; tests get copies."""
    import vigil.review.users

    root = tmp_path_factory.mktemp("web-world")
    target = root / "vigil.db"
    shutil.copyfile(sqlite_template, target)
    seeded = Settings(home=root / "home", database_url=f"sqlite:///{target}")
    database = open_database(seeded)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vigil.review.users, "_hasher", _cheap_hasher())
        world = seed_world(database, seeded)
    database.dispose()
    return target, seeded.media_dir, world


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path, dialect: str) -> Settings:
    home = tmp_path / "home"
    if dialect != "sqlite":
        return Settings(home=home, database_url=fresh_database_url(request, tmp_path, dialect))
    source, media, _ = request.getfixturevalue("seeded_sqlite")
    target = tmp_path / "db" / "vigil.db"
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    shutil.copytree(media, home / "media")
    return Settings(home=home, database_url=f"sqlite:///{target}")


@pytest.fixture
def world(request: pytest.FixtureRequest, db: Database, settings: Settings, dialect: str) -> World:
    if dialect == "sqlite":
        seeded: World = request.getfixturevalue("seeded_sqlite")[2]
        return seeded
    return seed_world(db, settings)


@pytest.fixture
def web_settings(settings: Settings) -> WebSettings:
    return WebSettings(core=settings, secret=b"k" * 32, pow_difficulty=4, public_max_per_hour=3)


@pytest.fixture
def app(web_settings: WebSettings, db: Database, world: World) -> FastAPI:
    return create_app(web_settings, db=db)


@pytest.fixture
def new_client(app: FastAPI) -> Iterator[Callable[[], TestClient]]:
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app, base_url="http://testserver.local")
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def client(new_client: Callable[[], TestClient]) -> TestClient:
    return new_client()
