"""What an import did: progress while it runs, and a summary per file and for the run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from vigil.platforms.records import (
    AccountRecord,
    FollowRecord,
    MediaRecord,
    PostRecord,
    Record,
)

__all__ = ["FileSummary", "ImportProgress", "ImportSummary", "ProgressFn"]


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """Where an import is, for a progress display."""

    file: str
    bytes_done: int
    bytes_total: int
    lines: int
    records: int
    elapsed: float


ProgressFn = Callable[[ImportProgress], None]


@dataclass(slots=True)
class FileSummary:
    """One imported file: records parsed by kind, and what could not be used."""

    file: str
    sha256: str = ""
    bytes: int = 0
    lines: int = 0
    blank_lines: int = 0
    accounts: int = 0
    account_refs: int = 0
    posts: int = 0
    media: int = 0
    follows: int = 0
    statuses: int = 0
    observations: int = 0
    unresolved: int = 0
    quarantined: int = 0
    quarantine_file: str | None = None
    media_linked: int = 0
    media_rejected: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return (
            self.accounts
            + self.account_refs
            + self.posts
            + self.media
            + self.follows
            + self.statuses
        )

    def count(self, records: Sequence[Record]) -> None:
        for r in records:
            if isinstance(r, PostRecord):
                self.posts += 1
            elif isinstance(r, AccountRecord):
                if r.complete:
                    self.accounts += 1
                else:
                    self.account_refs += 1
            elif isinstance(r, MediaRecord):
                self.media += 1
            elif isinstance(r, FollowRecord):
                self.follows += 1
            else:
                self.statuses += 1

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["records"] = self.records
        out["seconds"] = round(self.seconds, 3)
        return out


@dataclass(slots=True)
class ImportSummary:
    """A whole import run."""

    platform: str
    files: list[FileSummary] = field(default_factory=list)
    references_resolved: int = 0

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        totals: dict[str, int] = {}
        for f in self.files:
            for key, value in f.to_dict().items():
                if isinstance(value, int) and not isinstance(value, bool):
                    totals[key] = totals.get(key, 0) + value
        return {
            "platform": self.platform,
            "files": [f.to_dict() for f in self.files],
            "totals": totals,
            "references_resolved": self.references_resolved,
        }
