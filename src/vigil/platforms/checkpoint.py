"""A crawl's position, saved as JSON after every committed batch so a crawl can resume.

The file is replaced atomically (write, fsync, rename), so a crash leaves the previous
position intact. Batches are loaded idempotently, so redoing the one after it is harmless.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vigil.errors import InputError

__all__ = ["CHECKPOINT_VERSION", "Checkpoint", "Cursor", "crawl_key"]

log = logging.getLogger(__name__)

CHECKPOINT_VERSION = 1


def crawl_key(*parts: object) -> str:
    """A short stable digest naming one crawl (platform, server, seeds, depth...)."""
    text = json.dumps([str(p) for p in parts], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(slots=True)
class Cursor:
    """The account being expanded: which step, which page of it."""

    account: str
    depth: int
    step: int = 0
    cursor: str | None = None
    pages: int = 0


@dataclass(slots=True)
class Checkpoint:
    """Everything needed to go on: seeds left to resolve, the frontier, the current account."""

    key: str
    platform: str
    phase: str = "resolve"  # resolve | expand | done
    pending_ids: list[str] = field(default_factory=list)
    pending_handles: list[str] = field(default_factory=list)
    queue: list[tuple[str, int]] = field(default_factory=list)
    enqueued: list[str] = field(default_factory=list)
    current: Cursor | None = None
    expanded: int = 0
    batches: int = 0
    runs: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    disabled_steps: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["version"] = CHECKPOINT_VERSION
        data["queue"] = [list(item) for item in self.queue]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str) -> Checkpoint:
        if data.get("version") != CHECKPOINT_VERSION:
            raise InputError(
                f"checkpoint version {data.get('version')!r} is not {CHECKPOINT_VERSION}; "
                "start over with --restart",
                source=source,
            )
        try:
            current = data.get("current")
            return cls(
                key=str(data["key"]),
                platform=str(data["platform"]),
                phase=str(data["phase"]),
                pending_ids=[str(x) for x in data["pending_ids"]],
                pending_handles=[str(x) for x in data["pending_handles"]],
                queue=[(str(a), int(d)) for a, d in data["queue"]],
                enqueued=[str(x) for x in data["enqueued"]],
                current=Cursor(**current) if current else None,
                expanded=int(data["expanded"]),
                batches=int(data["batches"]),
                runs=int(data.get("runs", 0)),
                counts={str(k): int(v) for k, v in data["counts"].items()},
                disabled_steps=[str(x) for x in data.get("disabled_steps", [])],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"damaged checkpoint ({exc}); start over with --restart", source=source
            ) from exc

    def save(self, path: Path) -> None:
        """Replace the file atomically: a reader sees the old or the new state, never half."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(self.to_json(), out, separators=(",", ":"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Checkpoint | None:
        """The saved state, or None when there is none."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise InputError(
                f"cannot read the checkpoint: {exc.strerror}", source=str(path)
            ) from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"damaged checkpoint ({exc}); start over with --restart", source=str(path)
            ) from exc
        if not isinstance(data, dict):
            raise InputError("damaged checkpoint; start over with --restart", source=str(path))
        return cls.from_json(data, str(path))
