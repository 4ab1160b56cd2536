"""Large files parsed by a child process: the same store as the serial path, and when.

Every shared X sample file, pages that rename users and edit tweets, and lines to quarantine
go into one file, imported with and without the parse process into two fresh stores.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.data import X_API_DATA
from tests.support.import_pages import (
    T0,
    alive,
    dump,
    followers,
    mixed_file,
    page,
    profile_handles,
    quarantined,
    spawned_fixture,  # noqa: F401  (fixture "spawned")
    store_fixture,  # noqa: F401  (fixture "store")
    summary_of,
)
from vigil.model import Account, AccountHandle
from vigil.platforms import importer, parse_worker
from vigil.platforms.file_imports import import_mastodon_files, import_x_files
from vigil.platforms.record_batch import Batch, from_plain, to_plain
from vigil.platforms.spare_cores import CpuSample, core_to_spare, cpu_sample, others_cores
from vigil.platforms.x_files import XLineParser


@pytest.mark.parametrize("batch_records", [97, 20_000])
def test_parse_process_stores_what_the_serial_path_stores(
    store: Any, tmp_path: Path, spawned: list[Any], batch_records: int
) -> None:
    data = mixed_file(tmp_path / "mixed.jsonl", pages=60)
    serial_settings, serial_db = store("serial")
    apart_settings, apart_db = store("apart")
    serial = import_x_files(
        serial_db, serial_settings, [data], batch_records=batch_records, parse_apart=False
    )
    assert not spawned
    apart = import_x_files(
        apart_db, apart_settings, [data], batch_records=batch_records, parse_apart=True
    )
    assert len(spawned) == 1
    assert summary_of(apart) == summary_of(serial)
    assert apart.files[0].sha256 == serial.files[0].sha256
    entries = quarantined(apart)
    assert entries == quarantined(serial)
    assert [q["reason"].split(":")[0] for q in entries] == [
        "not JSON",  # the broken line of the shared stream sample
        "not a shape Vigil knows",
        "not UTF-8 text",
        "not JSON",
    ]
    assert dump(apart_db) == dump(serial_db)
    with apart_db.session() as session:
        handles = session.scalars(
            sa.select(AccountHandle.handle)
            .join(Account, Account.id == AccountHandle.account_id)
            .where(Account.platform_account_id == "901")
        ).all()
    assert len(handles) > 10
    assert set(handles) == profile_handles(data, "901")  # every handle it had, kept


def test_parse_process_for_mastodon_files(store: Any, tmp_path: Path, spawned: list[Any]) -> None:
    statuses = tmp_path / "statuses.jsonl"
    with statuses.open("w") as out:
        for i in range(300):
            who = {
                "id": str(i % 40),
                "username": f"u{i % 40}",
                "acct": f"u{i % 40}",
                "display_name": f"U {i % 40}",
                "url": f"https://example.social/@u{i % 40}",
                "note": "<p>dull</p>",
                "created_at": "2020-01-01T00:00:00.000Z",
            }
            status = {
                "id": str(10_000 + i),
                "created_at": (T0 + timedelta(seconds=i)).isoformat(),
                "content": f"<p>status {i}</p>",
                "url": f"https://example.social/@u{i % 40}/{10_000 + i}",
                "account": who,
                "mentions": [],
                "media_attachments": [],
            }
            out.write(json.dumps(status) + "\n")
    runs = []
    for name, apart in (("serial", False), ("apart", True)):
        settings, db = store(name)
        summary = import_mastodon_files(
            db, settings, [statuses], instance="example.social", parse_apart=apart
        )
        runs.append((summary_of(summary), dump(db)))
    assert len(spawned) == 1
    assert runs[0] == runs[1]
    assert runs[0][0]["totals"]["posts"] == 300


@pytest.mark.parametrize("dialect", ["sqlite"])
@pytest.mark.parametrize("spare", [True, False])
def test_by_default_a_large_file_is_parsed_apart_only_with_cores_to_spare(
    store: Any, tmp_path: Path, spawned: list[Any], monkeypatch: pytest.MonkeyPatch, spare: bool
) -> None:
    data = mixed_file(tmp_path / "mixed.jsonl", pages=60)
    serial_settings, serial_db = store("serial")
    serial = import_x_files(serial_db, serial_settings, [data], batch_records=97, parse_apart=False)
    monkeypatch.setattr(importer, "PARSE_PROCESS_FROM", data.stat().st_size)
    monkeypatch.setattr(importer, "core_to_spare", lambda before, after: spare)
    monkeypatch.setattr(importer, "_cores", lambda: 2)
    chunks_from_child: list[Any] = []
    real_iter = parse_worker.ParseProcess.__iter__

    def counted(self: parse_worker.ParseProcess) -> Iterator[Any]:
        for chunk in real_iter(self):
            chunks_from_child.append(chunk)
            yield chunk

    monkeypatch.setattr(parse_worker.ParseProcess, "__iter__", counted)
    settings, db = store("default")
    summary = import_x_files(db, settings, [data], batch_records=97)
    assert len(spawned) == 1  # started while the first batch was parsed here
    assert bool(chunks_from_child) is spare
    assert not alive(spawned[0].pid)
    assert summary_of(summary) == summary_of(serial)
    assert dump(db) == dump(serial_db)


def test_other_programs_cores_are_what_is_busy_beyond_this_process() -> None:
    before = CpuSample(wall=10.0, busy=100.0, ours=5.0, cores=2)
    busy_elsewhere = CpuSample(wall=11.0, busy=101.9, ours=5.9, cores=2)  # 1.9 busy, 0.9 ours
    assert others_cores(before, busy_elsewhere) == pytest.approx(1.0)
    assert not core_to_spare(before, busy_elsewhere)
    idle_elsewhere = CpuSample(wall=11.0, busy=101.0, ours=5.95, cores=2)
    assert others_cores(before, idle_elsewhere) == pytest.approx(0.05)
    assert core_to_spare(before, idle_elsewhere)
    assert core_to_spare(None, idle_elsewhere)  # nothing known (no /proc): the cores are free
    now = cpu_sample()
    assert now is not None
    assert now.cores == len(os.sched_getaffinity(0))
    sum(range(3_000_000))  # some work of this process's own
    later = cpu_sample()
    assert later is not None
    assert later.ours > now.ours
    assert later.busy >= now.busy


def test_plain_batches_come_back_as_the_same_records() -> None:
    parser = XLineParser(fallback_time=T0)
    records = []
    for sample in sorted(X_API_DATA.glob("*.jsonl")):
        for line in sample.read_text().splitlines():
            try:
                records += parser(json.loads(line))
            except ValueError:
                continue  # the broken line of the stream sample
    rng = random.Random(1)
    for n in range(5):
        records += parser(page(n, rng)) + parser(followers(n))
    batch = Batch.of(records)
    batch.find_placeholders()
    assert all(getattr(batch, kind) for kind in ("accounts", "posts", "media", "follows"))
    assert batch.statuses
    assert batch.placeholders is not None
    assert batch.placeholders.stubs
    assert batch.placeholders.wanted
    again = from_plain(to_plain(batch))
    assert again == batch
    for kind in ("accounts", "posts", "media", "follows", "statuses"):
        assert [type(r) for r in getattr(again, kind)] == [type(r) for r in getattr(batch, kind)]
    nested = [(p, q) for p, q in zip(again.posts, batch.posts, strict=True) if q.references]
    assert nested
    for p, q in nested:
        for field in ("references", "mentions", "links"):
            assert [type(x) for x in getattr(p, field)] == [type(x) for x in getattr(q, field)]
