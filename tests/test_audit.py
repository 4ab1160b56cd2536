"""The audit log: chained hashes, verification, and tampering found at the exact event."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.support.cli import run_cli
from vigil.config import Settings
from vigil.errors import AuditIntegrityError
from vigil.model import GENESIS_HASH, AuditEvent
from vigil.store import Database, open_database, record, verify
from vigil.store.audit import canonical_event, event_hash


def _fill(db: Database, n: int) -> None:
    with db.transaction() as session:
        for i in range(n):
            record(
                session,
                actor=f"analyst{i % 3}",
                action="decision.confirm",
                subject=f"account:{i}",
                payload={"criterion": "C1", "note": "ok é \u202e", "n": i, "score": 0.25 * i},
            )


def _verify(db: Database) -> int:
    with db.session() as session:
        return verify(session).events


def test_chain_links_each_event_to_the_previous(db: Database) -> None:
    _fill(db, 5)
    with db.session() as session:
        events = session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    first = events[0]
    expected = event_hash(
        GENESIS_HASH,
        canonical_event(
            first.seq, first.ts, first.actor, first.action, first.subject, first.payload
        ),
    )
    assert first.hash == expected
    assert first.ts.tzinfo is not None
    assert _verify(db) == 5


def test_rollback_leaves_no_event(db: Database) -> None:
    _fill(db, 2)
    with pytest.raises(RuntimeError), db.transaction() as session:
        record(session, actor="a", action="x", subject="s", payload={})
        raise RuntimeError("caller failed after recording")
    assert _verify(db) == 2


@pytest.mark.parametrize(
    ("column", "value"),
    [("payload", '{"criterion":"C9"}'), ("actor", "someone-else"), ("subject", "account:99")],
)
def test_edited_row_fails_on_exactly_that_event(db: Database, column: str, value: str) -> None:
    _fill(db, 8)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE audit_event SET {column} = :v WHERE seq = 5"), {"v": value})
    with db.session() as session, pytest.raises(AuditIntegrityError) as info:
        verify(session)
    assert info.value.seq == 5
    assert "audit event 5" in str(info.value)


def test_edited_timestamp_fails(db: Database) -> None:
    _fill(db, 4)
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(AuditEvent.__table__)  # type: ignore[arg-type]
            .where(AuditEvent.seq == 3)
            .values(ts=datetime(2020, 1, 1, tzinfo=UTC))
        )
    with db.session() as session, pytest.raises(AuditIntegrityError) as info:
        verify(session)
    assert info.value.seq == 3


def test_rehashed_row_still_breaks_the_next_link(db: Database) -> None:
    """A forger who recomputes the edited event's hash is caught by the next event."""
    _fill(db, 6)
    with db.session() as session:
        ev = session.get(AuditEvent, 4)
        assert ev is not None
        payload = '{"criterion":"FORGED"}'
        forged = event_hash(
            ev.prev_hash, canonical_event(ev.seq, ev.ts, ev.actor, ev.action, ev.subject, payload)
        )
    with db.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE audit_event SET payload = :p, hash = :h WHERE seq = 4"),
            {"p": payload, "h": forged},
        )
    with db.session() as session, pytest.raises(AuditIntegrityError) as info:
        verify(session)
    assert info.value.seq == 5


def test_deleted_row_is_named(db: Database) -> None:
    _fill(db, 7)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_event WHERE seq = 4"))
    with db.session() as session, pytest.raises(AuditIntegrityError) as info:
        verify(session)
    assert info.value.seq == 4
    assert "missing" in str(info.value)


def test_deleted_last_row_is_caught_by_the_head(db: Database) -> None:
    _fill(db, 3)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_event WHERE seq = 3"))
    with db.session() as session, pytest.raises(AuditIntegrityError) as info:
        verify(session)
    assert info.value.seq == 3


def test_concurrent_writers_keep_one_chain(settings: Settings) -> None:
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        db = open_database(settings)
        try:
            for i in range(15):
                with db.transaction() as session:
                    record(session, actor=f"w{k}", action="t", subject=f"s{i}", payload={"i": i})
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = open_database(settings)
    try:
        assert _verify(db) == 60
    finally:
        db.dispose()


def test_cli_verify_reports_count_and_fails_on_tamper(
    db: Database,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    _fill(db, 3)
    ok = run_cli(capsys, "audit", "verify")
    assert ok.code == 0, ok.err
    assert "3 events" in ok.out
    as_json = run_cli(capsys, "audit", "verify", "--format", "json")
    assert '"events": 3' in as_json.out
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_event SET action = 'x' WHERE seq = 2"))
    bad = run_cli(capsys, "audit", "verify")
    assert bad.code == 3
    assert bad.err.strip().splitlines() == [bad.err.strip()]
    assert "audit event 2" in bad.err
    assert "Traceback" not in bad.err
