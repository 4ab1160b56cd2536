"""Whitelist: typed entries with a reason, removal by a lead, and the queue re-entry rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.support.review_store import T0, build
from vigil.config import Settings
from vigil.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from vigil.model import Account, BankHash, ListEntry, MediaMatch, Post, utcnow
from vigil.review.decisions import decide
from vigil.review.whitelist import (
    Visibility,
    add_to_whitelist,
    hidden_from_queue,
    is_whitelisted,
    list_whitelist,
    reentry_allowed,
    remove_from_whitelist,
    review_visibility,
)
from vigil.store import Database

TWO = Settings(confirmations_required=2)


def _hidden(db: Database, role: str) -> set[int]:
    with db.session() as s:
        return set(s.scalars(sa.select(Account.id).where(Account.id.in_(hidden_from_queue(role)))))


def test_whitelist_entries_have_a_type_and_a_reason(db: Database) -> None:
    store = build(db, "reporter", "other")
    out = add_to_whitelist(
        db, "x:@reporter", type="journalist", reason="covers the conflict", user="ana"
    )
    assert out.case_status == "closed"
    [view] = list_whitelist(db)
    assert (view.account_id, view.type, view.reason, view.status, view.decided_by) == (
        store.accounts["reporter"],
        "journalist",
        "covers the conflict",
        "active",
        "ana",
    )
    with pytest.raises(ConflictError):
        add_to_whitelist(db, "x:@reporter", type="journalist", reason="again", user="bob")
    with pytest.raises(InputError, match="whitelist type"):
        add_to_whitelist(db, "x:@other", type="friend", reason="nice", user="ana")
    with pytest.raises(PermissionDeniedError):
        add_to_whitelist(db, "x:@other", type="parody", reason="satire", user="vic")


def test_removal_needs_a_lead_and_keeps_the_entry(db: Database) -> None:
    store = build(db, "reporter")
    add_to_whitelist(db, "x:@reporter", type="news_outlet", reason="outlet", user="ana")
    with pytest.raises(PermissionDeniedError):
        remove_from_whitelist(db, "x:@reporter", reason="changed", user="bob")
    with pytest.raises(InputError):
        remove_from_whitelist(db, "x:@reporter", reason=" ", user="lea")
    remove_from_whitelist(db, "x:@reporter", reason="now posts releases", user="lea")
    with pytest.raises(NotFoundError):
        remove_from_whitelist(db, "x:@reporter", reason="twice", user="lea")
    assert list_whitelist(db) == []
    [removed] = list_whitelist(db, include_removed=True)
    assert (removed.status, removed.account_id) == ("retracted", store.accounts["reporter"])
    assert removed.retracted_at is not None


def test_whitelisting_a_listed_account_retracts_the_listing(db: Database) -> None:
    store = build(db)
    for who in ("ana", "bob"):
        decide(db, "x:@target", action="confirm", user=who, criterion="threat", settings=TWO)
    with pytest.raises(PermissionDeniedError):
        add_to_whitelist(db, "x:@target", type="mistaken_identity", reason="namesake", user="cy")
    add_to_whitelist(db, "x:@target", type="mistaken_identity", reason="namesake", user="lea")
    with db.session() as s:
        entries = s.scalars(
            sa.select(ListEntry)
            .where(ListEntry.account_id == store.accounts["target"])
            .order_by(ListEntry.id)
        ).all()
    assert [(e.kind, e.status) for e in entries] == [("black", "retracted"), ("white", "active")]
    assert entries[0].retraction_reason == "whitelisted (mistaken_identity)"


def test_a_whitelisted_account_reenters_only_with_new_evidence_and_only_for_a_lead(
    db: Database,
) -> None:
    store = build(db, "reporter", "plain")
    reporter, plain = store.accounts["reporter"], store.accounts["plain"]
    add_to_whitelist(db, "x:@reporter", type="journalist", reason="reporter", user="ana")
    with db.session() as s:
        for role in ("viewer", "analyst", "lead", "admin"):
            assert review_visibility(s, reporter, role) is Visibility.HIDDEN
            assert review_visibility(s, plain, role) is Visibility.VISIBLE
        assert is_whitelisted(s, reporter)
        assert not is_whitelisted(s, plain)
    assert _hidden(db, "analyst") == {reporter}
    assert _hidden(db, "lead") == {reporter}
    # A rescan rewrites old matches: that is not new evidence.
    with db.transaction() as s:
        s.execute(sa.update(MediaMatch).values(matched_at=utcnow() + timedelta(minutes=1)))
    assert _hidden(db, "lead") == {reporter}
    # A bank item added after the whitelisting that matches old media is new evidence.
    with db.transaction() as s:
        s.execute(sa.update(BankHash).values(added_at=utcnow() + timedelta(minutes=1)))
    assert _hidden(db, "lead") == set()
    assert _hidden(db, "analyst") == {reporter}
    with db.transaction() as s:
        s.execute(sa.update(BankHash).values(added_at=T0))
    # So is a post first seen after it.
    with db.transaction() as s:
        s.add(
            Post(
                platform_id=s.get(Account, reporter).platform_id,  # type: ignore[union-attr]
                platform_post_id="later",
                account_id=reporter,
                created_at=T0,
                first_seen=utcnow() + timedelta(minutes=1),
                last_seen=utcnow() + timedelta(minutes=1),
            )
        )
    with db.session() as s:
        assert review_visibility(s, reporter, "lead") is Visibility.REENTERED
        assert reentry_allowed(s, reporter, "admin")
        assert not reentry_allowed(s, reporter, "analyst")
        assert reentry_allowed(s, plain, "viewer")
    assert _hidden(db, "lead") == set()
    assert _hidden(db, "analyst") == {reporter}


def test_queue_rules_hide_what_each_reviewer_should_not_see(db: Database) -> None:
    from vigil.review.queue_rules import hidden_accounts
    from vigil.review.users import get_user

    store = build(db, "listed", "pending", "escalated", "rejected", "white", "fresh")
    ids = store.accounts
    for who in ("ana", "bob"):
        decide(db, "x:@listed", action="confirm", user=who, criterion="threat", settings=TWO)
    decide(db, "x:@pending", action="confirm", user="ana", criterion="threat", settings=TWO)
    decide(db, "x:@escalated", action="escalate", user="ana", note="unsure", settings=TWO)
    decide(db, "x:@rejected", action="reject", user="ana", note="news", settings=TWO)
    add_to_whitelist(db, "x:@white", type="parody", reason="satire", user="ana")
    ana, bob = get_user(db, "ana").id, get_user(db, "bob").id

    def hidden(role: str, user_id: int | None) -> set[str]:
        with db.session() as s:
            found = set(s.scalars(hidden_accounts(role, user_id)))
        return {h for h, i in ids.items() if i in found}

    base = {"listed", "rejected", "white"}
    assert hidden("analyst", ana) == base | {"pending", "escalated"}
    assert hidden("analyst", bob) == base | {"escalated"}
    assert hidden("lead", None) == base
    assert "fresh" not in hidden("viewer", None)


def test_whitelisting_against_a_pending_confirmation_goes_to_a_lead(db: Database) -> None:
    build(db)
    decide(db, "x:@target", action="confirm", user="ana", criterion="threat", settings=TWO)
    out = add_to_whitelist(db, "x:@target", type="parody", reason="satire account", user="bob")
    assert (out.case_status, out.message) == (
        "escalated",
        "reviewers disagree: escalated to a lead",
    )
    assert list_whitelist(db) == []
    final = add_to_whitelist(db, "x:@target", type="parody", reason="satire account", user="lea")
    assert final.case_status == "closed"
    assert [v.decided_by for v in list_whitelist(db)] == ["lea"]
