"""`collect_stats` counts what was stored, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from vigil.model import (
    Account,
    Follow,
    ListEntry,
    Media,
    Platform,
    Post,
    PostVersion,
    StatusObservation,
)
from vigil.store import Database, collect_stats, record

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def test_counts_follow_the_rows(db: Database) -> None:
    with db.transaction() as s:
        x = Platform(name="x", kind="x")
        m = Platform(name="mastodon:example.org", kind="mastodon")
        s.add_all([x, m])
        s.flush()
        accounts = [
            Account(platform_id=x.id if i < 4 else m.id, platform_account_id=str(i), handle=f"h{i}")
            for i in range(5)
        ]
        s.add_all(accounts)
        s.flush()
        post = Post(platform_id=x.id, platform_post_id="1", account_id=accounts[0].id)
        s.add(post)
        s.flush()
        s.add(PostVersion(post_id=post.id, platform_version_id="1", text="t"))
        s.add(Media(platform_id=x.id, media_key="3_1"))
        s.add_all([Follow(source_id=accounts[i].id, target_id=accounts[0].id) for i in range(1, 4)])
        s.add_all(
            [
                StatusObservation(
                    account_id=accounts[1].id, status=st, observed_at=T0, source="monitor"
                )
                for st in ("active", "suspended", "suspended", "made_up_status")
            ]
        )
        s.add(ListEntry(account_id=accounts[1].id, kind="black", status="active"))
        s.add(ListEntry(account_id=accounts[2].id, kind="black", status="retracted"))
        s.add(ListEntry(account_id=accounts[3].id, kind="white", status="active"))
        record(s, actor="t", action="test", subject="account:1")
    stats = collect_stats(db)
    assert stats["accounts"]["total"] == 5
    assert stats["accounts"]["by_platform"] == {"mastodon:example.org": 1, "x": 4}
    assert stats["posts"] == {"total": 1, "versions": 1, "references": 0}
    assert stats["media"]["total"] == 1
    assert stats["follow_edges"]["total"] == 3
    by_status = stats["status_observations"]["by_status"]
    assert by_status["suspended"] == 2
    assert by_status["active"] == 1
    assert by_status["not_found"] == 0
    assert by_status["made_up_status"] == 1  # unknown values are counted, not dropped
    assert stats["status_observations"]["total"] == 4
    assert stats["list_entries"]["black"] == {"total": 2, "active": 1, "retracted": 1}
    assert stats["list_entries"]["white"] == {"total": 1, "active": 1, "retracted": 0}
    assert stats["list_entries"]["total"] == 3
    assert stats["audit_events"]["total"] == 1
    assert stats["database"]["dialect"] == db.dialect
