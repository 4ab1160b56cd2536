"""Secrets at rest: the signing key and platform tokens encrypted with the master key,
0600 files, rotation with old reports still verifiable, and no secret in logs or errors."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.cli import run_cli
from vigil.analytics.report import verify_report, write_report
from vigil.analytics.signing import KEY_FILE, fingerprint, load_or_create_key, rotate_key
from vigil.config import Settings
from vigil.errors import ConfigError
from vigil.keys import load_history, load_master_key, read_token, resolve_token, store_token
from vigil.keys.history import read_history_file
from vigil.publish.clients import Credentials
from vigil.store import Database

MASTER = "m" * 20 + "-master-secret-0123456789"
TOKEN = "tok-SECRET-4f1d2c9a8b7e6d5c"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "VIGIL_MASTER_KEY",
        "VIGIL_MASTER_KEY_FILE",
        "VIGIL_X_BEARER_TOKEN",
        "VIGIL_MASTODON_TOKEN",
        "VIGIL_BLUESKY_PASSWORD",
        "VIGIL_TOKEN_VALUE",
    ):
        monkeypatch.delenv(name, raising=False)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_signing_key_is_encrypted_at_rest_with_a_0600_master_file(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path)
    pem = (tmp_path / "keys" / KEY_FILE).read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # unreadable without the master key
        serialization.load_pem_private_key(pem, password=None)
    assert _mode(tmp_path / "keys" / KEY_FILE) == 0o600
    assert _mode(tmp_path / "keys" / "master.key") == 0o600
    assert _mode(tmp_path / "keys") == 0o700
    again = load_or_create_key(tmp_path)
    assert fingerprint(again.public_key()) == fingerprint(key.public_key())
    [published] = load_history(tmp_path)
    assert published.fingerprint == fingerprint(key.public_key())
    assert published.valid_until is None


def test_master_key_from_env_and_wrong_key_is_refused(tmp_path: Path) -> None:
    load_or_create_key(tmp_path, {"VIGIL_MASTER_KEY": MASTER})
    assert not (tmp_path / "keys" / "master.key").exists()
    with pytest.raises(ConfigError, match="cannot decrypt the signing key") as info:
        load_or_create_key(tmp_path, {"VIGIL_MASTER_KEY": MASTER[::-1]})
    assert MASTER[::-1] not in str(info.value)
    with pytest.raises(ConfigError, match="too short") as short:
        load_master_key(tmp_path, {"VIGIL_MASTER_KEY": "hunter2"})
    assert "hunter2" not in str(short.value)


def test_master_key_file_must_be_0600(tmp_path: Path) -> None:
    path = tmp_path / "master"
    path.write_text(MASTER + "\n")
    path.chmod(0o644)
    with pytest.raises(ConfigError) as info:
        load_master_key(tmp_path, {"VIGIL_MASTER_KEY_FILE": str(path)})
    message = str(info.value)
    assert "\n" not in message
    assert "0644" in message
    assert "chmod 600" in message
    assert MASTER not in message
    path.chmod(0o600)
    key = load_master_key(tmp_path, {"VIGIL_MASTER_KEY_FILE": str(path)})
    assert key.source == "VIGIL_MASTER_KEY_FILE"
    assert key.key == load_master_key(tmp_path, {"VIGIL_MASTER_KEY": MASTER}).key
    assert MASTER not in repr(key)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "master.key").write_text(MASTER)
    (tmp_path / "keys" / "master.key").chmod(0o640)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_master_key(tmp_path, {})


def test_a_plaintext_key_from_before_is_encrypted_in_place(tmp_path: Path) -> None:
    old = Ed25519PrivateKey.generate()
    path = tmp_path / "keys" / KEY_FILE
    path.parent.mkdir(mode=0o700)
    path.write_bytes(
        old.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    key = load_or_create_key(tmp_path)
    assert fingerprint(key.public_key()) == fingerprint(old.public_key())
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert _mode(path) == 0o600
    assert [k.fingerprint for k in load_history(tmp_path)] == [fingerprint(old.public_key())]


def test_tokens_are_encrypted_bound_to_their_platform_and_env_wins(tmp_path: Path) -> None:
    store_token(tmp_path, "x", TOKEN)
    raw = (tmp_path / "keys" / "tokens.json").read_text()
    assert TOKEN not in raw
    assert _mode(tmp_path / "keys" / "tokens.json") == 0o600
    assert read_token(tmp_path, "x") == TOKEN
    assert read_token(tmp_path, "mastodon") is None
    assert resolve_token(tmp_path, "x", "VIGIL_X_BEARER_TOKEN", {}) == TOKEN
    assert (
        resolve_token(tmp_path, "x", "VIGIL_X_BEARER_TOKEN", {"VIGIL_X_BEARER_TOKEN": "e"}) == "e"
    )
    # A ciphertext moved into another platform's slot does not decrypt (the name is bound).
    data = json.loads(raw)
    data["tokens"]["mastodon"] = data["tokens"]["x"]
    (tmp_path / "keys" / "tokens.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="cannot decrypt the stored mastodon token"):
        read_token(tmp_path, "mastodon")
    with pytest.raises(ConfigError, match="wrong master key"):
        read_token(tmp_path, "x", master=load_master_key(tmp_path, {"VIGIL_MASTER_KEY": MASTER}))
    del data["tokens"]["mastodon"]
    (tmp_path / "keys" / "tokens.json").write_text(json.dumps(data))
    creds = Credentials.from_env({}, home=tmp_path)
    assert creds.mastodon_token is None
    store_token(tmp_path, "bluesky", "app-pass-" + TOKEN)
    creds = Credentials.from_env({"VIGIL_BLUESKY_HANDLE": "org.sim"}, home=tmp_path)
    assert creds.bluesky_password == "app-pass-" + TOKEN
    assert TOKEN not in repr(creds)


def test_no_secret_in_debug_logs_or_errors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    env = {"VIGIL_MASTER_KEY": MASTER}
    master = load_master_key(tmp_path, env)
    store_token(tmp_path, "x", TOKEN, master=master)
    assert read_token(tmp_path, "x", master=master) == TOKEN
    load_or_create_key(tmp_path, env)
    rotate_key(tmp_path, env)
    errors = []
    for bad in ({"VIGIL_MASTER_KEY": MASTER + "x"}, {"VIGIL_MASTER_KEY": TOKEN[:10]}):
        with pytest.raises(ConfigError) as info:
            read_token(tmp_path, "x", master=load_master_key(tmp_path, bad))
        errors.append(str(info.value))
        errors.append(repr(info.value))
    pem = (tmp_path / "keys" / KEY_FILE).read_text()
    text = caplog.text + "\n".join(errors)
    assert caplog.records, "the operations log at INFO at least"
    for secret in (MASTER, TOKEN, TOKEN[:10], master.password("vigil signing key v1").decode()):
        assert secret not in text
    assert pem.splitlines()[1] not in text


def _report(db: Database, settings: Settings, out: Path) -> Path:
    write_report(db, settings, out, html=False)
    return out


def test_rotation_keeps_old_reports_verifiable(
    db: Database,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIGIL_HOME", str(settings.home))
    monkeypatch.setenv("VIGIL_DATABASE_URL", str(settings.database_url))
    old = _report(db, settings, tmp_path / "old")
    rotated = run_cli(capsys, "keys", "rotate", "--format", "json")
    assert rotated.code == 0, rotated.err
    change = json.loads(rotated.out)
    assert change["old"] != change["new"]
    new = _report(db, settings, tmp_path / "new")
    assert json.loads((new / "report.json").read_text())["key_fingerprint"] == change["new"]
    history_file = tmp_path / "published.json"
    assert run_cli(capsys, "keys", "export-public", "--out", str(history_file)).code == 0
    history = read_history_file(history_file)
    assert [k.fingerprint for k in history] == [change["old"], change["new"]]
    assert history[0].valid_until == history[1].valid_from
    assert "PRIVATE" not in history_file.read_text()
    for directory in (old, new):
        result = verify_report(directory, history=history)
        assert result.ok, result.problems
        cli = run_cli(
            capsys, "report", "verify", str(directory), "--key-history", str(history_file)
        )
        assert cli.code == 0, cli.err
    # A report signed with a key the organisation never published is refused,
    assert not verify_report(old, history=history[1:]).ok
    # and so is one claiming a date after its key was retired (a stolen old key).
    report = json.loads((old / "report.json").read_text())
    report["generated_at"] = "2999-01-01T00:00:00+00:00"
    (old / "report.json").write_text(json.dumps(report))
    problems = verify_report(old, history=history).problems
    assert "the report's key was not valid when the report says it was generated" in problems
    with db.session() as s:
        from sqlalchemy import select

        from vigil.model import AuditEvent

        actions = s.execute(select(AuditEvent.action)).scalars().all()
    assert "keys.rotated" in actions


def test_cli_set_token_and_status_never_print_it(
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIGIL_HOME", str(settings.home))
    monkeypatch.setenv("VIGIL_DATABASE_URL", str(settings.database_url))
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    done = run_cli(capsys, "keys", "set-token", "mastodon", "--token-file", str(token_file))
    assert done.code == 0, done.err
    monkeypatch.setenv("VIGIL_TOKEN_VALUE", "x-" + TOKEN)
    assert run_cli(capsys, "keys", "set-token", "x").code == 0
    status = run_cli(capsys, "keys", "status", "--format", "json")
    assert status.code == 0, status.err
    data = json.loads(status.out)
    assert set(data["tokens"]) == {"mastodon", "x"}
    assert data["master_key"] == "file"
    text = run_cli(capsys, "keys", "status")
    for shown in (status, text, done):
        assert TOKEN not in shown.out + shown.err
    assert read_token(settings.home, "x") == "x-" + TOKEN
    assert run_cli(capsys, "keys", "set-token", "nosuch").code != 0
