"""The public forms and endpoints: appeals and tips without login, rate-limited per
address, each submission paying a fresh proof of work."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.world import World, csrf_of, login
from vigil.review.tips import solve_pow


def _form(client: TestClient, path: str) -> dict[str, str]:
    html = client.get(path).text
    token = re.search(r'name="pow_challenge" value="([^"]+)"', html)
    bits = re.search(r'data-pow-bits="(\d+)"', html)
    assert token
    assert bits
    return {
        "csrf_token": csrf_of(html),
        "pow_challenge": token.group(1),
        "pow_nonce": solve_pow(token.group(1), int(bits.group(1))),
    }


def _list(client: TestClient, world: World) -> None:
    from vigil.review.decisions import decide

    decide(
        client.app.state.db,
        world.target,
        action="confirm",
        user="lea",  # type: ignore[attr-defined]
        criterion="official_media",
        note="urgent",
        override=True,
        settings=client.app.state.settings.core,
    )  # type: ignore[attr-defined]


def test_appeal_filed_by_the_public_and_upheld_by_a_lead(
    new_client: Callable[[], TestClient], world: World
) -> None:
    public = new_client()
    _list(public, world)
    data = _form(public, "/appeal") | {
        "platform": "x",
        "account": "@evil_one",
        "text": "This is a news account.",
    }
    done = public.post("/appeal", data=data)
    assert done.status_code == 200, done.text
    reference = re.search(r'class="reference">([A-Z0-9-]+)<', done.text)
    assert reference
    status = public.get(f"/appeal/status?reference={reference.group(1)}").text
    assert ">open<" in status
    lead = new_client()
    login(lead, "lea")
    inbox = lead.get("/appeals").text
    assert reference.group(1) in inbox
    assert "This is a news account." in inbox
    decided = lead.post(
        f"/appeals/{reference.group(1)}/decide",
        data={"decision": "uphold", "note": "news outlet", "csrf_token": csrf_of(inbox)},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    assert ">upheld<" in public.get(f"/appeal/status?reference={reference.group(1)}").text
    retracted = lead.get("/lists?view=retracted").text
    assert "evil_one" in retracted
    assert "lea" not in public.get(f"/appeal/status?reference={reference.group(1)}").text


def test_appeal_needs_the_proof_of_work_once(client: TestClient, world: World) -> None:
    _list(client, world)
    data = _form(client, "/appeal") | {"platform": "x", "account": "@evil_one", "text": "why"}
    assert client.post("/appeal", data=data | {"pow_nonce": "wrong"}).status_code == 422
    assert client.post("/appeal", data=data).status_code == 200
    replay = client.post("/appeal", data=data)  # the same solved challenge again
    assert replay.status_code == 422


def test_public_forms_are_rate_limited_per_address(client: TestClient, world: World) -> None:
    codes = []
    for i in range(4):  # the test settings allow 3 an hour
        data = _form(client, "/tip") | {
            "platform": "x",
            "account": f"@tipped{i}",
            "reason": "shares releases",
        }
        codes.append(client.post("/tip", data=data).status_code)
    assert codes == [200, 200, 200, 429]


def test_tip_queues_but_never_lists(client: TestClient, world: World) -> None:
    data = _form(client, "/tip") | {"platform": "x", "account": "@second", "reason": "propaganda"}
    done = client.post("/tip", data=data)
    assert done.status_code == 200
    assert "TIP-" in done.text
    login(client, "ann")
    assert "second" not in client.get("/lists").text


def test_public_form_needs_csrf(client: TestClient, world: World) -> None:
    data = _form(client, "/tip") | {"platform": "x", "account": "@x", "reason": "r"}
    del data["csrf_token"]
    assert client.post("/tip", data=data).status_code == 403


def test_hostile_appeal_text_is_inert_for_the_lead(
    new_client: Callable[[], TestClient], world: World
) -> None:
    public = new_client()
    _list(public, world)
    text = "<img src=x onerror=alert(1)> \u202eevil"
    data = _form(public, "/appeal") | {"platform": "x", "account": "1001", "text": text}
    assert public.post("/appeal", data=data).status_code == 200
    lead = new_client()
    login(lead, "lea")
    inbox = lead.get("/appeals").text
    assert "<img src=x" not in inbox
    assert "&lt;img src=x" in inbox
    assert "\u202e" not in inbox
