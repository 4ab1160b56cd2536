"""The media signal on a small generated world: easy variants match, hard ones are
recovered by screenshot content regions and bank sub-crops; matches are explained."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from vigil.config import Settings
from vigil.model import Account, Media, MediaMatch
from vigil.platforms.file_imports import import_x_files
from vigil.signals import ScanContext, plugin
from vigil.signals.banks import add_images, import_file
from vigil.signals.pdq import distance
from vigil.sim.generate import WorldParams
from vigil.sim.media import VARIANT_KINDS_EASY, VARIANT_KINDS_HARD
from vigil.sim.output import generate_to_dir
from vigil.store import Database

T0 = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world") / "w"
    generate_to_dir(out, WorldParams(accounts=600, seed=3))
    return out


# Matching itself runs on both databases in test_banks.py; the world run is the slow part.
@pytest.mark.parametrize("dialect", ["sqlite"])
def test_world_media_match_the_bank(db: Database, settings: Settings, world: Path) -> None:
    import_x_files(db, settings, sorted((world / "x").glob("*.jsonl")), media_dir=world / "media")
    with db.transaction() as s:
        import_file(s, "sim", world / "bank" / "hashes.csv", actor="test")
        add_images(s, "sim", sorted((world / "bank").glob("*.png")), actor="test")
    with db.transaction() as s:
        results = list(plugin("media")().compute(ScanContext(s, settings, T0)))
    truth = json.loads((world / "truth.json").read_text())
    kind = {m["key"]: m.get("variant") for m in truth["media"] if m.get("bank_item")}
    item = {m["key"]: m["bank_item"] for m in truth["media"] if m.get("bank_item")}
    full = {r["item"]: r["pdq"] for r in csv_rows(world / "bank" / "hashes.csv")}
    with db.session() as s:
        media = s.execute(sa.select(Media.id, Media.media_key, Media.pdq)).all()
        matched = dict(s.execute(sa.select(MediaMatch.media_id, MediaMatch.item)).all())
        handles = dict(s.execute(sa.select(Account.id, Account.handle)).all())
    seen: Counter[tuple[str, str]] = Counter()
    wrong = 0
    for media_id, key, pdq in media:
        if key not in kind:
            wrong += media_id in matched  # an image from no bank item matched one
            continue
        v = "easy" if kind[key] in (*VARIANT_KINDS_EASY, "original") else kind[key]
        seen[(v, "n")] += 1
        seen[(v, "pdq")] += pdq is not None and distance(pdq, full[item[key]]) <= 31
        seen[(v, "vigil")] += matched.get(media_id) == item[key]
    assert seen[("easy", "n")] > 10
    assert seen[("easy", "vigil")] == seen[("easy", "n")]
    assert wrong == 0
    for v in VARIANT_KINDS_HARD:
        assert seen[(v, "n")] > 3
        assert seen[(v, "vigil")] > seen[(v, "pdq")]
        print(
            f"{v}: plain PDQ {seen[(v, 'pdq')]}/{seen[(v, 'n')]}, "
            f"with sub-crops and content regions {seen[(v, 'vigil')]}/{seen[(v, 'n')]}"
        )
    assert results
    assert all(0 < r.value <= 1 for r in results)
    top = max(results, key=lambda r: r.value)
    assert " match bank 'sim' item 'bank-" in top.explanation or "image matches" in top.explanation
    assert top.evidence["posts"]
    assert top.evidence["media"]
    assert top.evidence["matches"]
    assert handles[top.account_id]


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))
