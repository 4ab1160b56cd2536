"""The control group: nearest unlisted scored accounts on the same platform, one each,
never an account already seen removed; a control listed later leaves the group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from vigil.model import Account, ListEntry, Platform, Score, StatusObservation
from vigil.model.monitor import ControlMember, MonitorTarget
from vigil.monitor.controls import match_controls
from vigil.monitor.schedule import sync_targets
from vigil.store import Database

T = datetime(2026, 6, 1, tzinfo=UTC)


def test_matching(db: Database) -> None:
    with db.transaction() as s:
        x, m = Platform(name="x", kind="x"), Platform(name="mastodon:a", kind="mastodon")
        s.add_all([x, m])
        s.flush()
        rows = {}
        spec = {
            "listed1": (x, 0.90, 1000, 365),
            "listed2": (x, 0.70, 10, 30),
            "near1": (x, 0.89, 900, 300),
            "near2": (x, 0.71, 12, 25),
            "far": (x, 0.20, 10**6, 4000),
            "other_platform": (m, 0.90, 1000, 365),
            "gone": (x, 0.90, 1000, 365),  # the best match, but suspended before listing
            "white": (x, 0.90, 1000, 365),  # whitelisted: never a control
        }
        for name, (p, score, followers, age) in spec.items():
            acc = Account(
                platform_id=p.id,
                platform_account_id=name,
                handle=name,
                followers_count=followers,
                created_at=T - timedelta(days=age),
            )
            s.add(acc)
            s.flush()
            rows[name] = acc.id
            s.add(Score(account_id=acc.id, value=score, model_version="t"))
        for name in ("listed1", "listed2"):
            s.add(ListEntry(account_id=rows[name], kind="black", criterion="c", added_at=T))
        s.add(ListEntry(account_id=rows["white"], kind="white", added_at=T))
        s.add(
            StatusObservation(
                account_id=rows["gone"],
                status="suspended",
                source="monitor",
                observed_at=T - timedelta(days=1),
                detail={},
            )
        )
        assert match_controls(s) == 2
        assert match_controls(s) == 0  # each listed account gets one control, once
    with db.session() as s:
        got = {
            m.matched_account_id: m.account_id for m in s.execute(select(ControlMember)).scalars()
        }
    assert got == {rows["listed1"]: rows["near1"], rows["listed2"]: rows["near2"]}
    # near2 is listed itself later: it leaves the control group and is watched as listed.
    later = T + timedelta(days=3)
    with db.transaction() as s:
        sync_targets(s, T)
        s.add(ListEntry(account_id=rows["near2"], kind="black", criterion="c", added_at=later))
        s.flush()
        sync_targets(s, later)
    with db.session() as s:
        member = s.execute(
            select(ControlMember).where(ControlMember.account_id == rows["near2"])
        ).scalar_one()
        target = s.execute(
            select(MonitorTarget).where(MonitorTarget.account_id == rows["near2"])
        ).scalar_one()
    assert member.left_at == later
    assert (target.cohort, target.since) == ("listed", later)
