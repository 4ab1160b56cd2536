"""Ground truth and run records of a written world: truth.json, seeds.csv and world.json.

truth.json is what detection and resurgence are measured against; it is never read by the
detection side. seeds.csv is what an analyst starts with; world.json records how the
world was made and what it measured.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from vigil.sim.calibration import measure
from vigil.sim.world import World

__all__ = ["SEED_CRITERION", "write_seeds", "write_truth", "write_world_json"]

SEED_CRITERION = "prior_list"  # confirmed by the earlier volunteer list the seeds come from


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def write_truth(world: World, out: Path) -> int:
    """truth.json: the ground truth detection and resurgence are measured against."""
    accounts = [
        {
            "id": a.id,
            "handle": a.handle,
            "role": a.role.value,
            "identity": a.identity,
            "lang": a.lang,
            "created_at": _iso(a.created_at),
            "suspended_at": _iso(a.suspended_at),
            "reported_at": _iso(a.reported_at),
            "returned_from": a.returned_from,
            "returns_as": a.returns_as,
            "hyperactive": a.hyperactive,
            "avatar_media": a.avatar_media,
        }
        for a in world.accounts
    ]
    identities: dict[str, list[str]] = {}
    for a in world.accounts:
        identities.setdefault(a.identity, []).append(a.id)
    truth = {
        "start": world.start.isoformat(),
        "end": world.end.isoformat(),
        "accounts": accounts,
        "identities": {k: v for k, v in identities.items() if len(v) > 1},
        "media": [
            {
                "key": m.key,
                "owner_id": m.owner_id,
                "kind": m.kind,
                "bank_item": m.bank_item,
                "variant": m.variant,
            }
            for m in world.media
            if m.bank_item or m.variant
        ],
        "bank": [
            {"id": b.id, "label": b.label, "file": b.file, "outlet": b.outlet} for b in world.bank
        ],
        "seeds": world.params.get("seeds", []),
        "posts": {
            "propaganda_ref": [p.id for p in world.posts if p.propaganda_ref],
            "obfuscated": [p.id for p in world.posts if p.obfuscated],
        },
    }
    text = json.dumps(truth, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    (out / "truth.json").write_text(text, encoding="utf-8")
    return len(accounts)


def write_seeds(world: World, out: Path) -> int:
    """seeds.csv: supporters an earlier list confirmed (platform,account_id,username,criterion)."""
    index = world.account_index()
    seeds = world.params.get("seeds", [])
    with (out / "seeds.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["platform", "account_id", "username", "criterion"])
        for sid in seeds:
            writer.writerow(["x", sid, index[sid].handle, SEED_CRITERION])
    return len(seeds)


def write_world_json(
    world: World, out: Path, counts: dict[str, int], measured: dict[str, Any], extra: dict[str, Any]
) -> None:
    """world.json: parameters used, calibration targets with sources, counts, and the
    statistics `vigil.sim.calibration.measure` found in the world."""
    stats = measured or measure(world)
    stats.pop("suspensions_per_day", None)
    doc = {
        "start": world.start.isoformat(),
        "end": world.end.isoformat(),
        "params": world.params,
        "counts": counts,
        "measured": stats,
        **extra,
    }
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    (out / "world.json").write_text(text + "\n", encoding="utf-8")
