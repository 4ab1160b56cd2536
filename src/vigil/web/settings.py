"""Settings of the web workbench: the core settings plus cookies, sessions and throttles.

The signing secret comes from VIGIL_WEB_SECRET, else a random one kept under VIGIL_HOME
(mode 0600), so sessions and public-form challenges survive a restart.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vigil.config import Settings
from vigil.errors import ConfigError

__all__ = ["WebSettings"]

_SECRET_FILE = "web-secret"  # noqa: S105 (a file name, not a secret)


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}: not a number: {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name}: must be positive, got {raw!r}")
    return value


def _home_secret(home: Path) -> bytes:
    path = home / _SECRET_FILE
    try:
        if path.exists():
            return bytes.fromhex(path.read_text(encoding="ascii").strip())
        home.mkdir(parents=True, exist_ok=True)
        value = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(value.hex())
        return value
    except (OSError, ValueError) as exc:
        raise ConfigError(f"web secret {path}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class WebSettings:
    """What `create_app` needs; `core` is the installation's `Settings`."""

    core: Settings
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    secure_cookies: bool = False
    session_hours: float = 12.0
    login_window_minutes: float = 15.0
    login_max_failures_per_user: int = 5
    login_max_failures_per_address: int = 20
    public_max_per_hour: int = 5
    # Leading zero bits a public form's proof of work needs (None: VIGIL_POW_DIFFICULTY).
    pow_difficulty: int | None = None

    @classmethod
    def from_settings(cls, core: Settings, environ: Mapping[str, str] | None = None) -> WebSettings:
        env = os.environ if environ is None else environ
        raw_secret = env.get("VIGIL_WEB_SECRET")
        secret = raw_secret.encode("utf-8") if raw_secret else _home_secret(core.home)
        if len(secret) < 16:
            raise ConfigError("VIGIL_WEB_SECRET: use at least 16 characters")
        return cls(
            core=core,
            secret=secret,
            secure_cookies=_flag(env.get("VIGIL_WEB_SECURE_COOKIES"), False),
            session_hours=_number(env, "VIGIL_WEB_SESSION_HOURS", 12.0),
            public_max_per_hour=int(_number(env, "VIGIL_WEB_PUBLIC_PER_HOUR", 5)),
        )
