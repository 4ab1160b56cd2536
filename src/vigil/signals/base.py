"""The signal plugin contract: a stable name and version, and a pure function of stored data.

A plugin reads the store through the `ScanContext` it is given and returns `SignalResult`s,
each with a human-readable explanation and the ids of the posts and media behind it.
Counter-signals (journalist, parody...) say so with `counter = True`; scoring lowers the
score for them and the reviewer sees them as such.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from vigil.config import Settings

__all__ = ["ScanContext", "SignalPlugin", "SignalResult"]


@dataclass(frozen=True, slots=True)
class SignalResult:
    """One piece of evidence about one account.

    `value` is the plugin's own measure (documented by the plugin, usually 0..1);
    `evidence` names what supports it: ``{"posts": [ids], "media": [ids], ...}``.
    """

    account_id: int
    value: float
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ScanContext:
    """What a plugin may read: the store (one session), settings, and what to look at.

    `accounts` is the set of account ids whose data changed since the last scan (None: all);
    `confirmed` holds the accounts on the blacklist and the seeds, which proximity signals
    start from; `now` is the scan's reference time.
    """

    session: Session
    settings: Settings
    now: datetime
    accounts: Sequence[int] | None = None
    confirmed: frozenset[int] = frozenset()
    options: dict[str, Any] = field(default_factory=dict)


class SignalPlugin(ABC):
    """A signal: subclass, set `name`, `version` and `description`, implement `compute`."""

    name: ClassVar[str]
    version: ClassVar[str]
    description: ClassVar[str]
    counter: ClassVar[bool] = False

    @abstractmethod
    def compute(self, ctx: ScanContext) -> Iterable[SignalResult]:
        """Evidence for the accounts in `ctx.accounts` (all when None); nothing else."""
