"""Decisions: two-person rule, overrides, roles, supersede chain, retractions, audit events."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.review_store import build
from vigil.config import Settings
from vigil.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from vigil.model import AuditEvent, Case, Decision, ListEntry
from vigil.review.decisions import DecisionOutcome, decide, decision_history, pending_first_decision
from vigil.review.policy import load_policy
from vigil.store import Database, verify

TWO = Settings(confirmations_required=2)


def _entries(db: Database, account_id: int) -> list[ListEntry]:
    with db.session() as s:
        return list(
            s.scalars(
                sa.select(ListEntry)
                .where(ListEntry.account_id == account_id)
                .order_by(ListEntry.id)
            )
        )


def _confirm(db: Database, who: str, ref: str = "x:@target", **kw: Any) -> DecisionOutcome:
    return decide(
        db, ref, action="confirm", user=who, criterion="official_media", settings=TWO, **kw
    )


def test_two_different_reviewers_list_an_account(db: Database) -> None:
    store = build(db)
    target = store.accounts["target"]
    first = decide(
        db,
        "x:@target",
        action="confirm",
        user="ana",
        criterion="official_media",
        note="release in post",
        evidence=[f"post:{store.posts['target']}", f"match:{store.matches['target']}"],
        settings=TWO,
    )
    assert (first.listed, first.needs_second, first.case_status) == (False, True, "pending_second")
    assert _entries(db, target) == []
    pending = pending_first_decision(db, target)
    assert pending is not None
    assert (pending.username, pending.criterion, pending.note) == (
        "ana",
        "official_media",
        "release in post",
    )
    assert pending.evidence["posts"] == [store.posts["target"]]
    with pytest.raises(ConflictError, match="different reviewer"):
        _confirm(db, "ana")
    second = decide(
        db, "x:id-target", action="confirm", user="bob", criterion="official_media", settings=TWO
    )
    assert (second.listed, second.needs_second, second.case_status) == (True, False, "closed")
    assert second.case_id == first.case_id
    [entry] = _entries(db, target)
    assert (entry.kind, entry.status, entry.criterion, entry.decision_id) == (
        "black",
        "active",
        "official_media",
        second.decision_id,
    )
    assert pending_first_decision(db, target) is None
    history = decision_history(db, target)
    assert [(d.action, d.username) for d in history] == [("confirm", "ana"), ("confirm", "bob")]
    # With no evidence cited, the account's signals stand in for it.
    assert history[1].evidence == {"posts": [], "media_matches": [], "signals": ["media"]}
    assert {d.policy_version for d in history} == {load_policy().version}
    with pytest.raises(ConflictError, match="already listed"):
        _confirm(db, "cy")


def test_required_confirmations_are_configurable(db: Database) -> None:
    build(db)
    three = replace(TWO, confirmations_required=3)
    for who, listed in (("ana", False), ("bob", False), ("cy", True)):
        out = decide(
            db, "x:@target", action="confirm", user=who, criterion="recruitment", settings=three
        )
        assert out.listed is listed
    assert Settings.from_env({"VIGIL_CONFIRMATIONS_REQUIRED": "1"}).confirmations_required == 1
    one = replace(TWO, confirmations_required=1)
    build_more = decide(
        db, "x:@target", action="reject", user="lea", note="second look", settings=one
    )
    assert build_more.case_status == "closed"


def test_override_needs_a_lead_and_a_note(db: Database) -> None:
    store = build(db)
    with pytest.raises(PermissionDeniedError):
        _confirm(db, "ana", override=True, note="urgent")
    with pytest.raises(InputError, match="note"):
        _confirm(db, "lea", override=True)
    out = _confirm(db, "lea", override=True, note="official outlet, confirmed by two sources")
    assert out.listed
    [decision] = decision_history(db, store.accounts["target"])
    assert (decision.action, decision.role) == ("override", "lead")


def test_viewers_and_disabled_users_cannot_decide(db: Database) -> None:
    build(db)
    with pytest.raises(PermissionDeniedError):
        _confirm(db, "vic")
    from vigil.review.users import disable_user

    disable_user(db, "bob")
    with pytest.raises(PermissionDeniedError):
        _confirm(db, "bob")
    with pytest.raises(NotFoundError):
        _confirm(db, "nobody")


def test_bad_requests_are_refused(db: Database) -> None:
    store = build(db, "target", "other")
    with pytest.raises(InputError, match="criterion"):
        decide(db, "x:@target", action="confirm", user="ana", settings=TWO)
    with pytest.raises(InputError, match="unknown criterion"):
        decide(db, "x:@target", action="confirm", user="ana", criterion="vibes", settings=TWO)
    with pytest.raises(InputError, match="provenance"):
        decide(db, "x:@target", action="confirm", user="ana", criterion="prior_list", settings=TWO)
    with pytest.raises(InputError, match="action"):
        decide(db, "x:@target", action="delete", user="ana", settings=TWO)
    with pytest.raises(InputError, match="not a post of this account"):
        _confirm(db, "ana", evidence=[f"post:{store.posts['other']}"])
    with pytest.raises(InputError, match="not a match"):
        _confirm(db, "ana", evidence=[f"match:{store.matches['other']}"])
    with pytest.raises(InputError, match="signal"):
        _confirm(db, "ana", evidence=["signal:telepathy"])
    with pytest.raises(NotFoundError):
        _confirm(db, "ana", ref="x:@ghost")
    with pytest.raises(InputError, match="type"):
        decide(db, "x:@target", action="whitelist", user="ana", note="reporter", settings=TWO)
    with pytest.raises(InputError, match="escalation"):
        decide(db, "x:@target", action="escalate", user="ana", settings=TWO)
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count(Decision.id))) == 0


def test_disagreement_escalates_and_a_lead_decides(db: Database) -> None:
    store = build(db)
    target = store.accounts["target"]
    _confirm(db, "ana")
    out = decide(db, "x:@target", action="reject", user="bob", note="parody", settings=TWO)
    assert (out.case_status, out.listed) == ("escalated", False)
    with pytest.raises(PermissionDeniedError, match="escalated"):
        _confirm(db, "cy")
    final = _confirm(db, "lea")
    assert final.listed
    history = decision_history(db, target)
    assert [d.action for d in history] == ["confirm", "reject", "confirm"]
    # Each decision supersedes the one before; nothing is overwritten.
    assert [d.supersedes_id for d in history] == [None, history[0].id, history[1].id]


def test_undoing_a_listing_needs_a_lead_and_retracts(db: Database) -> None:
    store = build(db)
    target = store.accounts["target"]
    _confirm(db, "ana")
    _confirm(db, "bob")
    with pytest.raises(PermissionDeniedError, match="lead"):
        decide(db, "x:@target", action="reject", user="cy", note="wrong", settings=TWO)
    out = decide(db, "x:@target", action="reject", user="lea", note="misread", settings=TWO)
    assert not out.listed
    [entry] = _entries(db, target)
    assert (entry.status, entry.retraction_reason) == ("retracted", "rejected on review")
    assert entry.retracted_at is not None
    assert entry.retraction_decision_id == out.decision_id
    # Listing again opens a new case and a new entry; the retracted one stays.
    _confirm(db, "ana")
    _confirm(db, "cy")
    assert [e.status for e in _entries(db, target)] == ["retracted", "active"]
    with db.session() as s:
        cases = s.scalars(sa.select(Case).where(Case.account_id == target).order_by(Case.id)).all()
    assert [c.resolution for c in cases] == ["confirm", "reject", "confirm"]
    assert {c.status for c in cases} == {"closed"}


def test_an_imported_entry_is_adopted_by_its_confirmation(db: Database) -> None:
    store = build(db)
    target = store.accounts["target"]
    with db.transaction() as s:
        s.add(ListEntry(account_id=target, kind="black", criterion="prior_list", source="ctrl"))
    _confirm(db, "ana")
    out = _confirm(db, "bob")
    [entry] = _entries(db, target)
    assert (entry.status, entry.criterion, entry.decision_id) == (
        "active",
        "prior_list",
        out.decision_id,
    )


def test_every_decision_is_audited(db: Database) -> None:
    build(db)
    _confirm(db, "ana", note="first")
    _confirm(db, "bob")
    decide(db, "x:@target", action="reject", user="lea", note="appeal evidence", settings=TWO)
    with db.session() as s:
        events = s.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action.notlike("user.%"))
            .order_by(AuditEvent.seq)
        ).all()
        assert verify(s).events >= len(events)
    assert [e.action for e in events] == [
        "decision.confirm",
        "decision.confirm",
        "list.add",
        "decision.reject",
        "list.retract",
    ]
    first = json.loads(events[0].payload)
    assert events[0].actor == "user:ana"
    assert first["criterion"] == "official_media"
    assert first["note"] == "first"
    assert first["policy_version"] == load_policy().version
    assert first["listed"] is False


def test_hostile_input_is_refused_before_the_database(db: Database) -> None:
    """NUL bytes and ids beyond 64 bits must not reach PostgreSQL as errors."""
    from vigil.review.appeals import appeal_status, file_appeal
    from vigil.review.tips import submit_tip
    from vigil.review.users import authenticate, get_user

    build(db)
    huge = "9" * 30
    with pytest.raises(NotFoundError):
        _confirm(db, "ana", ref=huge)
    with pytest.raises(NotFoundError):
        _confirm(db, "ana", ref=2**70)
    with pytest.raises(InputError):
        _confirm(db, "ana", ref="x:@a\x00b")
    with pytest.raises(InputError):
        _confirm(db, "ana", evidence=[f"post:{huge}"])
    with pytest.raises(InputError):
        _confirm(db, "ana", evidence=[f"match:{huge}"])
    with pytest.raises(InputError):
        _confirm(db, "ana", evidence=["signal:me\x00dia"])
    with pytest.raises(InputError):
        _confirm(db, "ana", note="a\x00b")
    with pytest.raises(NotFoundError):
        _confirm(db, "an\x00a")
    assert authenticate(db, "an\x00a", "whatever password") is None
    with pytest.raises(NotFoundError):
        get_user(db, "x" * 500)
    with pytest.raises(InputError):
        submit_tip(db, platform="x", account="@a\x00", reason="r")
    with pytest.raises(InputError):
        submit_tip(db, platform="x", account="@" + "a" * 300, reason="r")
    with pytest.raises(InputError):
        submit_tip(db, platform="x\x00", account="@a", reason="r")
    with pytest.raises(InputError):
        file_appeal(db, "x:@target", text="\x00")
    with pytest.raises(InputError):
        appeal_status(db, "APL-\x00")
    # Tabs, newlines and right-to-left text are ordinary content.
    out = _confirm(db, "ana", note="line one\n\tline two \u202e\u0627\u0644")
    assert out.needs_second


def test_simultaneous_confirmations_list_exactly_once(db: Database) -> None:
    import threading

    from vigil.errors import VigilError

    build(db)
    start = threading.Barrier(3)
    results: dict[str, object] = {}

    def confirm(who: str) -> None:
        start.wait()
        try:
            results[who] = _confirm(db, who).listed
        except VigilError as exc:
            results[who] = type(exc).__name__

    threads = [threading.Thread(target=confirm, args=(w,)) for w in ("ana", "bob", "cy")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(map(str, results.values())) == ["ConflictError", "False", "True"]
    with db.session() as s:
        entries = s.scalars(sa.select(ListEntry).where(ListEntry.status == "active")).all()
        assert verify(s).events > 0
    assert len(entries) == 1


def test_the_shipped_policy_is_complete_and_checked() -> None:
    from vigil.errors import ConfigError
    from vigil.review.policy import parse_policy

    policy = load_policy()
    assert policy.version
    for criterion in policy.criteria:
        assert criterion.title
        assert len(criterion.definition) > 40
    assert {d.code for d in policy.designation_lists} == {"UN", "EU", "US", "UK"}
    assert all(d.url.startswith("https://") for d in policy.designation_lists)
    assert all(o.designations for o in policy.organisations)
    assert policy.criterion("threat").title == "Threats"
    good = policy.to_dict()
    with pytest.raises(ConfigError, match="designation"):
        parse_policy({**good, "organisations": [{"name": "X", "designations": ["FR"]}]})
    with pytest.raises(ConfigError, match="unique"):
        parse_policy({**good, "criteria": good["criteria"] * 2})
    with pytest.raises(ConfigError, match="version"):
        parse_policy({**good, "version": ""})
    assert parse_policy(good) == policy
