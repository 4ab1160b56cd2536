"""The data every published figure is computed from: watched accounts and their observations.

It is what the transparency report exports (accounts.csv, observations.csv) and what
`vigil report verify` reads back, so a figure depends on nothing a reader cannot see. Keys
are pseudonyms; only listed accounts carry their public handle.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vigil.errors import InputError

__all__ = [
    "ACCOUNT_COLUMNS",
    "OBSERVATION_COLUMNS",
    "AccountRow",
    "Dataset",
    "ObservationRow",
    "read_dataset",
    "write_dataset",
]

LISTED = "listed"
CONTROL = "control"
LINKED = "linked"  # shares an identity with a listed account, not listed itself


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One account in the study: listed, control, or linked to a listed identity."""

    key: str
    platform: str
    cohort: str
    identity: str
    handle: str = ""
    listed_at: datetime | None = None
    criterion: str = ""
    reported_at: datetime | None = None
    index_at: datetime | None = None  # controls: the listing time of their match
    left_at: datetime | None = None  # controls: listed themselves at this time
    matched_to: str = ""
    routes: tuple[str, ...] = ()
    followers: int | None = None
    posts: int | None = None
    lang: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True, order=True)
class ObservationRow:
    """One status check: which account, what the platform said, when, how we learnt it."""

    key: str
    observed_at: datetime
    status: str
    source: str


@dataclass(slots=True)
class Dataset:
    accounts: list[AccountRow] = field(default_factory=list)
    observations: list[ObservationRow] = field(default_factory=list)

    def by_key(self) -> dict[str, AccountRow]:
        return {a.key: a for a in self.accounts}


ACCOUNT_COLUMNS = [f.name for f in fields(AccountRow)]
OBSERVATION_COLUMNS = ["key", "status", "observed_at", "source"]
_TIMES = {"listed_at", "reported_at", "index_at", "left_at", "created_at"}
_INTS = {"followers", "posts"}


def _time(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds") if value else ""


def _cell(name: str, value: Any) -> str:
    if name in _TIMES or isinstance(value, datetime):
        return _time(value)
    if name == "routes":
        return ";".join(value)
    return "" if value is None else str(value)


def accounts_csv(rows: Iterable[AccountRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACCOUNT_COLUMNS)
    for row in rows:
        writer.writerow([_cell(n, getattr(row, n)) for n in ACCOUNT_COLUMNS])
    return out.getvalue()


def observations_csv(rows: Iterable[ObservationRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OBSERVATION_COLUMNS)
    for o in rows:
        writer.writerow([o.key, o.status, _time(o.observed_at), o.source])
    return out.getvalue()


def write_dataset(ds: Dataset, out: Path) -> dict[str, str]:
    """Write accounts.csv and observations.csv under `out`; returns name -> text written."""
    texts = {
        "accounts.csv": accounts_csv(sorted(ds.accounts, key=lambda a: a.key)),
        "observations.csv": observations_csv(sorted(ds.observations)),
    }
    for name, text in texts.items():
        (out / name).write_text(text, encoding="utf-8")
    return texts


def _parse_time(path: Path, line: int, name: str, text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"not an ISO time: {text!r}", source=str(path), line=line, field=name
        ) from None
    if value.tzinfo is None:
        raise InputError("time without a zone", source=str(path), line=line, field=name)
    return value.astimezone(UTC)


def _rows(path: Path, columns: list[str]) -> Iterable[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from None
    with handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise InputError(f"expected the columns {','.join(columns)}", source=str(path), line=1)
        yield from enumerate(reader, start=2)


def read_dataset(directory: Path) -> Dataset:
    """Read back what `write_dataset` wrote (InputError with file, line, field when malformed)."""
    ds = Dataset()
    path = directory / "accounts.csv"
    for line, raw in _rows(path, ACCOUNT_COLUMNS):
        values: dict[str, Any] = {}
        for name in ACCOUNT_COLUMNS:
            text = raw.get(name) or ""
            if name in _TIMES:
                values[name] = _parse_time(path, line, name, text)
            elif name in _INTS:
                try:
                    values[name] = int(text) if text else None
                except ValueError:
                    raise InputError(
                        "not a whole number", source=str(path), line=line, field=name
                    ) from None
            elif name == "routes":
                values[name] = tuple(r for r in text.split(";") if r)
            else:
                values[name] = text
        ds.accounts.append(AccountRow(**values))
    path = directory / "observations.csv"
    for line, raw in _rows(path, OBSERVATION_COLUMNS):
        when = _parse_time(path, line, "observed_at", raw.get("observed_at") or "")
        if when is None:
            raise InputError("no time", source=str(path), line=line, field="observed_at")
        ds.observations.append(
            ObservationRow(raw["key"] or "", when, raw["status"] or "", raw["source"] or "")
        )
    return ds
