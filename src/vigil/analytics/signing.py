"""The organisation's Ed25519 signing key: created on first use under $VIGIL_HOME/keys/ (0600).

All key handling lives here so that `vigil keys` (rotation, export) can take it over whole.
The private key never leaves this module; reports carry the public key and a signature.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from vigil.errors import ConfigError

__all__ = [
    "KEY_FILE",
    "fingerprint",
    "load_or_create_key",
    "public_key_b64",
    "sign",
    "verify_signature",
]

log = logging.getLogger(__name__)

KEY_FILE = "organisation-ed25519.pem"


def _path(home: Path) -> Path:
    return home / "keys" / KEY_FILE


def load_or_create_key(home: Path) -> Ed25519PrivateKey:
    """The organisation's key, made (mode 0600, in a 0700 folder) if there is none yet."""
    path = _path(home)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_or_create_key(home)  # another process made it meanwhile
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        log.info(
            "created the organisation's signing key (fingerprint %s)", fingerprint(key.public_key())
        )
        return key
    if path.stat().st_mode & 0o077:
        raise ConfigError(f"{path} is readable by others: chmod 600 it")
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path} is not a PEM private key") from exc
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 key")
    return loaded


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
    return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()
