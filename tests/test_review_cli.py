"""The review commands end to end: users, decide, whitelist, appeals, tips, threat, policy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import CliResult, run_cli
from tests.support.review_store import build, cheap_argon2  # noqa: F401  (fixture)
from vigil.config import Settings
from vigil.review.appeals import file_appeal
from vigil.review.tips import submit_tip
from vigil.review.users import authenticate
from vigil.store import Database

pytestmark = pytest.mark.usefixtures("cheap_argon2")


@pytest.fixture
def env(settings: Settings) -> Iterator[pytest.MonkeyPatch]:
    patch = pytest.MonkeyPatch()
    patch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    patch.setenv("VIGIL_HOME", str(settings.home))
    patch.delenv("VIGIL_USER_PASSWORD", raising=False)
    patch.delenv("VIGIL_CONFIRMATIONS_REQUIRED", raising=False)
    patch.delenv("VIGIL_ALERT_WEBHOOK", raising=False)
    try:
        yield patch
    finally:
        patch.undo()


def _ok(r: CliResult) -> CliResult:
    assert r.code == 0, r.err
    return r


def test_users_commands(
    capsys: pytest.CaptureFixture[str], env: pytest.MonkeyPatch, db: Database, tmp_path: Path
) -> None:
    secret = tmp_path / "pw"
    secret.write_text("a long enough password\n", encoding="utf-8")
    _ok(run_cli(capsys, "users", "add", "ana", "--role", "analyst", "--password-file", str(secret)))
    assert authenticate(db, "ana", "a long enough password") is not None
    env.setenv("VIGIL_USER_PASSWORD", "from the environment")
    _ok(run_cli(capsys, "users", "add", "lea", "--role", "lead", "--display-name", "Lea"))
    assert authenticate(db, "lea", "from the environment") is not None
    env.delenv("VIGIL_USER_PASSWORD")
    r = _ok(
        run_cli(capsys, "users", "add", "bob", "--role", "viewer", "--password", "typed in clear")
    )
    assert "warning" in r.err
    # Without a terminal and without a source there is no password to read.
    r = run_cli(capsys, "users", "add", "cy", "--role", "analyst")
    assert r.code == 65
    assert "password" in r.err
    _ok(run_cli(capsys, "users", "add", "cy", "--role", "analyst", "--no-password"))
    r = run_cli(capsys, "users", "add", "cy", "--role", "analyst", "--no-password")
    assert r.code == 5
    token = _ok(run_cli(capsys, "users", "token", "cy")).out.strip()
    assert token.startswith("vgl_")
    _ok(run_cli(capsys, "users", "disable", "bob"))
    listed = json.loads(_ok(run_cli(capsys, "users", "list", "--format", "json")).out)
    assert [(u["username"], u["role"], u["active"]) for u in listed] == [
        ("ana", "analyst", True),
        ("bob", "viewer", False),
        ("cy", "analyst", True),
        ("lea", "lead", True),
    ]
    assert "disabled" in _ok(run_cli(capsys, "users", "list")).out
    _ok(run_cli(capsys, "users", "password", "ana", "--password-file", str(secret)))


def test_decide_whitelist_appeals_tips_threat(
    capsys: pytest.CaptureFixture[str], env: pytest.MonkeyPatch, db: Database
) -> None:
    store = build(db, "target", "reporter", "tipped")
    base = ["decide", "x:@target", "--action", "confirm", "--criterion", "official_media"]
    first = json.loads(
        _ok(
            run_cli(
                capsys,
                *base,
                "--as",
                "ana",
                "--note",
                "release",
                "--evidence",
                f"post:{store.posts['target']},match:{store.matches['target']}",
                "--format",
                "json",
            )
        ).out
    )
    assert (first["listed"], first["needs_second"]) == (False, True)
    r = run_cli(capsys, *base, "--as", "ana")
    assert r.code == 5
    assert "different reviewer" in r.err
    assert run_cli(capsys, *base, "--as", "vic").code == 77
    assert run_cli(capsys, *base, "--as", "bob", "--override", "--note", "x").code == 77
    r = _ok(run_cli(capsys, *base, "--as", "bob"))
    assert "listed" in r.out
    history = json.loads(_ok(run_cli(capsys, "history", "x:@target", "-f", "json")).out)
    assert [(d["action"], d["username"]) for d in history] == [
        ("confirm", "ana"),
        ("confirm", "bob"),
    ]
    assert history[0]["evidence"]["posts"] == [store.posts["target"]]
    assert "release" in _ok(run_cli(capsys, "history", "x:@target")).out
    # Whitelist.
    _ok(
        run_cli(
            capsys,
            "whitelist",
            "add",
            "x:@reporter",
            "--type",
            "journalist",
            "--reason",
            "<b>reporter</b>",
            "--as",
            "cy",
        )
    )
    wl = json.loads(_ok(run_cli(capsys, "whitelist", "list", "--format", "json")).out)
    assert [(w["handle"], w["type"]) for w in wl] == [("reporter", "journalist")]
    assert "reporter" in _ok(run_cli(capsys, "whitelist", "list")).out
    assert (
        run_cli(capsys, "whitelist", "remove", "x:@reporter", "--reason", "r", "--as", "cy").code
        == 77
    )
    _ok(run_cli(capsys, "whitelist", "remove", "x:@reporter", "--reason", "r", "--as", "lea"))
    assert json.loads(_ok(run_cli(capsys, "whitelist", "list", "-f", "json")).out) == []
    # Appeals.
    ref = file_appeal(db, "x:@target", text="\u202eevil text")
    inbox = json.loads(
        _ok(run_cli(capsys, "appeals", "list", "--status", "open", "-f", "json")).out
    )
    assert [a["reference"] for a in inbox] == [ref]
    assert "\u202e" not in _ok(run_cli(capsys, "appeals", "list")).out
    r = run_cli(capsys, "appeals", "decide", ref, "--uphold", "--note", "ok", "--as", "ana")
    assert r.code == 77
    r = _ok(run_cli(capsys, "appeals", "decide", ref, "--uphold", "--note", "ok", "--as", "lea"))
    assert "upheld" in r.out
    # Tips and threats.
    tip = submit_tip(db, platform="x", account="@tipped", reason="recruiting")
    tips = json.loads(_ok(run_cli(capsys, "tips", "list", "--format", "json")).out)
    assert [(t["reference"], t["status"]) for t in tips] == [(tip, "queued")]
    _ok(run_cli(capsys, "tips", "list"))
    r = _ok(run_cli(capsys, "threat", "x:@tipped", "--note", "names a place", "--as", "ana"))
    assert "vigil evidence export" in r.out
    assert "not alerted" in r.err
    r = run_cli(capsys, "decide", "x:@nobody", "--action", "reject", "--as", "ana")
    assert r.code == 4


def test_confirmations_required_comes_from_the_environment(
    capsys: pytest.CaptureFixture[str], env: pytest.MonkeyPatch, db: Database
) -> None:
    build(db)
    env.setenv("VIGIL_CONFIRMATIONS_REQUIRED", "1")
    args = ["decide", "x:@target", "--action", "confirm", "--criterion", "threat", "--as", "ana"]
    out = json.loads(_ok(run_cli(capsys, *args, "-f", "json")).out)
    assert out["listed"] is True


def test_policy_show(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_ok(run_cli(capsys, "policy", "show", "--format", "json")).out)
    codes = {c["code"] for c in data["criteria"]}
    assert {"official_media", "glorification", "recruitment", "threat", "support_by_name"} <= codes
    assert {d["code"] for d in data["designation_lists"]} == {"UN", "EU", "US", "UK"}
    isil = next(o for o in data["organisations"] if "ISIS" in o["aliases"])
    assert isil["designations"] == ["UN", "EU", "US", "UK"]
    assert "official_media" in _ok(run_cli(capsys, "policy", "show")).out
