"""How much of the machine other programs use: whether a parse process would get a core.

Linux counts every core's busy time in /proc/stat; taking off what this process and its
children used over the same window leaves what other programs used. Elsewhere nothing is
known, and the cores count as free.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuSample", "core_to_spare", "cpu_sample", "others_cores"]

_STAT = Path("/proc/stat")
# An import with a parse process keeps about one and a half cores busy (the store's thread
# and SQLite, the child's parsing); with less than that free, it is slower than alone. The
# window is one where the import itself wants two cores, so a program that would take a
# whole core shows as less than half of one: a third of a core already counts.
NEEDED_CORES = 1.65


@dataclass(frozen=True, slots=True)
class CpuSample:
    """Seconds at one moment: of the clock, of all cores' busy time, and of ours."""

    wall: float
    busy: float
    ours: float
    cores: int


def cpu_sample(*children: int) -> CpuSample | None:
    """This moment's counters (this process and `children`), or None without /proc.

    Only the cores this process may run on count (a container's, not the whole host's).
    """
    hz = os.sysconf("SC_CLK_TCK")
    try:
        lines = _STAT.read_text().splitlines()
    except OSError:
        return None
    allowed = _allowed()
    busy = 0
    cores = 0
    for line in lines:
        name, _, rest = line.partition(" ")
        if not (name.startswith("cpu") and name[3:].isdigit()):
            continue
        if allowed is not None and int(name[3:]) not in allowed:
            continue
        ticks = [int(f) for f in rest.split()[:8]]  # user nice system idle iowait irq soft steal
        busy += sum(ticks) - ticks[3] - ticks[4]
        cores += 1
    own = os.times()
    ours = own.user + own.system + sum(_process_seconds(pid, hz) for pid in children)
    return CpuSample(time.monotonic(), busy / hz, ours, cores)


def _allowed() -> set[int] | None:
    try:
        return set(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this system: every core
        return None


def others_cores(before: CpuSample, after: CpuSample) -> float:
    """Cores other programs kept busy, on average, between the two samples."""
    wall = after.wall - before.wall
    if wall <= 0:
        return 0.0
    return max(0.0, (after.busy - before.busy) - (after.ours - before.ours)) / wall


def core_to_spare(before: CpuSample | None, after: CpuSample | None) -> bool:
    """Whether, between the samples, other programs left this import the cores it needs."""
    if before is None or after is None:
        return True
    return after.cores - others_cores(before, after) >= NEEDED_CORES


def _process_seconds(pid: int, hz: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / hz  # utime, stime
