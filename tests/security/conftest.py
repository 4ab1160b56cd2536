"""The web tests' fixtures (imported, not copied) and helpers every attack file shares:
the app's routes enumerated from `app.routes`, signed-in clients per role, state counters."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from tests.web.conftest import (  # noqa: F401  (fixtures re-used as they are)
    app,
    cheap_argon2,
    client,
    dialect,
    new_client,
    seeded_sqlite,
    settings,
    web_settings,
    world,
)
from tests.web.world import World, login
from vigil.model import AuditEvent, Decision
from vigil.store import Database

# Routes anyone may call without signing in: the login form, the public appeal and tip forms
# and their API twins, the proof-of-work challenge, the policy and the published feeds.
PUBLIC = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/appeal"),
    ("POST", "/appeal"),
    ("GET", "/appeal/status"),
    ("GET", "/tip"),
    ("POST", "/tip"),
    ("GET", "/api/policy"),
    ("GET", "/api/pow"),
    ("POST", "/api/appeals"),
    ("GET", "/api/appeals/{reference}"),
    ("POST", "/api/tips"),
    ("GET", "/feeds/blacklist.atom"),
    ("GET", "/feeds/blacklist.json"),
}


def routes(application: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route, routers included (FastAPI nests them)."""

    def flat(items: list[object]) -> Iterator[APIRoute]:
        for r in items:
            if isinstance(r, APIRoute):
                yield r
            elif hasattr(r, "original_router"):
                yield from flat(list(r.original_router.routes))
            elif hasattr(r, "routes") and not hasattr(r, "app"):
                yield from flat(list(r.routes))

    return sorted({(m, r.path) for r in flat(list(application.routes)) for m in r.methods or ()})


def fill(path: str, seeded: World, reference: str = "ABCD-1234") -> str:
    return (
        path.replace("{account_id}", str(seeded.target))
        .replace("{reference}", reference)
        .replace("{view}", "blacklist")
        .replace("{sha256}", seeded.media_sha)
    )


def counts(db: Database) -> tuple[int, int]:
    """Decisions and audit events: what any state change on these routes adds to."""
    with db.session() as s:
        decisions = s.scalar(sa.select(sa.func.count()).select_from(Decision)) or 0
        events = s.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
    return int(decisions), int(events)


@pytest.fixture
def signed_in(request: pytest.FixtureRequest) -> Callable[[str], TestClient]:
    make_client: Callable[[], TestClient] = request.getfixturevalue("new_client")

    def make(username: str) -> TestClient:
        c = make_client()
        login(c, username)
        return c

    return make
