"""Installments: schedule, numbering, only confirmed entries, no reviewer identity, audit."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from tests.support.publish_world import T0, listed_account, platform, retract
from vigil.config import PublishSettings
from vigil.model import AuditEvent, ListEntry
from vigil.model.publish import Installment, Publication
from vigil.publish.installments import create_installments, plan
from vigil.publish.schedule import in_quiet_hours, next_installment_at
from vigil.publish.social import post_installments
from vigil.store import Database


def test_quiet_hours_wrap_midnight() -> None:
    assert in_quiet_hours(T0.replace(hour=23), (22, 7))
    assert in_quiet_hours(T0.replace(hour=3), (22, 7))
    assert not in_quiet_hours(T0.replace(hour=12), (22, 7))
    s = PublishSettings(min_interval=3600, quiet_hours=(22, 7))
    due = next_installment_at(T0.replace(hour=21, minute=30), T0.replace(hour=21), s)
    assert due == (T0 + timedelta(days=1)).replace(hour=7, minute=0)


def test_installments_follow_the_schedule_and_hide_reviewers(db: Database) -> None:
    s = PublishSettings(max_entries=2, min_interval=3600)
    with db.transaction() as session:
        x = platform(session, "x", "x")
        for i in range(3):
            listed_account(session, x, f"10{i}", f"acct{i}", posts=[(f"p{i}", "text")])
        # Whitelisted while (wrongly) still on the blacklist: never goes out.
        both = listed_account(session, x, "555", "both-lists")
        session.add(ListEntry(account_id=both.account_id, kind="white", status="active"))
        # An imported entry without a decision never goes out.
        acc = listed_account(session, x, "999", "imported")
        session.get(ListEntry, acc.entry_id).decision_id = None  # type: ignore[union-attr]
    with db.transaction() as session:
        first = create_installments(session, s, T0)
        assert [(i.number, i.kind, len(i.items)) for i in first] == [(1, "installment", 2)]
        text = json.dumps(first[0].items)
        assert "alice" not in text.lower()
        assert "both-lists" not in text
        assert "imported" not in text
        assert first[0].items[0]["criterion"] == "C1"
        assert "1 post cited" in first[0].items[0]["summary"]
    with db.transaction() as session:
        assert create_installments(session, s, T0 + timedelta(minutes=30)) == []
        assert plan(session, s, T0 + timedelta(minutes=30)).pending_listings == 1
        second = create_installments(session, s, T0 + timedelta(hours=1))
        assert [(i.number, len(i.items)) for i in second] == [(2, 1)]
    with db.transaction() as session:
        entry_id = session.scalars(sa.select(ListEntry.id).order_by(ListEntry.id)).first()
        assert entry_id is not None
        retract(session, entry_id, T0 + timedelta(hours=2))
    with db.transaction() as session:
        # Retractions ignore the interval.
        third = create_installments(session, s, T0 + timedelta(hours=2, minutes=1))
        assert [(i.number, i.kind) for i in third] == [(3, "retraction")]
        assert third[0].items[0]["retracts_installment"] == 1
        assert create_installments(session, s, T0 + timedelta(hours=9)) == []
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Installment)) == 3
        pubs = session.scalars(sa.select(Publication).where(Publication.channel == "feed")).all()
        assert len(pubs) == 3
        actions = session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.subject.like("installment:%"))
        ).all()
        assert sorted(actions) == [
            "publish.installment",
            "publish.installment",
            "publish.retraction",
        ]


class RecordingPoster:
    """Stands in for a network (outside network is mocked): records what would be posted."""

    limit = 500

    def __init__(self) -> None:
        self.posts: list[str] = []

    def length(self, text: str) -> int:
        return len(text)

    def post(self, text: str, parent: Any, root: Any, key: str) -> dict[str, str]:
        self.posts.append(text)
        return {"id": key, "uri": key, "cid": key}


def test_a_late_channel_skips_stale_installments(db: Database) -> None:
    s = PublishSettings()
    with db.transaction() as session:
        listed_account(session, platform(session, "x", "x"), "1", "a1")
        create_installments(session, s, T0)
    poster = RecordingPoster()
    assert post_installments(db, "mastodon", s, poster, T0 + timedelta(days=8)) == 0
    assert poster.posts == []
    with db.session() as session:
        pub = session.scalars(sa.select(Publication).where(Publication.channel == "mastodon")).one()
        assert pub.status == "skipped"
    with db.transaction() as session:
        listed_account(session, platform(session, "x", "x"), "2", "a2")
        create_installments(session, s, T0 + timedelta(days=8))
    assert post_installments(db, "mastodon", s, poster, T0 + timedelta(days=8)) == 1
    assert "installment #2" in poster.posts[0]
