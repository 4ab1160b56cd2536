"""The one error hierarchy of Vigil.

Third-party errors are translated into these at the boundary; the CLI maps each class
to an exit code and one line on stderr, the web layer to an HTTP status.
"""

from __future__ import annotations

__all__ = [
    "AuditIntegrityError",
    "ConfigError",
    "ConflictError",
    "InputError",
    "MigrationError",
    "NotFoundError",
    "PermissionDeniedError",
    "PlatformError",
    "RateLimitedError",
    "StoreError",
    "VigilError",
]


class VigilError(Exception):
    """Base of every error Vigil raises on purpose; `exit_code` is what the CLI returns."""

    exit_code: int = 1
    http_status: int = 500


class ConfigError(VigilError):
    """Settings are missing or invalid (environment, files, flags)."""

    exit_code = 78  # EX_CONFIG
    http_status = 500


class InputError(VigilError):
    """Bad input from outside: a file, a line, a field. The message names where."""

    exit_code = 65  # EX_DATAERR
    http_status = 422

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.field = field
        where = ":".join(str(p) for p in (source, line) if p is not None)
        if field:
            where = f"{where} field {field!r}" if where else f"field {field!r}"
        super().__init__(f"{where}: {message}" if where else message)


class NotFoundError(VigilError):
    """A named thing (account, case, user, file) does not exist."""

    exit_code = 4
    http_status = 404


class ConflictError(VigilError):
    """The request contradicts stored state (duplicate, wrong order of steps)."""

    exit_code = 5
    http_status = 409


class PermissionDeniedError(VigilError):
    """The actor's role does not allow the action."""

    exit_code = 77  # EX_NOPERM
    http_status = 403


class StoreError(VigilError):
    """The database cannot be reached or used."""

    exit_code = 10
    http_status = 503


class MigrationError(StoreError):
    """The schema is missing, newer than this code, or failed to migrate."""

    exit_code = 11


class AuditIntegrityError(VigilError):
    """The audit chain does not verify; `seq` names the first event that fails."""

    exit_code = 3
    http_status = 500

    def __init__(self, message: str, *, seq: int | None = None) -> None:
        self.seq = seq
        super().__init__(message)


class PlatformError(VigilError):
    """A platform API answered with an error we cannot handle."""

    exit_code = 20
    http_status = 502


class RateLimitedError(PlatformError):
    """A platform refused for rate limits; `reset_at` is when to retry (epoch seconds)."""

    exit_code = 21

    def __init__(self, message: str, *, reset_at: float | None = None) -> None:
        self.reset_at = reset_at
        super().__init__(message)
