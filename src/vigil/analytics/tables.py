"""The report's figures as CSV tables: daily waves, survival curves, and every figure flat.

Derived from the figures alone, so verification derives them again and compares bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

__all__ = ["figure_tables"]


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue()


def _flat(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("curve", "curves"):
                continue  # in survival.csv
            yield from _flat(f"{prefix}.{k}" if prefix else str(k), v)
    elif isinstance(value, list) and prefix.endswith("daily"):
        return  # in waves.csv
    elif isinstance(value, list):
        yield prefix, json.dumps(value, sort_keys=True, separators=(",", ":"))
    else:
        yield prefix, value


def figure_tables(figures: dict[str, Any]) -> dict[str, str]:
    """File name -> CSV text."""
    days_in_waves: set[str] = set()
    daily = figures["waves"]["daily"]
    for w in figures["waves"]["waves"]:
        days_in_waves.update(d for d, _ in daily if w["first_day"] <= d <= w["last_day"])
    waves = _csv(["day", "actions", "in_wave"], [[d, n, int(d in days_in_waves)] for d, n in daily])
    curves = []
    for origin, groups in figures["time_to_action"].items():
        for t, s in groups["all"].get("curve", []):
            curves.append([origin, t, s])
    for group, curve in figures["attribution"]["curves"].items():
        curves += [[f"attribution_{group}", t, s] for t, s in curve]
    survival = _csv(["origin", "days", "share_still_up"], curves)
    flat = _csv(["figure", "value"], [[k, v] for k, v in _flat("", figures)])
    return {"waves.csv": waves, "survival.csv": survival, "figures.csv": flat}
