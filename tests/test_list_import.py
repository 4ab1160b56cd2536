"""List import: an earlier list of confirmed accounts becomes blacklist entries, once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from tests.support.signal_store import Builder
from vigil.config import Settings
from vigil.errors import InputError
from vigil.model import Account, AccountHandle, AuditEvent, ListEntry
from vigil.review.seeds import import_list
from vigil.store import Database, verify

LIST = (
    "platform,account_id,username,criterion\n"
    "x,a-alice,,prior_list\n"  # by platform id
    "x,,BOB,prior_list\n"  # by handle, case-insensitive
    "x,,old_carol,prior_list\n"  # by an earlier handle
    "x,999,ghost,prior_list\n"  # unknown: placeholder with its id
    "x,,nobody,prior_list\n"  # unknown, handle only
)


def test_import_matches_by_id_and_handle_and_is_idempotent(db: Database, tmp_path: Path) -> None:
    with db.transaction() as s:
        b = Builder(s)
        b.accounts("alice", "bob", "carol", "dave")
        s.add(AccountHandle(account_id=b.ids["carol"], handle="old_carol"))
        ids = dict(b.ids)
    path = tmp_path / "seeds.csv"
    path.write_text(LIST, encoding="utf-8")
    with db.transaction() as s:
        first = import_list(s, path, source="ctrlsec-2015")
    assert (first.rows, first.added, first.already_listed, first.placeholders) == (5, 5, 0, 2)
    with db.transaction() as s:
        again = import_list(s, path, source="ctrlsec-2015")
    assert (again.added, again.already_listed, again.placeholders) == (0, 5, 0)
    with db.session() as s:
        entries = s.scalars(sa.select(ListEntry)).all()
        listed = {e.account_id for e in entries}
        ghost = s.scalars(sa.select(Account).where(Account.platform_account_id == "999")).one()
        nobody = s.scalars(sa.select(Account).where(Account.handle == "nobody")).one()
        events = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "list.import")).all()
        assert verify(s).events >= 2
    assert len(entries) == 5
    assert {(e.kind, e.status, e.source, e.criterion) for e in entries} == {
        ("black", "active", "ctrlsec-2015", "prior_list")
    }
    assert listed == {ids["alice"], ids["bob"], ids["carol"], ghost.id, nobody.id}
    assert ids["dave"] not in listed
    assert ghost.handle == "ghost"
    assert nobody.platform_account_id == "@nobody"
    assert len(events) == 2
    payloads = [json.loads(e.payload) for e in events]
    assert payloads[0]["sha256"] == payloads[1]["sha256"]
    assert len(payloads[0]["sha256"]) == 64
    assert (payloads[0]["added"], payloads[1]["added"]) == (5, 0)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("platform,account_id,username\nx,1,a\n", "line.csv:1 field 'criterion'"),
        (
            "platform,account_id,username,criterion\nx,1,a,c\nx,2,b,\n",
            "line.csv:3 field 'criterion'",
        ),
        ("platform,account_id,username,criterion\n,1,a,c\n", "line.csv:2 field 'platform'"),
        ("platform,account_id,criterion\nx,1," + "c" * 33 + "\n", "line.csv:2 field 'criterion'"),
        ("platform,account_id,username,criterion\nx,,,c\n", "line.csv:2 field 'account_id'"),
    ],
)
def test_bad_lines_name_file_line_and_field(
    db: Database, tmp_path: Path, text: str, where: str
) -> None:
    path = tmp_path / "line.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info, db.transaction() as s:
        import_list(s, path, source="t")
    assert where in str(info.value)
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ListEntry)) == 0


def test_cli_list_import(
    capsys: pytest.CaptureFixture[str], settings: Settings, db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "seeds.csv"
    path.write_text(LIST, encoding="utf-8")
    env = pytest.MonkeyPatch()
    env.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    home = ["--home", str(settings.home)]
    try:
        r = run_cli(capsys, *home, "list", "import", str(path), "--source", "s", "-f", "json")
        assert r.code == 0, r.err
        assert json.loads(r.out)["added"] == 5
        r = run_cli(capsys, *home, "list", "import", str(path), "--source", "s")
        assert r.code == 0, r.err
        assert "0 added, 5 already listed" in r.out
        (tmp_path / "bad.csv").write_text("platform,account_id,criterion\nx,1,\n")
        r = run_cli(capsys, *home, "list", "import", str(tmp_path / "bad.csv"), "--source", "s")
        assert r.code == 65
        assert "bad.csv:2 field 'criterion'" in r.err
        assert r.err.count("\n") == 1
    finally:
        env.undo()
