"""Settings read once from the environment, passed explicitly everywhere else.

`VIGIL_HOME` (default ``./.vigil``) holds the SQLite database and media store;
`VIGIL_DATABASE_URL` selects PostgreSQL (``postgresql+psycopg://...``) instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from vigil.errors import ConfigError

__all__ = ["Settings"]

_SUPPORTED_SCHEMES = ("sqlite", "postgresql")


def _env_int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: not a whole number: {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}: {value} is outside {low}..{high}")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable about one Vigil installation."""

    home: Path = field(default_factory=lambda: Path(".vigil"))
    database_url: str | None = None
    log_level: str = "WARNING"
    sql_echo: bool = False
    # Review: distinct reviewers who must confirm before an account is listed, the
    # webhook that alerts leads of a threat to life, and the tip forms' proof-of-work bits.
    confirmations_required: int = 2
    alert_webhook: str | None = None
    pow_difficulty: int = 16

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("VIGIL_HOME", ".vigil"))
        url = env.get("VIGIL_DATABASE_URL") or None
        settings = cls(
            home=home,
            database_url=url,
            log_level=env.get("VIGIL_LOG_LEVEL", "WARNING").upper(),
            sql_echo=env.get("VIGIL_SQL_ECHO", "") in {"1", "true", "yes"},
            confirmations_required=_env_int(env, "VIGIL_CONFIRMATIONS_REQUIRED", 2, 1, 5),
            alert_webhook=env.get("VIGIL_ALERT_WEBHOOK") or None,
            pow_difficulty=_env_int(env, "VIGIL_POW_DIFFICULTY", 16, 0, 32),
        )
        settings.validate()
        return settings

    def with_database(self, url: str | None) -> Settings:
        return replace(self, database_url=url)

    @property
    def sqlite_path(self) -> Path:
        return self.home / "vigil.db"

    @property
    def effective_database_url(self) -> str:
        """The URL to connect to: the explicit one, else the SQLite file under home."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.sqlite_path}"

    @property
    def media_dir(self) -> Path:
        return self.home / "media"

    def validate(self) -> None:
        if self.database_url is not None:
            scheme = self.database_url.split(":", 1)[0].split("+", 1)[0]
            if scheme not in _SUPPORTED_SCHEMES:
                raise ConfigError(
                    f"VIGIL_DATABASE_URL: unsupported database {scheme!r} "
                    "(use sqlite:/// or postgresql+psycopg://)"
                )
        if self.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(f"VIGIL_LOG_LEVEL: unknown level {self.log_level!r}")

    def redacted_database_url(self) -> str:
        """The database URL safe for logs and messages: the password is never shown."""
        url = self.effective_database_url
        scheme, sep, rest = url.partition("://")
        if not sep or "@" not in rest:
            return url
        creds, _, host = rest.rpartition("@")
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
