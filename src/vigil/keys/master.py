"""The master key that encrypts every secret at rest: VIGIL_MASTER_KEY, VIGIL_MASTER_KEY_FILE,
or a random one made once under $VIGIL_HOME/keys/master.key; files must be mode 0600.

The key's text never appears in a log line, an error message or a repr.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from vigil.errors import ConfigError

__all__ = ["MIN_LENGTH", "MasterKey", "load_master_key", "private_file", "write_private"]

log = logging.getLogger(__name__)

MIN_LENGTH = 32  # characters: `openssl rand -base64 32` gives 44
DEFAULT_FILE = "master.key"


@dataclass(frozen=True, slots=True)
class MasterKey:
    """32 bytes derived from the master secret, and where the secret came from."""

    key: bytes = field(repr=False)
    source: str  # "VIGIL_MASTER_KEY", "VIGIL_MASTER_KEY_FILE" or "file"
    path: Path | None = None

    def derive(self, purpose: str) -> bytes:
        """A separate 32-byte key per purpose, so that one use cannot be turned on another."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        return hkdf.derive(self.key)

    def password(self, purpose: str) -> bytes:
        """The derived key as text, for formats that take a password (encrypted PKCS#8)."""
        return base64.urlsafe_b64encode(self.derive(purpose))


def private_file(path: Path, what: str) -> bytes:
    """The bytes of a secret file, refused if group or others may read or write it."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot read it ({exc.strerror})") from None
    if mode & 0o077:
        raise ConfigError(f"{what} {path} has mode {mode:04o}: chmod 600 it")
    return path.read_bytes()


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` with mode 0600 from the start, replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _checked(secret: str, what: str) -> bytes:
    text = secret.strip()
    if len(text) < MIN_LENGTH:
        # Say how long it is, never what it is.
        raise ConfigError(f"{what} is too short ({len(text)} characters, need {MIN_LENGTH})")
    return text.encode("utf-8")


def load_master_key(home: Path, environ: Mapping[str, str] | None = None) -> MasterKey:
    """The master key from the environment, a 0600 file, or the one made under `home`."""
    env = os.environ if environ is None else environ
    if env.get("VIGIL_MASTER_KEY"):
        return MasterKey(_checked(env["VIGIL_MASTER_KEY"], "VIGIL_MASTER_KEY"), "VIGIL_MASTER_KEY")
    if env.get("VIGIL_MASTER_KEY_FILE"):
        path = Path(env["VIGIL_MASTER_KEY_FILE"])
        data = private_file(path, "VIGIL_MASTER_KEY_FILE")
        text = data.decode("utf-8", "replace").splitlines()[0] if data.strip() else ""
        return MasterKey(_checked(text, "VIGIL_MASTER_KEY_FILE"), "VIGIL_MASTER_KEY_FILE", path)
    path = home / "keys" / DEFAULT_FILE
    if not path.exists():
        # A master key beside what it protects guards against copies of the store, not of
        # the whole home; `vigil keys status` says so and names the variables to move it.
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_master_key(home, env)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(32) + "\n")
        log.info("created a master key file under %s", path.parent)
    data = private_file(path, "master key file")
    text = data.decode("utf-8", "replace").splitlines()[0] if data.strip() else ""
    return MasterKey(_checked(text, "master key file"), "file", path)
