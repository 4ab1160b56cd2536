"""A parse process that fails: a clear error, never a hang; a killed import: no orphan.

A child killed or failing surfaces as a `VigilError`; `kill -9` of the importing process
ends its parse process too, and a restart stores what an uninterrupted import stores.
"""

from __future__ import annotations

import json
import operator
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.support.import_pages import (
    T0,
    alive,
    children,
    content,
    mixed_file,
    page,
    store_fixture,  # noqa: F401  (fixture "store")
)
from vigil.errors import InputError, VigilError
from vigil.platforms import importer, parse_worker
from vigil.platforms.file_imports import import_x_files
from vigil.platforms.x_files import XLineParser


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_killed_parse_process_is_an_error_not_a_hang(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = mixed_file(tmp_path / "mixed.jsonl", pages=200)
    settings, db = store("s")

    class KilledAfterOneChunk(parse_worker.ParseProcess):
        def __iter__(self) -> Iterator[Any]:
            for n, chunk in enumerate(super().__iter__()):
                if n == 0:
                    assert self._proc is not None
                    os.kill(self._proc.pid, signal.SIGKILL)
                yield chunk

    monkeypatch.setattr(importer, "ParseProcess", KilledAfterOneChunk)
    with pytest.raises(VigilError, match=r"parse process ended early \(killed by signal 9\)"):
        import_x_files(db, settings, [data], batch_records=50, parse_apart=True)


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_an_error_in_the_parse_process_comes_back_as_a_vigil_error(
    store: Any, tmp_path: Path
) -> None:
    numbers = tmp_path / "numbers.jsonl"
    numbers.write_text("0\n1\n")
    # A parser that fails the way no bad line does (a bug): 1/0 on the first line.
    broken = partial(operator.truediv, 1)
    with (
        parse_worker.ParseProcess(numbers, broken, 100, numbers.stat().st_size) as apart,
        pytest.raises(VigilError, match="ZeroDivisionError: division by zero") as failure,
    ):
        list(apart)
    assert type(failure.value) is VigilError
    gone = tmp_path / "gone.jsonl"
    parser = XLineParser(fallback_time=T0)
    with (
        parse_worker.ParseProcess(gone, parser, 100, 0) as apart,
        pytest.raises(InputError, match=r"gone\.jsonl: cannot read: No such file"),
    ):
        list(apart)


_IMPORT = """
import sys
from pathlib import Path
from vigil.config import Settings
from vigil.store import open_database
from vigil.platforms.file_imports import import_x_files
settings = Settings(home=Path(sys.argv[1]), database_url=sys.argv[2] or None)
db = open_database(settings)
import_x_files(db, settings, [Path(sys.argv[3])], parse_apart=True, batch_records=2000)
"""


@pytest.mark.slow
def test_kill_9_during_a_parallel_import_leaves_no_parse_process_and_a_restart_completes(
    store: Any, tmp_path: Path
) -> None:
    big = tmp_path / "big.jsonl"
    rng = random.Random(9)
    with big.open("w") as out:
        for n in range(300):
            made = page(n, rng, tweets=100, users=3000, by_handle=False)
            out.write(json.dumps(made) + "\n")
    settings, db = store("killed")
    proc = subprocess.Popen(
        [sys.executable, "-c", _IMPORT, str(settings.home), settings.database_url or "", str(big)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    kids: list[int] = []
    deadline = time.monotonic() + 60
    while proc.poll() is None and not kids and time.monotonic() < deadline:
        kids = children(proc.pid)
        time.sleep(0.01)
    assert kids, "the import started no parse process"
    time.sleep(random.Random(3).uniform(0.2, 0.8))
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == (-signal.SIGKILL if killed else 0), proc.stderr
    deadline = time.monotonic() + 30
    while any(map(alive, kids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(alive, kids)), "the parse process lives on"
    import_x_files(db, settings, [big])
    reference_settings, reference_db = store("reference")
    import_x_files(reference_db, reference_settings, [big])
    assert content(db) == content(reference_db)
    assert content(db)["posts"]
