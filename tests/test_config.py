"""Settings from the environment, and secrets kept out of what is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.config import Settings
from vigil.errors import ConfigError


def test_defaults_put_sqlite_under_dot_vigil() -> None:
    settings = Settings.from_env({})
    assert settings.home == Path(".vigil")
    assert settings.effective_database_url == "sqlite:///.vigil/vigil.db"
    assert settings.media_dir == Path(".vigil/media")


def test_environment_overrides() -> None:
    settings = Settings.from_env(
        {
            "VIGIL_HOME": "/srv/vigil",
            "VIGIL_DATABASE_URL": "postgresql+psycopg://u:p@h/db",
            "VIGIL_LOG_LEVEL": "info",
        }
    )
    assert settings.home == Path("/srv/vigil")
    assert settings.effective_database_url == "postgresql+psycopg://u:p@h/db"
    assert settings.log_level == "INFO"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://vigil:s3cr@t@db:5432/v", "postgresql+psycopg://vigil:***@db:5432/v"),
        ("postgresql+psycopg://vigil@db/v", "postgresql+psycopg://vigil:***@db/v"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_redaction_never_shows_a_password(url: str, shown: str) -> None:
    assert Settings(database_url=url).redacted_database_url() == shown


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VIGIL_DATABASE_URL": "oracle://x"}, "unsupported database 'oracle'"),
        ({"VIGIL_LOG_LEVEL": "LOUD"}, "unknown level 'LOUD'"),
    ],
)
def test_invalid_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    assert message in str(info.value)
    assert str(info.value).startswith(next(iter(env)))
