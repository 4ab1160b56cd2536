"""Platform tokens (X bearer, Mastodon, Bluesky app password) encrypted with AES-256-GCM.

Stored in $VIGIL_HOME/keys/tokens.json (0600); the platform name is the associated data, so a
ciphertext moved to another platform's slot fails to decrypt. The environment variable, when
set, still wins: `resolve_token` reads it first, then the store.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vigil.errors import ConfigError, InputError
from vigil.keys.master import MasterKey, load_master_key, private_file, write_private

__all__ = ["FORMAT", "TOKENS_FILE", "read_token", "resolve_token", "store_token", "token_names"]

log = logging.getLogger(__name__)

FORMAT = "vigil-tokens/1"
TOKENS_FILE = "tokens.json"
_PURPOSE = "vigil tokens v1"
MAX_TOKEN = 8192


def _path(home: Path) -> Path:
    return home / "keys" / TOKENS_FILE


def _load(home: Path) -> dict[str, Any]:
    path = _path(home)
    if not path.exists():
        return {"format": FORMAT, "tokens": {}}
    try:
        data = json.loads(private_file(path, "token store"))
    except ValueError:
        raise ConfigError(f"token store {path} is not JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"token store {path} is not a {FORMAT} file")
    if not isinstance(data.get("tokens"), dict):
        raise ConfigError(f"token store {path} has no tokens table")
    return data


def token_names(home: Path) -> dict[str, str]:
    """Platform → when its token was set (never the token)."""
    tokens: dict[str, Any] = _load(home)["tokens"]
    return {name: str(entry.get("set_at", "")) for name, entry in sorted(tokens.items())}


def store_token(home: Path, platform: str, token: str, *, master: MasterKey | None = None) -> None:
    """Encrypt and keep `token` for `platform`, replacing any earlier one."""
    token = token.strip()
    if not token or len(token) > MAX_TOKEN or "\n" in token:
        raise InputError("a token is one non-empty line", field="token")
    key = master or load_master_key(home)
    data = _load(home)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key.derive(_PURPOSE)).encrypt(nonce, token.encode(), platform.encode())
    data["tokens"][platform] = {
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "ciphertext": base64.b64encode(sealed).decode("ascii"),
        "set_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_private(_path(home), json.dumps(data, indent=1, sort_keys=True).encode() + b"\n")
    log.info("stored the %s token (encrypted)", platform)


def read_token(home: Path, platform: str, *, master: MasterKey | None = None) -> str | None:
    """The decrypted token for `platform`, or None when none is stored."""
    entry = _load(home)["tokens"].get(platform)
    if entry is None:
        return None
    key = master or load_master_key(home)
    try:
        nonce = base64.b64decode(entry["nonce"], validate=True)
        sealed = base64.b64decode(entry["ciphertext"], validate=True)
        plain = AESGCM(key.derive(_PURPOSE)).decrypt(nonce, sealed, platform.encode())
    except (InvalidTag, KeyError, ValueError, TypeError):
        # Wrong master key or a tampered file: neither is worth echoing.
        raise ConfigError(
            f"cannot decrypt the stored {platform} token: wrong master key or damaged store"
        ) from None
    return plain.decode("utf-8")


def resolve_token(
    home: Path, platform: str, env_name: str, environ: Mapping[str, str] | None = None
) -> str | None:
    """The token from `env_name` when set, else the one in the store, else None."""
    env = os.environ if environ is None else environ
    if env_name and env.get(env_name):
        return env[env_name]
    if not _path(home).exists():
        return None
    return read_token(home, platform, master=load_master_key(home, env))
