"""Path traversal and archive slips: media routes by hash only and never out of the store
(encoded dots, symlinks, a poisoned stored path), evidence package member names, and
`vigil restore` refusing tar members that climb out ("zip-slip"; Vigil has no evidence import)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web.world import World
from vigil.config import Settings
from vigil.errors import InputError
from vigil.model import Media, Post, PostMedia
from vigil.publish.evidence import export_evidence, safe_member
from vigil.store import Database

SECRET = b"\x89PNG\r\n\x1a\n not for reviewers"

TRAVERSALS = [
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "%252e%252e%252fetc%252fpasswd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "{sha}/../../../etc/passwd",
    "{sha}%00.png",
    "{SHA}",
    "{sha}0",
]


@pytest.mark.parametrize("attempt", TRAVERSALS)
def test_media_route_takes_a_hash_and_nothing_else(
    attempt: str, signed_in: Callable[[str], TestClient], world: World
) -> None:
    c = signed_in("vic")
    url = "/media/" + attempt.format(sha=world.media_sha, SHA=world.media_sha.upper())
    r = c.get(url, follow_redirects=False)
    assert r.status_code in {404, 422}, (url, r.status_code)
    assert b"root:" not in r.content
    assert c.get(f"/media/{world.media_sha}").status_code == 200  # the control


def test_a_poisoned_stored_path_or_symlink_never_leaves_the_store(
    signed_in: Callable[[str], TestClient], db: Database, settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(SECRET)
    sha = hashlib.sha256(SECRET).hexdigest()
    link_sha = "c" * 64
    link = settings.media_dir / "cc" / "cc" / f"{link_sha}.png"
    link.parent.mkdir(parents=True)
    os.symlink(outside, link)
    with db.transaction() as s:
        s.add(Media(kind="photo", sha256=sha, local_path=f"../../{outside.name}"))
        s.add(Media(kind="photo", sha256=sha, local_path=str(outside)))
        s.add(Media(kind="photo", sha256=link_sha, local_path=f"cc/cc/{link_sha}.png"))
    c = signed_in("ada")
    for digest in (sha, link_sha):
        r = c.get(f"/media/{digest}")
        assert r.status_code == 404
        assert SECRET not in r.content


@pytest.mark.parametrize(
    "name",
    ["../x", "a/../../x", "/etc/passwd", "C:\\x", "C:x", "a//b", "a\\b", "x\x00.png", "", "./../x"],
)
def test_evidence_member_names_cannot_escape(name: str) -> None:
    with pytest.raises(InputError):
        safe_member(name)


def test_an_evidence_package_holds_only_safe_names(
    db: Database, settings: Settings, world: World, tmp_path: Path
) -> None:
    """Hostile media rows (a climbing stored path, a URL full of dots) stay out of the zip."""
    outside = tmp_path / "secret.png"
    outside.write_bytes(SECRET)
    with db.transaction() as s:
        post = s.get(Post, world.post)
        assert post is not None
        evil = Media(
            kind="photo",
            url="https://x.example/../../../../etc/passwd",
            sha256="d" * 64,
            local_path="../../../secret.png",
        )
        s.add(evil)
        s.flush()
        s.add(PostMedia(post_id=post.id, media_id=evil.id))
    out = tmp_path / "pkg.zip"
    with db.transaction() as s:
        account_ref = f"x:{s.scalar(sa.select(sa.literal('1001')))}"
        export_evidence(s, account_ref, out, media_dir=settings.media_dir, actor="test")
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        everything = b"".join(zf.read(n) for n in names)
    assert names
    for n in names:
        assert safe_member(n) == n
        assert not n.startswith("/")
    assert f"media/{world.media_sha}.png" in names
    assert SECRET not in everything


def _tar(tmp_path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes]) -> Path:
    from vigil.store.backup import FORMAT

    files = {m.name: {"sha256": hashlib.sha256(data.get(m.name, b"")).hexdigest()} for m in members}
    manifest = json.dumps(
        {"format": FORMAT, "method": "sqlite-online-backup", "files": files}
    ).encode()
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
        for m in members:
            body = data.get(m.name)
            tar.addfile(m, io.BytesIO(body) if body is not None else None)
    return path


def _file(name: str, body: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = len(body)
    return info


def _link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.mark.parametrize(
    "member",
    [
        "slip",
        "absolute",
        "symlink",
        "hardlink",
    ],
)
def test_restore_refuses_members_that_climb_out(
    member: str, tmp_path: Path, settings: Settings, db: Database
) -> None:
    from vigil.store.backup import restore

    body = b"pwned"
    target = tmp_path / "pwned.txt"
    members = {
        "slip": _file("home/media/../../../pwned.txt", body),
        "absolute": _file(str(target), body),
        "symlink": _link("home/keys/x", str(target), tarfile.SYMTYPE),
        "hardlink": _link("home/keys/y", str(target), tarfile.LNKTYPE),
    }
    info = members[member]
    archive = _tar(tmp_path, [info], {info.name: body} if info.isfile() else {})
    with pytest.raises(InputError, match=r"unexpected member|not a Vigil backup"):
        restore(db, settings, archive, force=True)
    assert not target.exists()
    assert not any(p.name == "pwned.txt" for p in settings.home.rglob("*"))
