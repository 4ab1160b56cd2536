"""DSA notices for links: collected per domain, confirmed by a reviewer, the notice to the
hosting provider from the host list, a bounded HEAD check against local servers, Art. 22."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from tests.support.publish_world import listed_account, platform
from vigil.config import PublishSettings, Settings
from vigil.errors import ConflictError, InputError, NotFoundError
from vigil.model import AuditEvent
from vigil.model.publish import ConfirmedUrl
from vigil.publish.art22 import art22_report
from vigil.publish.hosts import load_hosts, lookup_host
from vigil.publish.urls import check_urls, collect_links, confirm_url
from vigil.store import Database


@pytest.fixture
def web() -> Iterator[str]:
    """A local site: /alive answers 200 to HEAD, everything else 404."""

    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_response(200 if self.path == "/alive" else 404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class LocalOnly(httpx.BaseTransport):
    """Loopback requests go to the local servers; the outside network is mocked (410)."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "127.0.0.1":
            return self.real.handle_request(request)
        return httpx.Response(410)


def test_host_list_matches_parent_domains() -> None:
    hosts = load_hosts()
    found = lookup_host("files.mega.nz", hosts)
    assert found is not None
    assert found.notice_email == "abuse@mega.nz"
    assert lookup_host("unknown.example", hosts) is None


def test_confirm_notice_check_and_art22(db: Database, web: str, tmp_path: Path) -> None:
    settings = PublishSettings(url_check_private=True, notifier_name="N. Otifier")
    with db.transaction() as session:
        x = platform(session, "x", "x")
        listed_account(
            session,
            x,
            "1",
            "a1",
            posts=[
                ("11", f"new release {web}/alive and https://mega.nz/file/abc."),
                ("12", f"mirror {web}/gone"),
            ],
        )
        listed_account(session, x, "2", "a2", posts=[("21", "also https://mega.nz/file/abc")])
    with db.session() as session:
        links = {d.domain: d for d in collect_links(session)}
    assert links["mega.nz"].provider == "Mega Limited"
    assert len(links["mega.nz"].urls["https://mega.nz/file/abc"]) == 2  # two accounts
    with db.transaction() as session:
        row = confirm_url(
            session,
            "https://mega.nz/file/abc",
            user="rev-alice",
            criterion="C2",
            settings=settings,
            notice_dir=tmp_path,
        )
        assert row.provider == "Mega Limited"
        assert row.notice_path
        for url in (f"{web}/alive", f"{web}/gone"):
            confirm_url(
                session,
                url,
                user="rev-alice",
                criterion="C2",
                settings=settings,
                notice_dir=tmp_path,
            )
        with pytest.raises(ConflictError):
            confirm_url(
                session,
                f"{web}/alive",
                user="rev-alice",
                criterion="C2",
                settings=settings,
                notice_dir=tmp_path,
            )
        with pytest.raises(InputError):
            confirm_url(
                session,
                "https://never.example/x",
                user="rev-alice",
                criterion="C2",
                settings=settings,
                notice_dir=tmp_path,
            )
    msg = email.message_from_bytes(Path(row.notice_path).read_bytes(), policy=email.policy.default)
    assert msg["To"] == "abuse@mega.nz"
    body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "https://mega.nz/file/abc" in body
    assert "N. Otifier" in body
    assert "bona fide" in body
    assert "rev-alice" not in body

    # Private addresses are refused unless allowed (the server must not probe its own network).
    refused = check_urls(db, PublishSettings(), datetime.now(UTC))
    assert refused.get("refused", 0) >= 2  # mega.nz too when DNS is unavailable
    counts = check_urls(db, settings, datetime.now(UTC), limit=2, transport=LocalOnly())
    assert sum(counts.values()) == 2
    check_urls(db, settings, datetime.now(UTC), transport=LocalOnly())
    with db.session() as session:
        state = {
            u.url.rsplit("/", 1)[-1]: (u.last_check_status, u.reachable)
            for u in session.scalars(sa.select(ConfirmedUrl))
        }
        assert state["alive"] == (200, True)
        assert state["gone"] == (404, False)
        assert (
            session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "url.confirm"))
            == 3
        )
        report = art22_report(session, datetime.now(UTC).year)
    assert report["notices"] == 3
    assert report["by_hosting_provider"]["Mega Limited"] == 1
    assert report["by_action_taken"]["content no longer reachable"] == 2
    assert "mega.nz/file" not in str(report)
    assert "a1" not in str(report)


def test_urls_commands(
    db: Database,
    settings: Settings,
    web: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("VIGIL_HOME", str(settings.home))
    monkeypatch.setenv("VIGIL_URL_CHECK_PRIVATE", "1")
    with db.transaction() as session:
        listed_account(
            session, platform(session, "x", "x"), "1", "a1", posts=[("11", f"get {web}/alive")]
        )
    listed = run_cli(capsys, "urls", "list", "--format", "json")
    assert listed.code == 0, listed.err
    assert json.loads(listed.out)[0]["urls"] == [
        {"url": f"{web}/alive", "accounts": 1, "confirmed": False}
    ]
    refused = run_cli(
        capsys, "urls", "confirm", f"{web}/alive", "--criterion", "C2", "--as", "nobody"
    )
    assert refused.code == NotFoundError.exit_code
    done = run_cli(
        capsys,
        "urls",
        "confirm",
        f"{web}/alive",
        "--criterion",
        "C2",
        "--as",
        "rev-alice",
        "--format",
        "json",
    )
    assert done.code == 0, done.err
    assert Path(json.loads(done.out)["notice"]).is_file()
    checked = run_cli(capsys, "urls", "check", "--format", "json")
    assert json.loads(checked.out) == {"up": 1}
