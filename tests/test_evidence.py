"""Evidence packages: every file hashed in the manifest, audit hashes from the live chain,
media copied, reviewers pseudonymous, no path can escape the package."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from tests.support.publish_world import listed_account, platform
from vigil.config import Settings
from vigil.errors import InputError, NotFoundError
from vigil.model import AuditEvent, Media, PostMedia
from vigil.publish.evidence import export_evidence, safe_member
from vigil.store import Database, record


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../b", "C:evil", "a\\b", "", "a//b"])
def test_unsafe_member_names_are_refused(name: str) -> None:
    with pytest.raises(InputError):
        safe_member(name)


def test_export_package(
    db: Database,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("VIGIL_HOME", str(settings.home))
    image = settings.media_dir / "ab" / "cd" / ("abcd" + "0" * 60 + ".png")
    image.parent.mkdir(parents=True)
    image.write_bytes(b"\x89PNG fake")
    with db.transaction() as session:
        x = platform(session, "x", "x")
        listed = listed_account(
            session, x, "77", "../../evil", posts=[("7001", "a"), ("7002", "b")]
        )
        good = Media(
            kind="photo",
            sha256="abcd" + "0" * 60,
            local_path=str(image.relative_to(settings.media_dir)),
        )
        outside = Media(kind="photo", sha256="ef" * 32, local_path="../../../etc/passwd")
        session.add_all([good, outside])
        session.flush()
        session.add_all(
            [
                PostMedia(post_id=listed.post_ids[0], media_id=good.id),
                PostMedia(post_id=listed.post_ids[1], media_id=outside.id),
            ]
        )
        record(
            session,
            actor="rev-alice",
            action="decision.confirm",
            subject=f"decision:{listed.decision_id}",
            payload={},
        )
        case_id = session.scalar(sa.text("select max(id) from review_case"))
    out = tmp_path / "pkg.zip"
    result = run_cli(
        capsys, "evidence", "export", str(case_id), "--out", str(out), "--format", "json"
    )
    assert result.code == 0, result.err
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        for f in manifest["files"]:
            assert hashlib.sha256(zf.read(f["name"])).hexdigest() == f["sha256"]
        decisions = json.loads(zf.read("decisions.json"))
        posts = json.loads(zf.read("posts.json"))
    assert {"account.json", "posts.json", "decisions.json", "signals.json", "reports.json"} <= names
    assert f"media/{'abcd' + '0' * 60}.png" in names
    assert all(not n.startswith(("/", "..")) and ".." not in n for n in names)
    assert [m["sha256"] for m in manifest["media_not_stored"]] == ["ef" * 32]
    assert [p["platform_post_id"] for p in posts] == ["7002", "7001"] or len(posts) == 2
    assert decisions["decisions"][0]["criterion"] == "C1"
    assert decisions["decisions"][0]["reviewer"].startswith("reviewer-")
    assert "rev-alice" not in json.dumps(decisions)
    with db.session() as session:
        chain = {e.seq: e.hash for e in session.scalars(sa.select(AuditEvent))}
        exported = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "evidence.export")
        ).one()
    assert manifest["audit_events"]
    assert all(chain[e["seq"]] == e["hash"] for e in manifest["audit_events"])
    assert (
        json.loads(exported.payload)["manifest_sha256"] == json.loads(result.out)["manifest_sha256"]
    )


def test_export_by_account_reference_with_colons(db: Database, tmp_path: Path) -> None:
    with db.transaction() as session:
        bsky = platform(session, "bluesky", "bluesky")
        listed_account(session, bsky, "did:plc:abc123", "someone.bsky.social")
        pkg = export_evidence(
            session, "bluesky:did:plc:abc123", tmp_path / "p.zip", media_dir=tmp_path, actor="t"
        )
        assert pkg.case_id is not None
        with pytest.raises(NotFoundError):
            export_evidence(
                session, "bluesky:did:plc:nope", tmp_path / "q.zip", media_dir=tmp_path, actor="t"
            )
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        assert json.loads(zf.read("account.json"))["platform_account_id"] == "did:plc:abc123"
