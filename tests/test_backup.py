"""`vigil backup` / `vigil restore`: archives restore whole, the audit chain verifies again,
even for a backup taken while another thread writes; tampered archives are refused."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import fresh_database_url
from tests.support.cli import CliResult, run_cli
from vigil.config import Settings
from vigil.model import AuditEvent
from vigil.store import Database, open_database, record, verify


def _use(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("VIGIL_HOME", str(settings.home))
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)


def _events(db: Database, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with db.transaction() as session:
            record(session, actor="test", action="test.write", subject=f"thing:{i}", payload={})


def _count(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _target(request: pytest.FixtureRequest, tmp_path: Path, dialect: str) -> Settings:
    folder = tmp_path / "target"
    url = fresh_database_url(request, folder, dialect)
    return Settings(home=folder / "home", database_url=url)


def _home_files(settings: Settings) -> None:
    (settings.home / "media" / "ab").mkdir(parents=True)
    (settings.home / "media" / "ab" / "abcdef.jpg").write_bytes(b"\xff\xd8image")
    keys = settings.home / "keys"
    keys.mkdir()
    (keys / "signing.key").write_bytes(b"encrypted-key")
    (keys / "signing.key").chmod(0o600)
    (keys / "master.key").write_bytes(b"the master key stays out of backups")


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    result = run_cli(capsys, *args)
    assert result.code == 0, result.err
    return result


def test_backup_and_restore_round_trip(
    request: pytest.FixtureRequest,
    db: Database,
    settings: Settings,
    dialect: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _events(db, 30)
    _home_files(settings)
    archive = tmp_path / "out" / "vigil-backup.tar.gz"
    _use(monkeypatch, settings)
    shown = json.loads(_cli(capsys, "backup", "--out", str(archive), "--format", "json").out)
    assert shown["dialect"] == dialect
    assert archive.stat().st_mode & 0o077 == 0  # the archive holds keys: owner only
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert "home/keys/signing.key" in manifest["files"]
    assert "home/keys/master.key" not in manifest["files"]
    assert len(manifest["files"]["home/media/ab/abcdef.jpg"]["sha256"]) == 64

    target = _target(request, tmp_path, dialect)
    _use(monkeypatch, target)
    _cli(capsys, "restore", str(archive))
    verified = _cli(capsys, "audit", "verify", "--format", "json")
    assert json.loads(verified.out)["ok"] is True
    restored = open_database(target)
    try:
        # 30 events, the backup's own event is after its snapshot, then the restore's
        assert _count(restored) == _count(db) - 1 + 1
        _events(restored, 2, start=100)  # ids go on after the restored rows (sequences)
        with restored.session() as session:
            assert verify(session).events == _count(restored)
    finally:
        restored.dispose()
    assert (target.home / "media" / "ab" / "abcdef.jpg").read_bytes() == b"\xff\xd8image"
    assert (target.home / "keys" / "signing.key").stat().st_mode & 0o777 == 0o600

    # the target now holds data: refused, then replaced with --force
    again = run_cli(capsys, "restore", str(archive))
    assert again.code == 5
    assert "--force" in again.err
    (target.home / "keys" / "master.key").write_bytes(b"the target's own master key")
    _cli(capsys, "restore", "--force", str(archive))
    _cli(capsys, "audit", "verify")
    assert (target.home / "keys" / "master.key").read_bytes() == b"the target's own master key"


@pytest.mark.slow
def test_backup_while_another_thread_writes(
    request: pytest.FixtureRequest, db: Database, settings: Settings, dialect: str, tmp_path: Path
) -> None:
    from vigil.store.backup import backup, restore

    _events(db, 5)
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        other = open_database(settings)
        try:
            i = 1000
            while not stop.is_set():
                _events(other, 1, start=i)
                written.append(i)
                i += 1
        finally:
            other.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        before = len(written)
        archive = tmp_path / "live.tar.gz"
        backup(db, settings, archive)
        during = len(written)
        while len(written) < during + 10:  # writes went on after the backup
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join()

    target = _target(request, tmp_path, dialect)
    restored = open_database(target)
    try:
        restore(restored, target, archive)
        with restored.session() as session:
            report = verify(session)
        # the snapshot holds a prefix of the chain: all events before the backup began
        assert report.events >= 5 + before
        assert report.events <= 5 + len(written) + 2
    finally:
        restored.dispose()


def _rewrite(archive: Path, out: Path, change: dict[str, bytes]) -> None:
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            data = change.pop(member.name, data)
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
        for name, data in change.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def test_tampered_archives_are_refused(
    request: pytest.FixtureRequest, db: Database, settings: Settings, tmp_path: Path
) -> None:
    from vigil.errors import InputError
    from vigil.store.backup import backup, restore

    _events(db, 3)
    _home_files(settings)
    archive = tmp_path / "good.tar.gz"
    backup(db, settings, archive)
    target = _target(request, tmp_path, db.dialect)
    restored = open_database(target)
    try:
        for i, change in enumerate(
            [
                {"home/media/ab/abcdef.jpg": b"swapped"},  # sha256 differs
                {"../../escape.txt": b"zip slip"},  # outside the target
                {"home/keys/extra.key": b"planted"},  # not in the manifest
            ]
        ):
            bad = tmp_path / f"bad-{i}.tar.gz"
            _rewrite(archive, bad, dict(change))
            with pytest.raises(InputError):
                restore(restored, target, bad)
        assert not (tmp_path / "escape.txt").exists()
        assert not (target.home / "media").exists()
        with pytest.raises(InputError):
            restore(restored, target, tmp_path / "bad-0.tar.gz")
        (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
        with pytest.raises(InputError):
            restore(restored, target, tmp_path / "junk.tar.gz")
    finally:
        restored.dispose()
