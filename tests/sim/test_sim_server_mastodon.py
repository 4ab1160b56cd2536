"""The sim server's Mastodon API driven by the real Mastodon.py client over loopback."""

from __future__ import annotations

import httpx
import pytest
from mastodon import Mastodon, MastodonNotFoundError, MastodonUnauthorizedError
from tests.sim.conftest import END, SUSPENDED, TARGET, UNBORN

from vigil.sim.world import World


@pytest.fixture
def masto(sim_url: str) -> Mastodon:
    return Mastodon(access_token="sim-token", api_base_url=sim_url, version_check_mode="created")


def test_version_check_and_instance_rules(masto: Mastodon) -> None:
    assert masto.retrieve_mastodon_version() == "4.3.0"
    assert masto.verify_minimum_version("4.0.0", cached=True)
    rules = masto.instance_rules()
    assert [r.id for r in rules] == ["1", "2", "3", "4"]
    assert masto.instance_v2().api_versions["mastodon"] == 2


def test_account_lookup_and_status_pages(masto: Mastodon, small_world: World) -> None:
    acc = masto.account(TARGET)
    assert acc.acct == "User00"
    assert masto.account_lookup("user00").id == TARGET
    seen = []
    page = masto.account_statuses(TARGET, limit=5)
    while page:
        seen += [str(s.id) for s in page]
        page = masto.fetch_next(page)
    mine = sorted(
        (p for p in small_world.posts if p.author_id == TARGET), key=lambda p: p.created_at
    )
    assert seen == [p.id for p in reversed(mine) if p.created_at <= END]
    with pytest.raises(MastodonNotFoundError):
        masto.account(UNBORN)


def test_reblog_and_edit_render_as_mastodon_does(masto: Mastodon) -> None:
    statuses = masto.account_statuses("2000000001", limit=40)
    reblog = next(s for s in statuses if s.reblog is not None)
    assert str(reblog.reblog.account.id) == TARGET
    edited = masto.account_statuses("2000000004", limit=1)[0]
    assert "Second draft" in edited.content
    assert edited.edited_at is not None
    statuses = masto.account_statuses("2000000004", limit=40)
    assert not [s for s in statuses if s.reblog is not None], (
        "a suspended account's reblog is hidden"
    )
    quotes = {s.content: s.quote for s in statuses if "quote" in s}
    assert quotes["<p>Quoting a later suspended account</p>"]["state"] == "deleted"
    assert quotes["<p>Quoting this one</p>"]["state"] == "accepted"


def test_followers_follow_link_pages(masto: Mastodon, small_world: World) -> None:
    page = masto.account_followers(TARGET, limit=7)
    seen = []
    while page:
        seen += [str(a.id) for a in page]
        page = masto.fetch_next(page)
    expected = {f.src for f in small_world.follows if f.dst == TARGET} - set(SUSPENDED)
    assert set(seen) == expected
    assert len(seen) == len(expected)


def test_suspended_account_looks_suspended(masto: Mastodon) -> None:
    acc = masto.account(SUSPENDED[0])
    assert acc.suspended is True
    assert acc.display_name == ""
    assert list(masto.account_statuses(SUSPENDED[0])) == []
    assert list(masto.account_followers(SUSPENDED[0])) == []


def test_reports_are_recorded_and_suspended_targets_404(masto: Mastodon, sim_url: str) -> None:
    statuses = masto.account_statuses("2000000005", limit=2)
    report = masto.report(
        "2000000005",
        status_ids=[s.id for s in statuses],
        comment="Shares Amaq releases",
        category="violation",
        rule_ids=[1],
    )
    assert str(report.target_account.id) == "2000000005"
    assert report.category == "violation"
    assert sorted(report.status_ids) == sorted(str(s.id) for s in statuses)
    with pytest.raises(MastodonNotFoundError):
        masto.report(SUSPENDED[0], comment="already gone")
    anonymous = Mastodon(api_base_url=sim_url)
    with pytest.raises(MastodonUnauthorizedError):
        anonymous.report("2000000005", comment="no token")
    recorded = httpx.get(f"{sim_url}/_sim/reports").json()["reports"]
    assert [(r["account_id"], r["status"]) for r in recorded] == [
        ("2000000005", 200),
        (SUSPENDED[0], 404),
        ("2000000005", 401),
    ]
    first = recorded[0]
    assert first["network"] == "mastodon"
    assert first["payload"]["rule_ids"] == ["1"]
    assert first["payload"]["comment"] == "Shares Amaq releases"
