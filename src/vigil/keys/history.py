"""The organisation's published signing keys, each with its validity period.

$VIGIL_HOME/keys/published-keys.json holds public keys only: it is what `vigil keys
export-public` prints and what `vigil report verify --key-history` trusts, so reports signed
before a rotation still verify against the key that was valid when they were signed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vigil.errors import InputError

__all__ = [
    "FORMAT",
    "HISTORY_FILE",
    "PublishedKey",
    "load_history",
    "parse_history",
    "write_history",
]

FORMAT = "vigil-published-keys/1"
HISTORY_FILE = "published-keys.json"


@dataclass(frozen=True, slots=True)
class PublishedKey:
    public_key: str  # base64 of the raw 32-byte Ed25519 key
    fingerprint: str
    valid_from: str  # ISO 8601, UTC
    valid_until: str | None = None  # None while the key is current

    def covers(self, when: str) -> bool:
        """True when an instant (ISO 8601) falls inside this key's validity."""
        try:
            moment = datetime.fromisoformat(when)
            start = datetime.fromisoformat(self.valid_from)
            end = datetime.fromisoformat(self.valid_until) if self.valid_until else None
        except (TypeError, ValueError):
            return False
        return start <= moment and (end is None or moment <= end)

    def to_dict(self) -> dict[str, Any]:
        return {
            "public_key": self.public_key,
            "fingerprint": self.fingerprint,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }


def history_path(home: Path) -> Path:
    return home / "keys" / HISTORY_FILE


def parse_history(data: Any, source: str) -> list[PublishedKey]:
    """The keys of an exported history document; InputError names what is wrong."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"not a {FORMAT} document", source=source)
    keys = data.get("keys")
    if not isinstance(keys, list):
        raise InputError("no list of keys", source=source, field="keys")
    out = []
    for i, item in enumerate(keys):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("public_key", "fingerprint", "valid_from")
        ):
            raise InputError(
                "a key needs public_key, fingerprint, valid_from", source=source, field=f"keys[{i}]"
            )
        until = item.get("valid_until")
        out.append(
            PublishedKey(
                item["public_key"],
                item["fingerprint"],
                item["valid_from"],
                until if isinstance(until, str) else None,
            )
        )
    return out


def read_history_file(path: Path) -> list[PublishedKey]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the key history: {exc.strerror}", source=str(path)) from None
    try:
        data = json.loads(text)
    except ValueError:
        raise InputError("not JSON", source=str(path)) from None
    return parse_history(data, str(path))


def load_history(home: Path) -> list[PublishedKey]:
    """The organisation's key history, oldest first (empty before the first key)."""
    path = history_path(home)
    return read_history_file(path) if path.exists() else []


def history_document(keys: list[PublishedKey], org: str = "") -> dict[str, Any]:
    return {"format": FORMAT, "organisation": org, "keys": [k.to_dict() for k in keys]}


def write_history(home: Path, keys: list[PublishedKey]) -> None:
    path = history_path(home)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(history_document(keys), indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
