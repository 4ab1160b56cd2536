"""One `Database` per process: the engine, a session factory and dialect facts.

SQLite gets WAL, foreign keys and a busy timeout on every connection; PostgreSQL goes
through psycopg 3. Driver errors become `StoreError` here, at the boundary.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from vigil.config import Settings
from vigil.errors import ConfigError, StoreError

__all__ = ["Database", "driver_message", "open_database"]

log = logging.getLogger(__name__)


def driver_message(exc: DBAPIError) -> str:
    """The driver's own message on one line (psycopg's run over several)."""
    text = " ".join(str(exc.orig).split())
    return text[:300]


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class Database:
    """The store: an engine plus sessions; `dialect` is ``sqlite`` or ``postgresql``."""

    def __init__(self, engine: Engine, *, url_for_humans: str) -> None:
        self.engine = engine
        self.url_for_humans = url_for_humans
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        except OperationalError as exc:
            raise StoreError(
                f"database error on {self.url_for_humans}: {driver_message(exc)}"
            ) from exc
        finally:
            session.close()

    def ping(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except DBAPIError as exc:
            raise StoreError(
                f"cannot reach the database {self.url_for_humans}: {driver_message(exc)}"
            ) from exc

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(settings: Settings, *, create_home: bool = True) -> Database:
    """Connect to the configured database (SQLite under `settings.home` by default)."""
    url = settings.effective_database_url
    human = settings.redacted_database_url()
    kwargs: dict[str, Any] = {"echo": settings.sql_echo}
    if url.startswith("sqlite"):
        if create_home and not settings.database_url:
            try:
                settings.home.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"VIGIL_HOME {settings.home}: {exc.strerror}") from exc
        # Each connection is cheap and pooled ones would pin WAL readers.
        kwargs["poolclass"] = NullPool
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise ConfigError(f"invalid database URL {human}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    log.debug("opened database %s", human)
    return Database(engine, url_for_humans=human)
