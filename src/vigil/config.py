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

__all__ = ["PublishSettings", "Settings"]

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
class PublishSettings:
    """Publishing: installment schedule, public identity, notifier, report and webhook pacing.

    Platform credentials are not settings: they are read where they are used, never stored.
    """

    org_name: str = "Vigil"
    public_url: str = "http://localhost:8000"
    notifier_name: str = "Vigil trust and safety team"
    notifier_email: str = "reports@vigil.invalid"
    max_entries: int = 25
    min_interval: int = 3600  # seconds between two installments
    quiet_hours: tuple[int, int] | None = None  # UTC hours [start, end): nothing is published
    mastodon_url: str | None = None  # the organisation's own Mastodon instance
    bluesky_url: str = "https://bsky.social"
    bluesky_labeler: str = "did:plc:ar7c4by46qjdydhdevvrndac"  # Bluesky's moderation service
    report_interval: float = 1.0  # seconds between two reports to one platform
    report_max_per_run: int = 100
    webhook_max_attempts: int = 6
    webhook_backoff: int = 30  # seconds before the first retry, doubled each time
    url_check_private: bool = False  # let the HEAD check reach loopback/private addresses

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PublishSettings:
        quiet = env.get("VIGIL_PUBLISH_QUIET_HOURS", "").strip()
        hours: tuple[int, int] | None = None
        if quiet:
            start, sep, end = quiet.partition("-")
            if not (sep and start.isdigit() and end.isdigit() and 0 <= int(start) < 24 > int(end)):
                raise ConfigError(f"VIGIL_PUBLISH_QUIET_HOURS: expected like 22-7, got {quiet!r}")
            hours = (int(start), int(end))
        try:
            interval = float(env.get("VIGIL_REPORT_INTERVAL", "1.0"))
        except ValueError:
            raise ConfigError("VIGIL_REPORT_INTERVAL: not a number") from None
        d = cls()
        return cls(
            org_name=env.get("VIGIL_ORG_NAME") or d.org_name,
            public_url=(env.get("VIGIL_PUBLIC_URL") or d.public_url).rstrip("/"),
            notifier_name=env.get("VIGIL_NOTIFIER_NAME") or d.notifier_name,
            notifier_email=env.get("VIGIL_NOTIFIER_EMAIL") or d.notifier_email,
            max_entries=_env_int(env, "VIGIL_PUBLISH_MAX_ENTRIES", 25, 1, 1000),
            min_interval=_env_int(env, "VIGIL_PUBLISH_MIN_INTERVAL", 3600, 0, 30 * 86400),
            quiet_hours=hours,
            mastodon_url=(env.get("VIGIL_MASTODON_URL") or "").rstrip("/") or None,
            bluesky_url=(env.get("VIGIL_BLUESKY_URL") or d.bluesky_url).rstrip("/"),
            bluesky_labeler=env.get("VIGIL_BLUESKY_LABELER_DID") or d.bluesky_labeler,
            report_interval=max(0.0, interval),
            report_max_per_run=_env_int(env, "VIGIL_REPORT_MAX_PER_RUN", 100, 1, 100000),
            webhook_max_attempts=_env_int(env, "VIGIL_WEBHOOK_MAX_ATTEMPTS", 6, 1, 20),
            webhook_backoff=_env_int(env, "VIGIL_WEBHOOK_BACKOFF", 30, 0, 86400),
            url_check_private=env.get("VIGIL_URL_CHECK_PRIVATE", "") in {"1", "true", "yes"},
        )


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
    publish: PublishSettings = field(default_factory=PublishSettings)

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
            publish=PublishSettings.from_env(env),
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
