"""Counting people: accounts joined by identity rows or confirmed resurgence links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vigil.analytics.events import courses
from vigil.analytics.figures import _origins
from vigil.analytics.gather import gather_dataset
from vigil.analytics.identities import identity_summary
from vigil.model import Account, Identity, ListEntry, Platform, StatusObservation
from vigil.model.detection import AccountLink
from vigil.store import Database

T = datetime(2026, 2, 1, tzinfo=UTC)
D = timedelta(days=1)


def test_links_and_identities_join_accounts(db: Database) -> None:
    with db.transaction() as s:
        p = Platform(name="x", kind="x")
        s.add(p)
        s.flush()
        person = Identity()
        s.add(person)
        s.flush()
        old = Account(
            platform_id=p.id, platform_account_id="1", handle="old", identity_id=person.id
        )
        twin = Account(  # same person by identity row, created after old was suspended
            platform_id=p.id,
            platform_account_id="2",
            handle="twin",
            identity_id=person.id,
            created_at=T + 5 * D,
        )
        back = Account(
            platform_id=p.id, platform_account_id="3", handle="back", created_at=T + 3 * D
        )
        maybe = Account(
            platform_id=p.id, platform_account_id="4", handle="maybe", created_at=T + 4 * D
        )
        s.add_all([old, twin, back, maybe])
        s.flush()
        s.add(ListEntry(account_id=old.id, kind="black", criterion="c", added_at=T))
        for day, status in ((0, "active"), (1, "active"), (3, "suspended")):
            s.add(
                StatusObservation(
                    account_id=old.id,
                    status=status,
                    observed_at=T + day * D,
                    source="monitor",
                    detail={},
                )
            )
        common = {"confidence": 0.9, "evidence": {}, "method": "m", "version": "1"}
        s.add(
            AccountLink(
                new_account_id=back.id, prior_account_id=old.id, status="confirmed", **common
            )
        )
        s.add(
            AccountLink(
                new_account_id=maybe.id, prior_account_id=old.id, status="proposed", **common
            )
        )
    with db.session() as s:
        ds = gather_dataset(s)
    rows = {a.handle or a.key: a for a in ds.accounts}
    keys = {a.key: a for a in ds.accounts}
    assert {a.cohort for a in ds.accounts} == {"listed", "linked"}
    assert len(ds.accounts) == 3  # the proposed link joins nothing
    assert len({a.identity for a in ds.accounts}) == 1
    assert rows["old"].handle == "old"
    assert all(a.handle == "" for a in keys.values() if a.cohort == "linked")
    summary = identity_summary(ds.accounts, courses(ds.observations, _origins(ds.accounts)))
    assert summary["identities_listed"] == 1
    assert summary["identities_removed"] == 0  # its other accounts are up
    assert summary["identities_returned"] == 1
    assert summary["median_days_to_return"] == 1.0  # suspended at day 2, back at day 3
