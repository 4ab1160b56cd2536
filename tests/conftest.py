"""Fixtures shared by the whole suite: settings, and a store on SQLite or PostgreSQL.

Store tests take the `db` fixture, parametrized over both databases; PostgreSQL is a
throwaway cluster started once per session (set VIGIL_TEST_POSTGRES_URL to use another).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import ThrowawayPostgres
from vigil.config import Settings
from vigil.store import Database, open_database, upgrade

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL prefix of a PostgreSQL server with a migrated `vigil_template` database."""
    external = os.environ.get("VIGIL_TEST_POSTGRES_URL")
    server: ThrowawayPostgres | None = None
    if external:
        base = external.rsplit("/", 1)[0]
        admin_url = external
    else:
        server = ThrowawayPostgres()
        server.start()
        base = server.url("").rstrip("/")
        admin_url = server.url("postgres")
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS vigil_template")
        conn.exec_driver_sql("CREATE DATABASE vigil_template")
    template = open_database(Settings(database_url=f"{base}/vigil_template"))
    upgrade(template)
    template.dispose()
    admin.dispose()
    try:
        yield base
    finally:
        if server is not None:
            server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("sqlite-template")
    db = open_database(Settings(home=home))
    upgrade(db)
    db.dispose()
    return home / "vigil.db"


def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path, dialect: str) -> str:
    """A new, migrated, empty database of the given dialect for one test."""
    if dialect == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "db" / "vigil.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    base: str = request.getfixturevalue("pg_server")
    name = f"vigil_test_{os.getpid()}_{next(_counter)}"
    import sqlalchemy as sa

    admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE vigil_template")
    admin.dispose()
    return f"{base}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path, dialect: str) -> Settings:
    url = fresh_database_url(request, tmp_path, dialect)
    return Settings(home=tmp_path / "home", database_url=url)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    try:
        yield database
    finally:
        database.dispose()
