"""Seed accounts for a collection, read from a CSV file with an `account_id` or `username` column.

The world's ``seeds.csv`` (``platform,account_id,username,criterion``) is one such file; rows
naming another platform are left out, and an id is preferred to a handle when both are given.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from vigil.errors import InputError, NotFoundError

__all__ = ["Seed", "read_seeds"]


@dataclass(frozen=True, slots=True)
class Seed:
    """One seed account: by platform id, or by handle when the id is unknown."""

    account_id: str | None = None
    handle: str | None = None

    @property
    def key(self) -> str:
        return (
            f"id:{self.account_id}" if self.account_id else f"handle:{(self.handle or '').lower()}"
        )


def read_seeds(path: Path, platform: str) -> list[Seed]:
    """Seeds for `platform` (``x``, ``mastodon``...) in file order, without repeats."""
    if not path.is_file():
        raise NotFoundError(f"{path}: no such seeds file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the seeds file: {exc}", source=str(path)) from exc
    reader = csv.DictReader(text.splitlines())
    try:
        fieldnames, rows = reader.fieldnames, list(reader)
    except csv.Error as exc:  # e.g. a field beyond the csv module's size limit
        raise InputError(f"not CSV: {exc}", source=str(path), line=reader.line_num) from None
    columns = {c.strip().lower() for c in fieldnames or []}
    if not columns & {"account_id", "username"}:
        raise InputError("needs an account_id or a username column", source=str(path), line=1)
    seeds: dict[str, Seed] = {}
    other_platforms: set[str] = set()
    for line, row in enumerate(rows, start=2):
        if None in row:
            raise InputError("more fields than columns", source=str(path), line=line)
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        named = clean.get("platform", "")
        if named and named.split(":", 1)[0].lower() != platform:
            other_platforms.add(named)
            continue
        account_id = clean.get("account_id") or None
        handle = (clean.get("username") or "").lstrip("@") or None
        if account_id is None and handle is None:
            raise InputError(
                "neither account_id nor username is given", source=str(path), line=line
            )
        seed = Seed(account_id, None if account_id else handle)
        seeds.setdefault(seed.key, seed)
    if not seeds:
        hint = f" (it lists {', '.join(sorted(other_platforms))})" if other_platforms else ""
        raise InputError(f"no seeds for platform {platform}{hint}", source=str(path))
    return list(seeds.values())
