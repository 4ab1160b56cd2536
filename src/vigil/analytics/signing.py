"""The organisation's Ed25519 signing key: encrypted at rest under $VIGIL_HOME/keys/ (0600),
rotatable, with every public key it ever had kept in the published key history.

The private key never leaves this module; reports carry the public key and a signature.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from vigil.errors import ConfigError
from vigil.keys.history import PublishedKey, load_history, write_history
from vigil.keys.master import MasterKey, load_master_key, private_file, write_private

__all__ = [
    "KEY_FILE",
    "Rotation",
    "fingerprint",
    "load_or_create_key",
    "public_key_b64",
    "rotate_key",
    "sign",
    "verify_signature",
]

log = logging.getLogger(__name__)

KEY_FILE = "organisation-ed25519.pem"
_PURPOSE = "vigil signing key v1"


@dataclass(frozen=True, slots=True)
class Rotation:
    old_fingerprint: str
    new_fingerprint: str
    at: str


def _path(home: Path) -> Path:
    return home / "keys" / KEY_FILE


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _pem(key: Ed25519PrivateKey, master: MasterKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(master.password(_PURPOSE)),
    )


def _remember(home: Path, public: Ed25519PublicKey, since: str) -> None:
    """Add the key to the published history unless it is there already."""
    history = load_history(home)
    b64 = public_key_b64(public)
    if any(k.public_key == b64 for k in history):
        return
    closed = [
        k if k.valid_until else PublishedKey(k.public_key, k.fingerprint, k.valid_from, since)
        for k in history
    ]
    write_history(home, [*closed, PublishedKey(b64, fingerprint(public), since)])


def _load(home: Path, master: MasterKey) -> Ed25519PrivateKey:
    path = _path(home)
    data = private_file(path, "signing key")
    legacy = b"ENCRYPTED" not in data.split(b"\n", 1)[0]
    try:
        loaded = serialization.load_pem_private_key(
            data, password=None if legacy else master.password(_PURPOSE)
        )
    except (ValueError, TypeError):
        raise ConfigError(
            f"{path}: cannot decrypt the signing key (wrong master key, or not a PEM key)"
        ) from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 key")
    if legacy:
        # Keys written before encryption at rest: encrypt them in place on first use.
        since = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        write_private(path, _pem(loaded, master))
        _remember(home, loaded.public_key(), since)
        log.info(
            "encrypted the signing key at rest (fingerprint %s)", fingerprint(loaded.public_key())
        )
    return loaded


def load_or_create_key(home: Path, environ: Mapping[str, str] | None = None) -> Ed25519PrivateKey:
    """The organisation's key, made (encrypted, mode 0600, in a 0700 folder) if there is none."""
    master = load_master_key(home, environ)
    path = _path(home)
    if path.exists():
        return _load(home, master)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load(home, master)  # another process made it meanwhile
    with os.fdopen(fd, "wb") as fh:
        fh.write(_pem(key, master))
    _remember(home, key.public_key(), _now())
    log.info(
        "created the organisation's signing key (fingerprint %s)", fingerprint(key.public_key())
    )
    return key


def rotate_key(home: Path, environ: Mapping[str, str] | None = None) -> Rotation:
    """Replace the signing key; the old public key stays in the history, valid until now."""
    old = load_or_create_key(home, environ)
    master = load_master_key(home, environ)
    new = Ed25519PrivateKey.generate()
    at = _now()
    # History first: a crash before the key is replaced leaves the old key current and the new
    # one published but unused, which a later rotation closes; never a key missing from it.
    _remember(home, new.public_key(), at)
    write_private(_path(home), _pem(new, master))
    result = Rotation(fingerprint(old.public_key()), fingerprint(new.public_key()), at)
    log.info("rotated the signing key: %s -> %s", result.old_fingerprint, result.new_fingerprint)
    return result


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(public: Ed25519PublicKey) -> str:
    return base64.b64encode(_raw(public)).decode("ascii")


def fingerprint(public: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex: what an organisation publishes out of band."""
    return hashlib.sha256(_raw(public)).hexdigest()


def sign(key: Ed25519PrivateKey, data: bytes) -> str:
    return base64.b64encode(key.sign(data)).decode("ascii")


def verify_signature(public_b64: str, signature_b64: str, data: bytes) -> bool:
    """True when `signature_b64` is the key's signature of `data`."""
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64, validate=True))
        public.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def fingerprint_b64(public_b64: str) -> str:
    try:
        return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()
    except ValueError:
        return ""
