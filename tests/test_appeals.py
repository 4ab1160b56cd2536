"""Appeals: filed by anyone about a listed account, followed by reference, decided by a lead."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from tests.support.review_store import build
from vigil.config import Settings
from vigil.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from vigil.model import AuditEvent, Case, ListEntry
from vigil.review.appeals import appeal_status, decide_appeal, file_appeal, list_appeals
from vigil.review.decisions import decide, decision_history
from vigil.store import Database

TWO = Settings(confirmations_required=2)


def _listed(db: Database, handle: str = "target") -> None:
    for who in ("ana", "bob"):
        decide(
            db, f"x:@{handle}", action="confirm", user=who, criterion="recruitment", settings=TWO
        )


def test_an_upheld_appeal_delists_and_retracts(db: Database) -> None:
    store = build(db)
    target = store.accounts["target"]
    _listed(db)
    reference = file_appeal(
        db, "x:@target", text="This is my cousin's account, hacked.", contact="cousin@example.org"
    )
    assert re.fullmatch(r"APL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", reference)
    status = appeal_status(db, reference.lower())
    assert status.public_dict() == {
        "reference": reference,
        "status": "open",
        "filed_at": status.filed_at.isoformat(),
        "decided_at": None,
    }
    assert [a.reference for a in list_appeals(db, status="open")] == [reference]
    with pytest.raises(PermissionDeniedError):
        decide_appeal(db, reference, uphold=True, user="ana", note="looks right")
    with pytest.raises(InputError):
        decide_appeal(db, reference, uphold=True, user="lea", note="")
    decided = decide_appeal(db, reference, uphold=True, user="lea", note="account recovered")
    assert (decided.status, decided.decided_by, decided.decision_note) == (
        "upheld",
        "lea",
        "account recovered",
    )
    assert "decided_by" not in decided.public_dict()
    assert "lea" not in json.dumps(decided.public_dict())
    with db.session() as s:
        [entry] = s.scalars(sa.select(ListEntry).where(ListEntry.account_id == target)).all()
        cases = s.scalars(sa.select(Case).where(Case.account_id == target).order_by(Case.id)).all()
        actions = list(s.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert (entry.status, entry.retraction_reason) == ("retracted", f"appeal {reference} upheld")
    history = decision_history(db, target)
    assert [d.action for d in history] == ["confirm", "confirm", "delist"]
    assert entry.retraction_decision_id == history[-1].id
    assert history[-1].supersedes_id == history[-2].id
    assert [(c.source, c.status, c.resolution) for c in cases] == [
        ("review", "closed", "confirm"),
        ("appeal", "closed", "delist"),
    ]
    assert actions[-4:] == ["appeal.file", "decision.delist", "list.retract", "appeal.decide"]
    with pytest.raises(ConflictError):
        decide_appeal(db, reference, uphold=False, user="lea", note="again")


def test_a_rejected_appeal_keeps_the_listing(db: Database) -> None:
    store = build(db)
    _listed(db)
    reference = file_appeal(db, store.accounts["target"], text="Not a supporter.")
    decided = decide_appeal(db, reference, uphold=False, user="adm", note="releases posted daily")
    assert decided.status == "rejected"
    with db.session() as s:
        entry = s.scalars(sa.select(ListEntry)).one()
        case = s.scalars(sa.select(Case).where(Case.source == "appeal")).one()
    assert entry.status == "active"
    assert (case.status, case.resolution) == ("closed", "appeal_rejected")
    assert list_appeals(db, status="open") == []
    assert [a.status for a in list_appeals(db)] == ["rejected"]


def test_appeals_only_about_listed_accounts_and_with_a_text(db: Database) -> None:
    build(db, "target", "free")
    with pytest.raises(NotFoundError, match="not on the blacklist"):
        file_appeal(db, "x:@free", text="please")
    _listed(db)
    with pytest.raises(InputError, match="text"):
        file_appeal(db, "x:@target", text="  ")
    with pytest.raises(InputError):
        file_appeal(db, "x:@target", text="x" * 5001)
    with pytest.raises(NotFoundError):
        appeal_status(db, "APL-0000-0000")
    with pytest.raises(InputError):
        list_appeals(db, status="maybe")
