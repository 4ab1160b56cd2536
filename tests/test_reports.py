"""Reports to platforms with the real Mastodon.py and atproto clients against the sim:
one report per confirmed account with its evidence, none for whitelisted, idempotent."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.sim.conftest import SUSPENDED, build_world
from tests.support.publish_world import T0, listed_account, platform, retract
from tests.support.sim_servers import sim_servers
from vigil.config import PublishSettings
from vigil.model import AuditEvent
from vigil.model.publish import Report
from vigil.publish.clients import Credentials
from vigil.publish.reports import report_accounts
from vigil.publish.withdrawals import withdraw_reports
from vigil.sim.render_bluesky import did_for
from vigil.sim.server.runner import ServerThread
from vigil.sim.world import World
from vigil.store import Database

CONFIRMED = ("2000000001", "2000000004")
WHITELISTED = "2000000005"
CREDS = Credentials(
    mastodon_token="sim-token", bluesky_handle="vigil-org", bluesky_password="sim-token"
)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory, world: World) -> Iterator[ServerThread]:
    with sim_servers(tmp_path_factory.mktemp("sim")) as start:
        yield start(world)


def _seed(db: Database, sim: ServerThread, world: World) -> dict[str, list[str]]:
    """Confirmed accounts on Mastodon, Bluesky and X; one account whitelisted on both; the
    second Mastodon account is known by its remote acct (user@host)."""
    evidence: dict[str, list[str]] = {}
    host = sim.url.split("://", 1)[1]
    with db.transaction() as session:
        masto = platform(session, f"mastodon:{host}", "mastodon", sim.url)
        bsky = platform(session, "bluesky", "bluesky")
        x = platform(session, "x", "x")
        accounts = {a.id: a for a in world.accounts}
        for aid in (*CONFIRMED, WHITELISTED):
            posts = [(p.id, p.text) for p in world.posts if p.author_id == aid][:2]
            evidence[aid] = [p for p, _ in posts]
            handle = accounts[aid].handle + ("@remote.example" if aid == CONFIRMED[1] else "")
            listed = listed_account(session, masto, aid, handle, posts=posts)
            on_bsky = listed_account(session, bsky, did_for(accounts[aid]), f"b{aid}", at=T0)
            if aid == WHITELISTED:
                retract(session, listed.entry_id, T0)
                retract(session, on_bsky.entry_id, T0)
        listed_account(session, x, "1234567", "xuser", posts=[("1700000000000000001", "t")])
        # Suspended before we got to it: Mastodon answers 404, the report is `gone`.
        listed_account(session, masto, SUSPENDED[0], accounts[SUSPENDED[0]].handle)
    return evidence


def test_one_report_per_confirmed_account(
    db: Database, sim: ServerThread, world: World, tmp_path: Path
) -> None:
    httpx.post(f"{sim.url}/_sim/reset")
    evidence = _seed(db, sim, world)
    settings = PublishSettings(mastodon_url=sim.url, bluesky_url=sim.url, report_interval=0.5)
    pauses: list[float] = []
    first = report_accounts(db, settings, CREDS, T0, notice_dir=tmp_path, sleep=pauses.append)
    again = report_accounts(db, settings, CREDS, T0, notice_dir=tmp_path, sleep=pauses.append)
    assert (first.submitted, first.notices, first.failed, first.gone) == (4, 1, 0, 1)
    assert pauses == [0.5, 0.5, 0.5]  # one pause before each platform's second report
    assert (again.submitted, again.notices, again.gone) == (0, 0, 0)

    received = httpx.get(f"{sim.url}/_sim/reports").json()["reports"]
    masto = [r for r in received if r["network"] == "mastodon"]
    assert sorted(r["target"] for r in masto if r["accepted"]) == sorted(CONFIRMED)
    assert [r["status"] for r in masto if not r["accepted"]] == [404]
    for r in (r for r in masto if r["accepted"]):
        assert r["accepted"]
        assert r["reporter"] == "sim-token"
        assert r["payload"]["status_ids"] == evidence[r["target"]]
        assert r["payload"]["category"] == "violation"
        assert r["payload"]["rule_ids"] == ["1", "3"]
        assert "Alice" not in r["payload"]["comment"]
        assert r["payload"]["forward"] is (r["target"] == CONFIRMED[1])  # remote: forwarded
    dids = {did_for(a) for a in world.accounts if a.id in CONFIRMED}
    bsky = [r for r in received if r["network"] == "bluesky"]
    assert sorted(r["target"] for r in bsky) == sorted(dids)
    assert all(r["payload"]["atproto-proxy"].endswith("#atproto_labeler") for r in bsky)
    assert all("reasonViolation" in r["payload"]["reasonType"] for r in bsky)

    with db.session() as session:
        rows = session.scalars(sa.select(Report)).all()
        assert len(rows) == 6
        assert sorted(r.status for r in rows) == ["gone"] + ["submitted"] * 4 + ["written"]
        assert all(r.request and r.response for r in rows)
        audited = session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.action.like("report.%"))
        ).all()
        assert sorted(audited) == ["report.gone"] + ["report.submitted"] * 4 + ["report.written"]
    eml = next((tmp_path / "accounts").glob("*.eml"))
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "https://x.com/i/web/status/1700000000000000001" in body
    assert "bona fide belief" in body
    assert settings.notifier_email in body
    assert (tmp_path / "accounts" / eml.name.replace(".eml", ".html")).is_file()


def test_retraction_withdraws_notices(
    db: Database, sim: ServerThread, world: World, tmp_path: Path
) -> None:
    settings = PublishSettings(mastodon_url=sim.url, bluesky_url=sim.url, report_interval=0.0)
    with db.transaction() as session:
        x = platform(session, "x", "x")
        host = sim.url.split("://", 1)[1]
        masto = platform(session, f"mastodon:{host}", "mastodon", sim.url)
        on_x = listed_account(session, x, "42", "xuser", posts=[("4201", "t")])
        on_masto = listed_account(session, masto, CONFIRMED[0], "m")
    report_accounts(db, settings, CREDS, T0, notice_dir=tmp_path)
    with db.transaction() as session:
        retract(session, on_x.entry_id, T0)
        retract(session, on_masto.entry_id, T0)
    assert withdraw_reports(db, settings, T0, notice_dir=tmp_path) == {
        "withdrawn": 1,
        "retracted": 1,
    }
    assert withdraw_reports(db, settings, T0, notice_dir=tmp_path) == {
        "withdrawn": 0,
        "retracted": 0,
    }
    letter = next((tmp_path / "withdrawals").glob("*.eml")).read_text()
    assert "We withdraw our notice" in letter
    assert "https://x.com/i/web/status/4201" in letter
    with db.session() as session:
        assert sorted(r.status for r in session.scalars(sa.select(Report))) == [
            "retracted",
            "withdrawn",
        ]
