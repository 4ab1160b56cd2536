"""Fixtures of the web tests: a seeded store, the app on it, and logged-out clients."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from tests.web.world import World, seed_world
from vigil.config import Settings
from vigil.store import Database
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
    from argon2 import PasswordHasher

    import vigil.review.users

    hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(vigil.review.users, "_hasher", hasher)
    monkeypatch.setattr(
        vigil.review.users, "_DUMMY_HASH", hasher.hash("no-such-user"), raising=False
    )


@pytest.fixture
def world(db: Database, settings: Settings) -> World:
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
