"""Tips open a case with source `tip` and never list; the proof of work throttles the forms;
a threat to life is marked on the case and alerts leads through a real local webhook."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import sqlalchemy as sa

from tests.support.review_store import build
from vigil.config import Settings
from vigil.errors import InputError, NotFoundError, PermissionDeniedError
from vigil.model import Account, AuditEvent, Case, Decision, ListEntry
from vigil.review.threats import mark_threat
from vigil.review.tips import (
    leading_zero_bits,
    list_tips,
    pow_challenge,
    solve_pow,
    submit_tip,
    verify_pow,
)
from vigil.store import Database

SECRET = b"0123456789abcdef0123456789abcdef"


def test_a_tip_queues_the_account_but_never_lists_it(db: Database) -> None:
    store = build(db, "known")
    first = submit_tip(db, platform="x", account="@Known", reason="posts release banners")
    again = submit_tip(db, platform="x", account="id-known", reason="same account")
    fresh = submit_tip(db, platform="x", account="@newcomer", reason="recruiting")
    assert first.startswith("TIP-")
    assert len({first, again, fresh}) == 3
    tips = {t.reference: t for t in list_tips(db)}
    assert (tips[first].status, tips[again].status) == ("queued", "merged")
    assert tips[first].account_id == tips[again].account_id == store.accounts["known"]
    assert tips[first].case_id == tips[again].case_id
    with db.session() as s:
        cases = s.scalars(sa.select(Case).order_by(Case.id)).all()
        placeholder = s.get(Account, tips[fresh].account_id)
        assert s.scalar(sa.select(sa.func.count(ListEntry.id))) == 0
        assert s.scalar(sa.select(sa.func.count(Decision.id))) == 0
        payloads = [
            json.loads(p)
            for p in s.scalars(
                sa.select(AuditEvent.payload).where(AuditEvent.action == "tip.submit")
            )
        ]
    assert [(c.source, c.status) for c in cases] == [("tip", "open"), ("tip", "open")]
    assert placeholder is not None
    assert (placeholder.handle, placeholder.platform_account_id) == ("newcomer", "@newcomer")
    # The tipster's words stay out of the audit log.
    assert all("reason" not in p and "recruiting" not in json.dumps(p) for p in payloads)


def test_tips_are_checked(db: Database) -> None:
    build(db, users=False)
    with pytest.raises(NotFoundError):
        submit_tip(db, platform="myspace", account="@a", reason="r")
    with pytest.raises(InputError, match="reason"):
        submit_tip(db, platform="x", account="@a", reason=" ")
    with pytest.raises(InputError, match="account"):
        submit_tip(db, platform="x", account="two words", reason="r")


def test_proof_of_work_round_trip_and_refusals() -> None:
    challenge = pow_challenge(SECRET, difficulty=10, now=1_000_000)
    nonce = solve_pow(challenge.token, 10)
    digest = hashlib.sha256(f"{challenge.token}:{nonce}".encode()).digest()
    assert leading_zero_bits(digest) >= 10  # the same rule the form's script applies
    assert verify_pow(SECRET, challenge.token, nonce, now=1_000_100)
    assert not verify_pow(
        b"another secret, another server!!", challenge.token, nonce, now=1_000_100
    )
    assert not verify_pow(SECRET, challenge.token, nonce, now=1_000_000 + 601)  # expired
    assert not verify_pow(SECRET, challenge.token, nonce, min_difficulty=12, now=1_000_100)
    bad = next(
        str(n)
        for n in range(10**6)
        if leading_zero_bits(hashlib.sha256(f"{challenge.token}:{n}".encode()).digest()) < 10
    )
    assert not verify_pow(SECRET, challenge.token, bad, now=1_000_100)
    # Raising the difficulty inside the token breaks its signature.
    issued, _bits, rand, mac = challenge.token.split(".")
    assert not verify_pow(SECRET, f"{issued}.0.{rand}.{mac}", "0", now=1_000_100)
    seen: set[str] = set()
    assert verify_pow(SECRET, challenge.token, nonce, now=1_000_100, seen=seen)
    assert not verify_pow(SECRET, challenge.token, nonce, now=1_000_100, seen=seen)  # replay
    assert leading_zero_bits(b"\x00\x0f") == 12
    assert pow_challenge(SECRET, settings=Settings(pow_difficulty=5)).difficulty == 5


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        _Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    _Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alert"
    finally:
        server.shutdown()
        server.server_close()


def test_a_threat_to_life_alerts_leads_without_naming_the_reviewer(
    db: Database, webhook: str
) -> None:
    store = build(db)
    settings = Settings(alert_webhook=webhook)
    with pytest.raises(PermissionDeniedError):
        mark_threat(db, "x:@target", user="vic", note="names a school", settings=settings)
    with pytest.raises(InputError):
        mark_threat(db, "x:@target", user="ana", note="", settings=settings)
    alert = mark_threat(db, "x:@target", user="ana", note="names a school", settings=settings)
    assert alert.alerted
    assert alert.status_code == 204
    [sent] = _Hook.received
    assert sent["event"] == "vigil.threat_to_life"
    assert sent["case_id"] == alert.case_id
    assert sent["account"] == "x:id-target"
    assert "ana" not in json.dumps(sent)
    assert "school" not in json.dumps(sent)
    with db.session() as s:
        case = s.get(Case, alert.case_id)
        actions = list(s.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert case is not None
    assert case.threat_to_life
    assert case.threat_marked_at is not None
    assert case.account_id == store.accounts["target"]
    assert actions[-2:] == ["case.threat", "case.threat_alert"]


def test_a_failed_alert_keeps_the_mark(db: Database) -> None:
    build(db)
    dead = Settings(alert_webhook="http://127.0.0.1:9/nothing-listens-here")
    alert = mark_threat(db, "x:@target", user="ana", note="threat", settings=dead)
    assert not alert.alerted
    assert alert.error
    unset = mark_threat(db, "x:@target", user="bob", note="again", settings=Settings())
    assert (unset.alerted, unset.case_id) == (False, alert.case_id)
    with db.session() as s:
        assert s.scalars(sa.select(Case.threat_to_life)).one() is True
