"""The text signal over a small generated world, imported into SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from vigil.config import Settings
from vigil.model import Account, Post, Signal
from vigil.platforms.file_imports import import_x_files
from vigil.signals import ScanContext, plugin, write_signals
from vigil.signals.classifier import latest_model, train, train_from_labels
from vigil.signals.text import TextSignal
from vigil.sim.generate import WorldParams
from vigil.sim.output import generate_to_dir
from vigil.sim.world import Role, World
from vigil.store import Database

T0 = datetime(2026, 10, 1, tzinfo=UTC)
PROTECTED = {Role.JOURNALIST, Role.NEWS_OUTLET, Role.RESEARCHER, Role.PARODY, Role.COUNTER_SPEECH}


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Path]:
    out = tmp_path_factory.mktemp("text-world")
    return generate_to_dir(out, WorldParams(accounts=600, seed=2026)), out


def _roles(db: Database, world: World) -> dict[int, Role]:
    by_platform_id = {a.id: Role(a.role) for a in world.accounts}
    with db.session() as s:
        rows = s.execute(sa.select(Account.id, Account.platform_account_id)).all()
    return {aid: by_platform_id[pid] for aid, pid in rows if pid in by_platform_id}


def test_registered_as_the_builtin_text_signal() -> None:
    assert plugin("text") is TextSignal


def test_supporters_stand_out_protected_carry_counter_evidence_classifier_learns(
    db: Database, settings: Settings, world_dir: tuple[World, Path]
) -> None:
    world, out = world_dir
    import_x_files(db, settings, sorted((out / "x").glob("*.jsonl")))
    roles = _roles(db, world)
    with db.transaction() as s:
        ctx = ScanContext(session=s, settings=settings, now=T0)
        written = write_signals(s, TextSignal, TextSignal().compute(ctx), scanned=None, now=T0)
    with db.session() as s:
        rows = s.execute(sa.select(Signal).where(Signal.name == "text")).scalars().all()
        texts = dict(s.execute(sa.select(Post.id, Post.text)).all())
    assert written == len(rows) > 0
    values: dict[Role, list[float]] = defaultdict(list)
    countered: dict[Role, list[bool]] = defaultdict(list)
    for row in rows:
        role = roles[row.account_id]
        values[role].append(row.value)
        countered[role].append(bool(row.evidence["counter"]["posts"]))
        assert 0.0 <= row.value <= 1.0
        for post_id, spans in row.evidence["spans"].items():
            assert int(post_id) in row.evidence["posts"]
            for start, end, term, category in spans:
                assert texts[int(post_id)][start:end], (term, category)
    means = {r: statistics.mean(v) for r, v in values.items()}
    shares = {r: sum(c) / len(c) for r, c in countered.items()}
    print({r.value: (len(values[r]), round(means[r], 3), round(shares[r], 2)) for r in means})
    assert means[Role.SUPPORTER] > 0.4
    assert means[Role.SUPPORTER] > 4 * means[Role.ORDINARY]
    protected = [c for r in PROTECTED for c in countered.get(r, [])]
    assert protected
    assert sum(protected) / len(protected) > 0.8
    assert shares[Role.SUPPORTER] < 0.5
    top = max(rows, key=lambda r: r.value)
    assert roles[top.account_id] == Role.SUPPORTER
    assert " of " in top.explanation
    assert "weight" in top.explanation
    _incremental_scan_and_classifier_from_labels(db, settings, roles)


def _incremental_scan_and_classifier_from_labels(
    db: Database, settings: Settings, roles: dict[int, Role]
) -> None:
    with db.session() as s:
        posting = sorted(set(s.execute(sa.select(Post.account_id)).scalars()))
        subset = posting[:5]
        ctx = ScanContext(session=s, settings=settings, now=T0, accounts=subset)
        assert {r.account_id for r in TextSignal().compute(ctx)} == set(subset)
    assert latest_model(settings) is None
    # Reviewers decided on every other account; the rest show what the model learnt.
    labels = {a: roles[a] == Role.SUPPORTER for a in posting[::2]}
    info = train_from_labels(db, settings, labels)
    assert info.positives > 0
    assert info.texts > info.positives
    model = latest_model(settings)
    assert model is not None
    assert model.info.version == info.version
    with db.session() as s:
        ctx = ScanContext(session=s, settings=settings, now=T0)
        results = list(TextSignal().compute(ctx))
    assert all(r.evidence["classifier"]["version"] == info.version for r in results)
    unseen = [r for r in results if r.account_id not in labels]
    sup = [
        r.evidence["classifier"]["mean"] for r in unseen if roles[r.account_id] == Role.SUPPORTER
    ]
    other = [
        r.evidence["classifier"]["mean"] for r in unseen if roles[r.account_id] == Role.ORDINARY
    ]
    print(
        "held-out classifier mean: supporters",
        statistics.mean(sup),
        "ordinary",
        statistics.mean(other),
    )
    assert statistics.mean(sup) > statistics.mean(other) + 0.3


def test_train_refuses_one_class(tmp_path: Path) -> None:
    from vigil.errors import InputError

    with pytest.raises(InputError, match="both classes"):
        train(["a", "b"], [True, True], Settings(home=tmp_path))
