"""The publishing commands end to end: list show/export in every format (the hash list
round-trips through `vigil bank import`), publish, plan, webhooks, DSA Art. 22 report."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from tests.support.publish_world import listed_account, platform
from vigil.config import Settings
from vigil.model import Media, PostMedia
from vigil.store import Database


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "home"))
    for name in ("VIGIL_MASTODON_TOKEN", "VIGIL_BLUESKY_HANDLE", "VIGIL_BLUESKY_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


def _seed(db: Database) -> None:
    with db.transaction() as session:
        x = platform(session, "x", "x")
        a = listed_account(session, x, "11", "=cmd|evil", posts=[("101", "see https://mega.nz/f")])
        listed_account(session, x, "12", "\u202eevil", posts=[("102", "t")])
        listed_account(session, x, "13", "mistaken")
        media = Media(kind="photo", sha256="ab" * 32, pdq="f" * 64, pdq_quality=90)
        session.add(media)
        session.flush()
        session.add(PostMedia(post_id=a.post_ids[0], media_id=media.id))


def test_list_exports_and_publish(
    db: Database, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(db)
    shown = run_cli(capsys, "list", "show", "--format", "json")
    assert shown.code == 0, shown.err
    rows = json.loads(shown.out)
    assert len(rows) == 3
    assert "\u202e" not in shown.out
    exported = run_cli(capsys, "list", "export", "--format", "csv")
    assert exported.code == 0
    first = next(csv.DictReader(io.StringIO(exported.out)))
    assert first["handle"] == "'=cmd|evil"  # no spreadsheet formula
    stix = json.loads(run_cli(capsys, "list", "export", "--format", "stix").out)
    assert stix["type"] == "bundle"
    hashes = env.parent / "hashes.csv"
    assert run_cli(capsys, "list", "export", "--format", "hashes", "--out", str(hashes)).code == 0
    imported = run_cli(capsys, "bank", "import", "listed", str(hashes), "--format", "json")
    assert imported.code == 0, imported.err
    assert json.loads(imported.out)["new_hashes"] == 1

    out = run_cli(capsys, "publish", "--channel", "feed", "--format", "json")
    assert out.code == 0, out.err
    assert json.loads(out.out)["installments"] == [
        {"number": 1, "kind": "installment", "entries": 3}
    ]
    again = run_cli(capsys, "publish", "--format", "json")
    assert json.loads(again.out)["mastodon"] == {"skipped": "no credentials"}
    assert json.loads(again.out)["reports"]["notices"] == 3
    assert len(list((env / "notices" / "accounts").glob("*.eml"))) == 3
    plan = json.loads(run_cli(capsys, "publish", "plan", "--format", "json").out)
    assert plan["pending_listings"] == 0
    atom = run_cli(capsys, "list", "export", "--format", "atom").out
    assert len(feedparser.parse(atom).entries) == 3

    added = run_cli(
        capsys, "publish", "webhook", "add", "https://hooks.example/v", "--format", "json"
    )
    assert added.code == 0
    assert len(json.loads(added.out)["secret"]) > 30
    listed = json.loads(run_cli(capsys, "publish", "webhook", "list", "--format", "json").out)
    assert listed[0]["url"] == "https://hooks.example/v"

    this_year = datetime.now(UTC).year  # the notices were written just now
    art22 = run_cli(capsys, "report", "dsa-art22", "--year", str(this_year))
    assert art22.code == 0, art22.err
    report = json.loads(art22.out)
    assert report["year"] == this_year
    assert report["notices"] == 3
    assert report["by_hosting_provider"] == {"X": 3}
    assert "evil" not in art22.out
    assert "mistaken" not in art22.out
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Media)) == 1
