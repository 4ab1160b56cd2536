"""Backups of a running installation: the database, media store and keys in one checked archive.

SQLite is copied with the online backup API (one step: a consistent snapshot while others
write); PostgreSQL is exported table by table in one REPEATABLE READ, READ ONLY transaction
(no pg_dump of a matching version needed, and the export restores into either database).
The master key ($VIGIL_HOME/keys/master.key) is left out: back it up apart from archives.
The files under $VIGIL_HOME are copied after the database snapshot: media files are only ever
added, before the rows naming them, so every file the snapshot names is in the archive.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from vigil import __version__
from vigil.config import Settings
from vigil.errors import ConflictError, InputError, NotFoundError
from vigil.keys.master import DEFAULT_FILE
from vigil.store.audit import record
from vigil.store.database import Database
from vigil.store.migrations import current_revision, upgrade

__all__ = ["BackupInfo", "backup", "read_manifest", "restore"]

log = logging.getLogger(__name__)

FORMAT = "vigil-backup/1"
HOME_DIRS = ("media", "keys", "quarantine")
_BATCH = 1000
_VERSION_TABLE = "alembic_version"


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """What an archive holds, from its manifest."""

    path: Path
    created_at: str
    dialect: str
    method: str
    revision: str | None
    files: int
    bytes: int
    rows: dict[str, int]


# -- backup -----------------------------------------------------------------------------------


def backup(db: Database, settings: Settings, out: Path, *, actor: str = "system") -> BackupInfo:
    """Write a consistent archive of the store to `out` (0600); safe while others write."""
    out = out.resolve()
    if out.is_dir():
        raise InputError("is a directory; name the archive file", source=str(out))
    with tempfile.TemporaryDirectory(prefix="vigil-backup-") as scratch:
        stage = Path(scratch)
        (stage / "database").mkdir()
        revision = current_revision(db)
        rows: dict[str, int] = {}
        if db.dialect == "sqlite":
            method = "sqlite-online-backup"
            _sqlite_snapshot(db, stage / "database" / "vigil.db")
        else:
            method = "repeatable-read-export"
            rows = _export_tables(db, stage / "database")
        for name in HOME_DIRS:  # after the snapshot: see the module docstring
            source = settings.home / name
            if source.is_dir():
                shutil.copytree(
                    source,
                    stage / "home" / name,
                    symlinks=True,
                    # The master key never travels with what it encrypts: kept apart.
                    ignore=shutil.ignore_patterns(DEFAULT_FILE) if name == "keys" else None,
                )
        files = _hash_tree(stage)
        manifest = {
            "format": FORMAT,
            "vigil_version": __version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "dialect": db.dialect,
            "method": method,
            "revision": revision,
            "rows": rows,
            "files": files,
        }
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
        _write_archive(stage, out)
    digest = _sha256_file(out)
    with db.transaction() as session:
        record(
            session,
            actor=actor,
            action="store.backup",
            subject=f"backup:{out.name}",
            payload={"sha256": digest, "method": method, "revision": revision},
        )
    log.info("backup written to %s (%s files)", out, len(files))
    return _info(out, manifest)


def _sqlite_snapshot(db: Database, target: Path) -> None:
    """The whole file in one step of the backup API: a snapshot no writer can tear."""
    source_path = db.engine.url.database
    if not source_path or not Path(source_path).exists():
        raise NotFoundError(f"no SQLite database at {source_path}")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest, pages=-1)
    finally:
        dest.close()
        source.close()


def _export_tables(db: Database, folder: Path) -> dict[str, int]:
    """Every table as JSON lines, all read in one snapshot of the database."""
    counts: dict[str, int] = {}
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            meta = sa.MetaData()
            meta.reflect(conn)
            for table in meta.sorted_tables:
                counts[table.name] = _export_table(conn, table, folder / f"{table.name}.jsonl")
    return counts


def _export_table(conn: Connection, table: sa.Table, path: Path) -> int:
    n = 0
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(
        sa.select(table).order_by(*order)
    )
    with path.open("w", encoding="utf-8") as stream:
        stream.write(json.dumps({"columns": list(result.keys())}) + "\n")
        for row in result:
            stream.write(json.dumps([_encode(v) for v in row], ensure_ascii=False) + "\n")
            n += 1
    return n


def _encode(value: Any) -> Any:
    """A column value as JSON; non-JSON types (and JSON columns' objects) as a tagged object."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, dict | list):
        return {"$json": value}
    return str(value)  # e.g. UUID


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    ((tag, inner),) = value.items()
    if tag == "$dt":
        return datetime.fromisoformat(inner)
    if tag == "$date":
        return date.fromisoformat(inner)
    if tag == "$time":
        return time.fromisoformat(inner)
    if tag == "$b64":
        return base64.b64decode(inner)
    if tag == "$dec":
        return Decimal(inner)
    if tag == "$json":
        return inner
    raise InputError(f"unknown value tag {tag!r} in the export")


def _hash_tree(stage: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(stage.rglob("*")):
        if path.is_symlink():
            raise InputError("symbolic links are not backed up", source=str(path))
        if path.is_file():
            name = path.relative_to(stage).as_posix()
            files[name] = {"sha256": _sha256_file(path), "bytes": path.stat().st_size}
    return files


def _write_archive(stage: Path, out: Path) -> None:
    """The archive is written aside and renamed: a reader never sees half of one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(stage / "manifest.json", arcname="manifest.json")
            for path in sorted(stage.rglob("*")):
                name = path.relative_to(stage).as_posix()
                if path.is_file() and name != "manifest.json":
                    tar.add(path, arcname=name)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _info(path: Path, manifest: dict[str, Any]) -> BackupInfo:
    files = manifest.get("files") or {}
    return BackupInfo(
        path=path,
        created_at=str(manifest.get("created_at")),
        dialect=str(manifest.get("dialect")),
        method=str(manifest.get("method")),
        revision=manifest.get("revision"),
        files=len(files),
        bytes=sum(int(f.get("bytes", 0)) for f in files.values()),
        rows=dict(manifest.get("rows") or {}),
    )


# -- restore ----------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of an archive (InputError when it is not a Vigil backup)."""
    if not archive.is_file():
        raise NotFoundError(f"{archive}: no such backup file")
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise InputError("the manifest is not a file", source=str(archive))
            manifest = json.loads(member.read())
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a Vigil backup: {exc}", source=str(archive)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"not a {FORMAT} archive", source=str(archive))
    return manifest


def restore(
    db: Database, settings: Settings, archive: Path, *, force: bool = False, actor: str = "system"
) -> BackupInfo:
    """Put an archive back: refuses a target that holds data unless `force` (then replaces it).

    Every file is checked against the manifest's sha256 before anything is changed.
    """
    manifest = read_manifest(archive)
    settings.home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".vigil-restore-", dir=settings.home) as scratch:
        stage = Path(scratch)
        _extract_checked(archive, manifest, stage)
        held = _what_target_holds(db, settings)
        if held and not force:
            raise ConflictError(
                f"the target is not empty ({', '.join(held)}): restore with --force to replace it"
            )
        if manifest["method"] == "sqlite-online-backup":
            _restore_sqlite_file(db, stage / "database" / "vigil.db", force=force)
        else:
            _restore_export(db, manifest, stage / "database", force=force)
        for name in HOME_DIRS:
            target = settings.home / name
            restored = stage / "home" / name
            master = target / DEFAULT_FILE
            if name == "keys" and master.is_file():  # this installation's: never replaced
                restored.mkdir(parents=True, exist_ok=True)
                os.replace(master, restored / DEFAULT_FILE)
            if target.exists():
                shutil.rmtree(target)
            if restored.is_dir():
                os.replace(restored, target)
    upgrade(db)  # a backup of an older version comes up to this version's schema
    with db.transaction() as session:
        record(
            session,
            actor=actor,
            action="store.restore",
            subject=f"backup:{archive.name}",
            payload={
                "sha256": _sha256_file(archive),
                "created_at": manifest.get("created_at"),
                "revision": manifest.get("revision"),
                "forced": force,
            },
        )
    return _info(archive, manifest)


def _extract_checked(archive: Path, manifest: dict[str, Any], stage: Path) -> None:
    """Extract regular files named in the manifest only, each checked against its sha256."""
    expected: dict[str, Any] = dict(manifest.get("files") or {})
    seen: set[str] = set()
    with tarfile.open(archive, mode="r:gz") as tar:
        for member in tar:
            name = member.name
            if name == "manifest.json":
                continue
            parts = Path(name).parts
            if not member.isfile() or name.startswith("/") or ".." in parts or name not in expected:
                raise InputError(f"unexpected member {name!r}", source=str(archive))
            target = stage / name
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is None:
                raise InputError(f"cannot read member {name!r}", source=str(archive))
            digest = _copy_hashing(source, target, member.mode & 0o700)
            if digest != expected[name].get("sha256"):
                raise InputError(f"{name}: sha256 does not match the manifest", source=str(archive))
            seen.add(name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise InputError(f"missing from the archive: {', '.join(missing[:5])}", source=str(archive))


def _copy_hashing(source: IO[bytes], target: Path, mode: int) -> str:
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode or 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _what_target_holds(db: Database, settings: Settings) -> list[str]:
    held = [f"{name}/" for name in HOME_DIRS if _has_files(settings.home / name)]
    meta = sa.MetaData()
    with db.engine.connect() as conn:
        meta.reflect(conn)
        for table in meta.sorted_tables:
            if table.name in (_VERSION_TABLE, "audit_head"):
                continue
            if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                held.append(f"table {table.name}")
                break
    return held


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def _restore_sqlite_file(db: Database, snapshot: Path, *, force: bool) -> None:
    if db.dialect != "sqlite":
        raise InputError(
            "this backup is a SQLite file: restore it into SQLite (VIGIL_DATABASE_URL unset)"
        )
    target = Path(db.engine.url.database or "")
    db.engine.dispose()  # no pooled connection may keep the old file open
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(snapshot, target)


def _restore_export(db: Database, manifest: dict[str, Any], folder: Path, *, force: bool) -> None:
    """Schema at the backup's revision, then every table's rows in dependency order."""
    if force:
        meta = sa.MetaData()
        with db.engine.begin() as conn:
            meta.reflect(conn)
            meta.drop_all(conn)
    revision = manifest.get("revision")
    if revision:
        upgrade(db, revision)
    meta = sa.MetaData()
    with db.engine.begin() as conn:
        meta.reflect(conn)
        for table in meta.sorted_tables:
            if table.name == _VERSION_TABLE:
                continue
            conn.execute(table.delete())  # rows migrations seed (the audit head) come back
            path = folder / f"{table.name}.jsonl"
            if path.exists():
                _load_table(conn, table, path)
        if db.dialect == "postgresql":
            _reset_sequences(conn, meta)


def _load_table(conn: Connection, table: sa.Table, path: Path) -> None:
    with path.open(encoding="utf-8") as stream:
        columns = json.loads(stream.readline())["columns"]
        batch: list[dict[str, Any]] = []
        for line in stream:
            batch.append(dict(zip(columns, map(_decode, json.loads(line)), strict=True)))
            if len(batch) >= _BATCH:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)


def _reset_sequences(conn: Connection, meta: sa.MetaData) -> None:
    """Serial ids continue after the restored rows, not from 1."""
    for table in meta.sorted_tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            top = conn.execute(sa.select(sa.func.max(column))).scalar()
            sequence = sa.func.pg_get_serial_sequence(f'"{table.name}"', column.name)
            conn.execute(sa.select(sa.func.setval(sequence, top or 1, top is not None)))
