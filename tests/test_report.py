"""The transparency report: written, signed and verified; one changed number or observation
fails verification, even when the forger re-signs; no personal data beyond listed handles."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.cli import run_cli
from vigil.analytics.dataset import read_dataset
from vigil.analytics.figures import compute_figures
from vigil.analytics.merkle import audit_root, lists_root, merkle_root
from vigil.analytics.report import verify_report, write_report
from vigil.analytics.signing import KEY_FILE, load_or_create_key, sign
from vigil.config import Settings
from vigil.model import Account, AuditEvent, ListEntry, Platform, Report, Score, StatusObservation
from vigil.model.monitor import ControlMember
from vigil.store import Database, record
from vigil.store import verify as verify_audit

T0 = datetime(2026, 5, 4, tzinfo=UTC)
DAY = timedelta(days=1)


def _world(db: Database) -> None:
    """30 listed accounts (20 reported), 25 controls, 20 days of daily checks."""
    with db.transaction() as s:
        p = Platform(name="x", kind="x")
        s.add(p)
        s.flush()
        accs = []
        for i in range(55):
            acc = Account(
                platform_id=p.id,
                platform_account_id=str(1000 + i),
                handle=f"listed_{i}" if i < 30 else f"private_{i}",
                followers_count=10 * i,
                posts_count=100 + i,
                lang=("ar", "en")[i % 2],
                created_at=T0 - timedelta(days=100 + i),
            )
            s.add(acc)
            s.flush()
            accs.append(acc)
            s.add(Score(account_id=acc.id, value=0.5 + i / 200, model_version="t"))
        for i, acc in enumerate(accs):
            listed = i < 30
            origin = T0 + (i % 3) * DAY
            if listed:
                s.add(
                    ListEntry(
                        account_id=acc.id,
                        kind="black",
                        criterion=("a", "b")[i % 2],
                        source="review",
                        added_at=origin,
                    )
                )
                if i < 20:
                    s.add(
                        Report(
                            account_id=acc.id,
                            platform_id=p.id,
                            channel="api",
                            status="submitted",
                            submitted_at=origin,
                        )
                    )
            else:
                s.add(
                    ControlMember(
                        account_id=acc.id,
                        matched_account_id=accs[i - 30].id,
                        platform_id=p.id,
                        index_at=origin,
                        score=0.6,
                        followers=acc.followers_count,
                        age_days=100.0,
                        distance=0.1,
                    )
                )
            gone = (i * 7) % 19 + 1 if (i % 4 and listed) or i % 3 == 0 else None
            for day in range(i % 3, 21):
                status = "suspended" if gone is not None and day >= gone + i % 3 else "active"
                s.add(
                    StatusObservation(
                        account_id=acc.id,
                        status=status,
                        source="monitor",
                        observed_at=T0 + day * DAY,
                        detail={"handle": acc.handle},
                    )
                )
        record(s, actor="test", action="list.add", subject="account:1", payload={})


@pytest.fixture
def written(db: Database, settings: Settings, tmp_path: Path) -> Path:
    _world(db)
    out = tmp_path / "report"
    write_report(db, settings, out, now=T0 + 21 * DAY)
    return out


def test_a_fresh_report_verifies_and_states_its_roots(
    written: Path, db: Database, settings: Settings
) -> None:
    result = verify_report(written)
    assert result.ok, result.problems
    report = json.loads((written / "report.json").read_text())
    key = settings.home / "keys" / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert result.fingerprint == report["key_fingerprint"]
    f = report["figures"]
    assert f["funnel"] == {
        "candidates": 55,
        "reviewed": 0,
        "listed": 30,
        "reported": 20,
        "removed": f["funnel"]["removed"],
    }
    assert f["funnel"]["removed"] == f["time_to_action"]["from_listing"]["all"]["events"] > 5
    with db.session() as s:
        # The roots are of the state before the report's own audit event.
        events = list(s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())
        assert events[-1].action == "report.published"
        assert report["merkle"]["audit_log"]["root"] == merkle_root(
            [e.hash.encode() for e in events[:-1]]
        )
        assert report["merkle"]["lists"]["root"] == lists_root(s)[0]
        assert audit_root(s)[1] == len(events)
        verify_audit(s)
    assert {p.name for p in written.iterdir()} == {
        "report.json",
        "report.sig",
        "report.html",
        "accounts.csv",
        "observations.csv",
        "waves.csv",
        "survival.csv",
        "figures.csv",
    }


def test_no_personal_data_beyond_listed_handles(written: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((written / "accounts.csv").read_text())))
    handles = {r["handle"] for r in rows if r["cohort"] == "control"}
    assert handles == {""}
    assert {r["handle"] for r in rows if r["cohort"] == "listed"} == {
        f"listed_{i}" for i in range(30)
    }
    everything = "".join(p.read_text() for p in written.iterdir())
    assert "private_" not in everything
    assert "1030" not in (written / "accounts.csv").read_text()  # no platform ids either
    html = (written / "report.html").read_text()
    assert "<script" not in html
    assert "src=" not in html
    assert "href=" not in html


def _resign(out: Path, settings: Settings, report: dict) -> None:  # type: ignore[type-arg]
    """What a forger holding the key would do: write and sign a changed report."""
    body = json.dumps(report, sort_keys=True, indent=1, ensure_ascii=False).encode() + b"\n"
    (out / "report.json").write_bytes(body)
    (out / "report.sig").write_text(sign(load_or_create_key(settings.home), body) + "\n")


def test_one_changed_number_fails(written: Path, settings: Settings) -> None:
    path = written / "report.json"
    report = json.loads(path.read_text())
    report["figures"]["funnel"]["removed"] += 1
    path.write_text(json.dumps(report, sort_keys=True, indent=1))
    result = verify_report(written)
    assert not result.ok
    assert "the signature does not match report.json" in result.problems
    assert "figures.funnel differ from those recomputed" in result.problems
    # Even re-signed by the key's holder, a changed figure does not survive recomputation.
    _resign(written, settings, report)
    again = verify_report(written)
    assert "the signature does not match report.json" not in again.problems
    assert "figures.funnel differ from those recomputed" in again.problems


def test_one_changed_observation_fails(written: Path, settings: Settings) -> None:
    path = written / "observations.csv"
    lines = path.read_text().splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if ",suspended," in line)
    lines[i] = lines[i].replace(",suspended,", ",active,")
    path.write_text("".join(lines))
    result = verify_report(written)
    assert "observations.csv does not match its SHA-256 in report.json" in result.problems
    assert any(p.startswith("figures.") for p in result.problems)
    # A forger who also fixes the hash and re-signs is still caught by the figures.
    report = json.loads((written / "report.json").read_text())
    import hashlib

    report["files"]["observations.csv"] = hashlib.sha256(path.read_bytes()).hexdigest()
    _resign(written, settings, report)
    again = verify_report(written)
    assert not again.ok
    assert all(p.startswith("figures.") or p.endswith("recomputed") for p in again.problems)


def test_figures_are_recomputed_from_the_export_alone(written: Path) -> None:
    report = json.loads((written / "report.json").read_text())
    figures = compute_figures(read_dataset(written), report["inputs"])
    assert json.loads(json.dumps(figures)) == report["figures"]


def test_another_public_key_is_refused(written: Path, tmp_path: Path) -> None:
    from vigil.analytics.signing import public_key_b64

    other = load_or_create_key(tmp_path / "other")
    result = verify_report(written, public_key=public_key_b64(other.public_key()))
    assert "the signature does not match report.json" in result.problems


def test_cli_writes_and_verifies(
    db: Database,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _world(db)
    monkeypatch.setenv("VIGIL_HOME", str(settings.home))
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    out = tmp_path / "cli-report"
    made = run_cli(capsys, "report", "--out", str(out), "--format", "json")
    assert made.code == 0, made.err
    assert not (out / "report.html").exists()
    ok = run_cli(capsys, "report", "verify", str(out), "--format", "json")
    assert ok.code == 0
    assert json.loads(ok.out)["ok"] is True
    (out / "waves.csv").write_text("day,actions,in_wave\n")
    bad = run_cli(capsys, "report", "verify", str(out))
    assert bad.code == 65
    assert "waves.csv" in bad.err
    usage = run_cli(capsys, "report")
    assert usage.code == 2


def test_an_empty_store_still_makes_a_verifiable_report(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    result = write_report(db, settings, tmp_path / "empty")
    assert result.figures["funnel"]["listed"] == 0
    assert result.figures["attribution"]["hazard_ratio"] is None
    assert verify_report(tmp_path / "empty").ok
