"""Long fuzzing runs with atheris (libFuzzer, coverage-guided), one target per process.

`make fuzz` runs every target for FUZZ_SECONDS; a crash leaves its input in .vigil/fuzz/ and
makes the run fail. Run one: ``python -m tests.fuzz.run_atheris x_line 60``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris  # type: ignore[import-not-found]

with atheris.instrument_imports(include=["vigil"]):
    from tests.fuzz import samples, targets


def _seeds() -> dict[str, list[bytes]]:
    def lines(*objs: object) -> list[bytes]:
        return [json.dumps(o).encode() for o in objs]

    return {
        "json_line": lines(
            samples.TWARC_PAGE,
            samples.TWARC_FLAT_TWEET,
            samples.TWARC_COMPLIANCE,
            samples.MASTODON_STATUS,
            [samples.MASTODON_ACCOUNT],
        ),
        "bluesky": lines(samples.BLUESKY_FEED_ITEM),
        "bank": [samples.BANK_CSV.encode(), samples.BANK_JSON.encode()],
        "list_csv": [samples.LIST_CSV.encode()],
        "seeds_csv": [samples.SEEDS_CSV.encode()],
        "hosts_csv": [samples.HOSTS_CSV.encode()],
        "policy": [(Path(__file__).parents[2] / "src/vigil/review/data/policy.json").read_bytes()],
    }


def _from_json(target: Callable[[object], None]) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        try:
            obj = json.loads(data)
        except (ValueError, RecursionError):
            return
        target(obj)

    return run


def main() -> None:
    name, seconds = sys.argv[1], int(sys.argv[2])
    work = Path(tempfile.mkdtemp(prefix=f"vigil-fuzz-{name}-"))
    fns: dict[str, Callable[[bytes], None]] = {
        "json_line": targets.json_line,
        "bluesky": _from_json(targets.bluesky_item),
        "bank": targets.BankTarget(work),
        "list_csv": targets.list_csv,
        "seeds_csv": targets.seeds_csv,
        "hosts_csv": targets.hosts_csv,
        "policy": _from_json(targets.policy),
    }
    corpus = work / "corpus"
    corpus.mkdir()
    for i, seed in enumerate(_seeds()[name]):
        (corpus / f"seed-{i}").write_bytes(seed)
    crashes = Path(".vigil/fuzz") / name
    crashes.mkdir(parents=True, exist_ok=True)
    args = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={seconds}",
        f"-artifact_prefix={crashes}/",
        "-max_len=65536",
        "-timeout=10",  # a hang is a finding too
        "-print_final_stats=1",
    ]
    atheris.Setup(args, fns[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
