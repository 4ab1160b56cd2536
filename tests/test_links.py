"""`vigil links` and the queue's `linked_to`: JSON shape, order, filters, hostile handles."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from tests.test_signals_resurgence import _store
from vigil.config import Settings
from vigil.model import Account
from vigil.model.detection import AccountLink
from vigil.scoring.links import list_links
from vigil.scoring.queue import review_queue
from vigil.store import Database

EVIL = "[red]x[/red]\u202eevil"


def test_links_command_and_queue_linked_to(
    capsys: pytest.CaptureFixture[str], settings: Settings, db: Database
) -> None:
    ids = _store(db)
    with db.transaction() as s:
        s.execute(sa.update(Account).where(Account.id == ids["imad_kurdi"]).values(handle=EVIL))
    env = pytest.MonkeyPatch()
    env.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    home = ["--home", str(settings.home)]
    try:
        assert run_cli(capsys, *home, "scan", "--format", "json").code == 0
        r = run_cli(capsys, *home, "links", "--format", "json")
        assert r.code == 0, r.err
        [row] = json.loads(r.out)
        assert set(row) >= {"new_account", "prior_account", "confidence", "evidence"}
        assert row["new_account"] == {
            "platform": "x",
            "account_id": "a-imad_kurdi7",
            "username": "imad_kurdi7",
        }
        assert row["prior_account"]["username"] == EVIL  # JSON carries the data as it is
        assert row["confidence"] > 0.9
        assert row["evidence"]["features"]["name"] == 1.0
        assert row["status"] == "proposed"

        r = run_cli(capsys, *home, "links", "--min-confidence", "0.999", "--format", "json")
        assert json.loads(r.out) == [] or json.loads(r.out)[0]["confidence"] >= 0.999

        r = run_cli(capsys, *home, "links")
        assert r.code == 0, r.err
        assert "[red]x[/red]" in r.out
        assert "\u202e" not in r.out
        assert "resurgence links (1)" in r.out

        r = run_cli(capsys, *home, "queue", "--all", "--format", "json")
        items = {q["account_id"]: q for q in json.loads(r.out)}
        [linked] = items["a-imad_kurdi7"]["linked_to"]
        assert linked["account_id"] == "a-imad_kurdi"
        assert linked["confidence"] == row["confidence"]
        assert items["a-imad_kurdi"]["linked_to"] == []
        assert any(s["name"] == "resurgence" for s in items["a-imad_kurdi7"]["signals"])

        r = run_cli(capsys, *home, "queue", "--all")
        assert "linked to suspended @" in r.out
        assert "\u202e" not in r.out
    finally:
        env.undo()

    # Rejected links leave the list and the queue unless asked for.
    with db.transaction() as s:
        s.execute(sa.update(AccountLink).values(status="rejected"))
    with db.session() as s:
        assert list_links(s) == []
        assert [x.status for x in list_links(s, include_rejected=True)] == ["rejected"]
        queue = review_queue(s, limit=None, everything=True)
    assert all(item.linked_to == [] for item in queue)
