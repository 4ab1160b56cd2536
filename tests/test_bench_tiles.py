"""The census-size Spark bench copies a simulated snapshot K times: the copies must load
into a new store, be disjoint, and give K times the signals of the original."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from bench.snapshot_tiles import suffix, tile_seeds, tile_snapshot

from tests.support.signal_store import generated_world, import_world
from vigil.batch.snapshot import export_snapshot, import_snapshot, read_manifest
from vigil.config import Settings
from vigil.model import Account, Follow, Post
from vigil.review.seeds import import_list
from vigil.scoring.scan import confirmed_accounts, run_scan
from vigil.store import Database, open_database, upgrade

COPIES = 3


def _counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {
            m.__tablename__: int(s.scalar(sa.select(sa.func.count()).select_from(m)) or 0)
            for m in (Account, Post, Follow)
        }


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_copies_load_disjoint_and_scale_the_signals(
    db: Database, settings: Settings, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    world = generated_world(tmp_path_factory.getbasetemp())
    import_world(db, settings, world)
    with db.transaction() as s:
        import_list(s, world / "seeds.csv", source="prior-list")
    base = tmp_path / "base"
    export_snapshot(db, base)
    rows = tile_snapshot(base, tmp_path / "tiled", COPIES)
    read_manifest(tmp_path / "tiled")  # hashes and counts recorded for the new files
    seeds = tile_seeds(world / "seeds.csv", tmp_path / "seeds.csv", COPIES)

    tiled = open_database(Settings(home=tmp_path / "home"))
    upgrade(tiled)
    import_snapshot(tiled, tmp_path / "tiled")
    with tiled.transaction() as s:
        import_list(s, tmp_path / "seeds.csv", source="prior-list")
    one, many = _counts(db), _counts(tiled)
    assert many == {name: COPIES * n for name, n in one.items()}
    assert rows["post"] == many["post"]
    assert rows["platform"] == read_manifest(base).rows()["platform"]
    with db.session() as s:
        listed = len(confirmed_accounts(s))
    with tiled.session() as s:
        assert len(confirmed_accounts(s)) == COPIES * listed == seeds
        # Copies never follow each other: every edge stays within its copy's id range.
        with db.session() as base_s:
            stride = int(base_s.scalar(sa.select(sa.func.max(Account.id))) or 0) + 1
        pairs = s.execute(sa.select(Follow.source_id, Follow.target_id)).all()
        assert {a // stride for a, _ in pairs} == set(range(COPIES))
        assert all(a // stride == b // stride for a, b in pairs)
        ids = s.scalars(sa.select(Account.platform_account_id).order_by(Account.id)).all()
        assert ids[-1].endswith(f"~{COPIES - 1}")
        assert suffix("12", 0) == "12"

    signals = ["behaviour", "text"]
    local = run_scan(db, settings, signals=signals, full=True)
    copied = run_scan(tiled, Settings(home=tmp_path / "home"), signals=signals, full=True)
    assert {n: copied.signals[n] for n in signals} == {
        n: COPIES * local.signals[n] for n in signals
    }
    tiled.dispose()
