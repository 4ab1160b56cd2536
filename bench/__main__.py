"""Run the benchmarks: `python -m bench [NAME ...]`.

Each `bench/bench_<name>.py` exposes `run() -> dict`; its figures are printed beside the
baseline measured in the same run and written to `bench/results/<name>.json`.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _discover() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = argv or _discover()
    unknown = [n for n in names if n not in _discover()]
    if unknown:
        sys.stderr.write(f"bench: unknown benchmark(s): {', '.join(unknown)}\n")
        return 2
    RESULTS.mkdir(exist_ok=True)
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            figures = module.run()
        except Exception as exc:
            failed += 1
            print(f"   FAILED: {type(exc).__name__}: {exc}", flush=True)
            continue
        record = {
            "benchmark": name,
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "seconds": round(time.perf_counter() - started, 2),
            "figures": figures,
        }
        for key, value in figures.items():
            print(f"   {key}: {value}", flush=True)
        (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
