"""Importing an earlier list of confirmed accounts (``platform,account_id,username,criterion``)
as active blacklist entries, idempotently, with one audit event per import."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.errors import InputError, NotFoundError
from vigil.model import Account, AccountHandle, ListEntry, ListKind, ListStatus, Platform, utcnow
from vigil.store import record

__all__ = ["ListImport", "ListRow", "import_list", "read_list"]

REQUIRED = ("platform", "criterion")


@dataclass(frozen=True, slots=True)
class ListRow:
    line: int
    platform: str
    account_id: str | None
    username: str | None
    criterion: str


@dataclass(slots=True)
class ListImport:
    """Counts of one import: rows read, entries added, accounts already listed, placeholders."""

    file: str
    sha256: str
    source: str
    rows: int = 0
    added: int = 0
    already_listed: int = 0
    placeholders: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "source": self.source,
            "rows": self.rows,
            "added": self.added,
            "already_listed": self.already_listed,
            "placeholders": self.placeholders,
        }


def read_list(path: Path) -> tuple[list[ListRow], str]:
    """The file's rows and its sha256; InputError naming file, line and field on a bad line."""
    if not path.is_file():
        raise NotFoundError(f"{path}: no such list file")
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the list: {exc}", source=str(path)) from exc
    reader = csv.DictReader(text.splitlines())
    try:
        fieldnames, raws = reader.fieldnames, list(reader)
    except csv.Error as exc:  # e.g. a field beyond the csv module's size limit
        raise InputError(f"not CSV: {exc}", source=str(path), line=reader.line_num) from None
    columns = {(c or "").strip().lower() for c in fieldnames or []}
    for col in REQUIRED:
        if col not in columns:
            raise InputError("missing column", source=str(path), line=1, field=col)
    if not columns & {"account_id", "username"}:
        raise InputError("needs an account_id or a username column", source=str(path), line=1)
    rows: list[ListRow] = []
    for line, raw in enumerate(raws, start=2):
        if None in raw:
            raise InputError("more fields than columns", source=str(path), line=line)
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        for col in REQUIRED:
            if not row.get(col):
                raise InputError("empty", source=str(path), line=line, field=col)
        if len(row["criterion"]) > 32:
            raise InputError(
                "longer than 32 characters", source=str(path), line=line, field="criterion"
            )
        account_id = row.get("account_id") or None
        username = (row.get("username") or "").lstrip("@") or None
        if account_id is None and username is None:
            raise InputError(
                "empty (and so is username)", source=str(path), line=line, field="account_id"
            )
        rows.append(ListRow(line, row["platform"], account_id, username, row["criterion"]))
    return rows, hashlib.sha256(data).hexdigest()


def _platform(session: Session, name: str) -> int:
    found = session.scalar(sa.select(Platform.id).where(Platform.name == name))
    if found is not None:
        return int(found)
    platform = Platform(name=name, kind=name.split(":", 1)[0])
    session.add(platform)
    session.flush()
    return platform.id


def _find(session: Session, platform_id: int, row: ListRow) -> int | None:
    if row.account_id:
        found = session.scalar(
            sa.select(Account.id).where(
                Account.platform_id == platform_id, Account.platform_account_id == row.account_id
            )
        )
        if found is not None:
            return int(found)
    if row.username:
        handle = row.username.lower()
        current = sa.select(Account.id).where(
            Account.platform_id == platform_id, sa.func.lower(Account.handle) == handle
        )
        found = session.scalar(current.order_by(Account.id).limit(1))
        if found is None:
            earlier = (
                sa.select(Account.id)
                .join(AccountHandle, AccountHandle.account_id == Account.id)
                .where(
                    Account.platform_id == platform_id,
                    sa.func.lower(AccountHandle.handle) == handle,
                )
            )
            found = session.scalar(earlier.order_by(AccountHandle.last_seen.desc()).limit(1))
        if found is not None:
            return int(found)
    return None


def import_list(session: Session, path: Path, *, source: str, actor: str = "cli") -> ListImport:
    """Add an active black ListEntry (source, criterion) for each listed account.

    Accounts are matched by platform id, else by handle (current or earlier); an unknown
    account gets a placeholder Account so the entry is kept until collection fills it in.
    An account already on the blacklist is left as it is, so the same file twice adds nothing.
    """
    if not source.strip() or len(source) > 100:
        raise InputError("a list source is 1 to 100 characters", field="source")
    rows, digest = read_list(path)
    result = ListImport(file=path.name, sha256=digest, source=source, rows=len(rows))
    listed = set(
        session.scalars(
            sa.select(ListEntry.account_id).where(
                ListEntry.kind == ListKind.BLACK, ListEntry.status == ListStatus.ACTIVE
            )
        )
    )
    platforms: dict[str, int] = {}
    now = utcnow()
    for row in rows:
        if row.platform not in platforms:
            platforms[row.platform] = _platform(session, row.platform)
        platform_id = platforms[row.platform]
        account_id = _find(session, platform_id, row)
        if account_id is None:
            # Without a platform id the handle stands in for it, marked so it cannot
            # collide with a real id.
            account = Account(
                platform_id=platform_id,
                platform_account_id=row.account_id or f"@{row.username}",
                handle=row.username or row.account_id or "",
                first_seen=now,
                last_seen=now,
            )
            session.add(account)
            session.flush()
            account_id = account.id
            result.placeholders += 1
        if account_id in listed:
            result.already_listed += 1
            continue
        session.add(
            ListEntry(
                account_id=account_id,
                kind=ListKind.BLACK,
                status=ListStatus.ACTIVE,
                criterion=row.criterion,
                source=source,
                added_at=now,
            )
        )
        listed.add(account_id)
        result.added += 1
    session.flush()
    record(
        session,
        actor=actor,
        action="list.import",
        subject=f"list:{source}",
        payload=result.to_dict(),
    )
    return result
