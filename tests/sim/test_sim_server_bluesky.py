"""The sim server's Bluesky XRPC driven by the real atproto SDK over loopback."""

from __future__ import annotations

import httpx
import pytest
from atproto import Client, models
from atproto_client.exceptions import BadRequestError, UnauthorizedError
from tests.sim.conftest import END, SUSPENDED, TARGET

from vigil.sim.render_bluesky import bsky_handle, did_for
from vigil.sim.world import World

LABELER = "did:plc:ar7c4by46qjdydhdevvrndac"


@pytest.fixture
def bsky(sim_url: str) -> Client:
    client = Client(base_url=sim_url)
    client.login("vigil-reports.bsky.sim", "sim-token")
    return client


def test_login_yields_a_session_without_moving_pds(bsky: Client, sim_url: str) -> None:
    assert bsky.me is not None
    assert bsky.me.handle == "vigil-reports.bsky.sim"
    session = bsky.com.atproto.server.get_session()
    assert session.did == bsky.me.did
    with pytest.raises(UnauthorizedError):
        Client(base_url=sim_url).login("someone.bsky.sim", "wrong")


def test_profile_by_handle_and_did(bsky: Client, small_world: World) -> None:
    acc = small_world.account_index()[TARGET]
    by_handle = bsky.app.bsky.actor.get_profile({"actor": bsky_handle(acc)})
    by_did = bsky.app.bsky.actor.get_profile({"actor": did_for(acc)})
    assert by_handle.did == by_did.did == did_for(acc)
    assert by_handle.followers_count == acc.followers_count


def test_taken_down_and_unknown_profiles_raise_real_errors(
    bsky: Client, small_world: World
) -> None:
    gone = small_world.account_index()[SUSPENDED[0]]
    with pytest.raises(BadRequestError) as taken_down:
        bsky.app.bsky.actor.get_profile({"actor": did_for(gone)})
    assert taken_down.value.response is not None
    assert taken_down.value.response.content.error == "AccountTakedown"
    assert taken_down.value.response.content.message == "Account has been suspended"
    with pytest.raises(BadRequestError) as unknown:
        bsky.app.bsky.actor.get_profile({"actor": "nobody.bsky.sim"})
    assert unknown.value.response is not None
    assert unknown.value.response.content.error == "InvalidRequest"
    with pytest.raises(BadRequestError):
        bsky.app.bsky.feed.get_author_feed({"actor": did_for(gone)})


def test_author_feed_pages_with_cursor(bsky: Client, small_world: World) -> None:
    acc = small_world.account_index()[TARGET]
    uris: list[str] = []
    cursor = None
    while True:
        page = bsky.app.bsky.feed.get_author_feed(
            {"actor": did_for(acc), "limit": 6, "cursor": cursor}
        )
        uris += [item.post.uri for item in page.feed]
        cursor = page.cursor
        if not cursor:
            break
    expected = [p for p in small_world.posts if p.author_id == TARGET and p.created_at <= END]
    assert len(uris) == len(expected) == len(set(uris))
    assert all(u.startswith(f"at://{did_for(acc)}/app.bsky.feed.post/") for u in uris)
    assert uris == sorted(uris, key=lambda u: u.rsplit("/", 1)[1], reverse=True)
    reposts = bsky.app.bsky.feed.get_author_feed(
        {"actor": did_for(small_world.account_index()["2000000001"])}
    )
    reason = next(item.reason for item in reposts.feed if item.reason is not None)
    assert reason.by.did == did_for(small_world.account_index()["2000000001"])
    quoting = bsky.app.bsky.feed.get_author_feed(
        {"actor": did_for(small_world.account_index()["2000000004"])}
    )
    assert not [item for item in quoting.feed if item.reason is not None]
    embeds = {item.post.record.text: item.post.embed for item in quoting.feed}
    assert (
        embeds["Quoting a later suspended account"].record.py_type
        == "app.bsky.embed.record#viewNotFound"
    )
    assert embeds["Quoting this one"].record.py_type == "app.bsky.embed.record#viewRecord"


def test_create_report_through_the_labeler_proxy(
    bsky: Client, sim_url: str, small_world: World
) -> None:
    target = small_world.account_index()["2000000006"]
    labeler = bsky.with_proxy("atproto_labeler", LABELER)
    report = labeler.com.atproto.moderation.create_report(
        models.ComAtprotoModerationCreateReport.Data(
            reason_type="com.atproto.moderation.defs#reasonViolation",
            reason="Posts Nashir links",
            subject=models.ComAtprotoAdminDefs.RepoRef(did=did_for(target)),
        )
    )
    assert report.reported_by == bsky.me.did if bsky.me else False
    assert report.id >= 1
    with pytest.raises(BadRequestError):
        labeler.com.atproto.moderation.create_report(
            models.ComAtprotoModerationCreateReport.Data(
                reason_type="nonsense",
                subject=models.ComAtprotoAdminDefs.RepoRef(did=did_for(target)),
            )
        )
    recorded = httpx.get(f"{sim_url}/_sim/reports").json()["reports"]
    assert [(r["account_id"], r["status"]) for r in recorded] == [
        (target.id, 200),
        (target.id, 400),
    ]
    assert recorded[0]["payload"]["atproto-proxy"] == f"{LABELER}#atproto_labeler"
    assert recorded[0]["network"] == "bluesky"
