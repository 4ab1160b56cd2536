"""Resurgence: lookalike features, MinHash, links proposed and kept, and link precision and
recall against a generated world's truth."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from tests.support.signal_store import T0, Builder, import_world
from vigil.config import Settings
from vigil.model import Account, ListEntry, Signal, StatusObservation
from vigil.model.detection import AccountLink
from vigil.scoring.scan import run_scan
from vigil.signals.lookalike import Profile, compare, confidence, handle_key, minhash
from vigil.store import Database

DAY = timedelta(days=1)


def test_handle_key_folds_suffixes_and_disguise() -> None:
    assert handle_key("ali_9318") == handle_key("ali55") == handle_key("ALI")
    assert handle_key("h4san_als27815") == handle_key("hasan_als")
    assert handle_key("RLewis7192x") != handle_key("BHughes76")


def test_minhash_estimates_jaccard() -> None:
    a = np.arange(0, 200, dtype=np.int64)
    b = np.arange(100, 300, dtype=np.int64)  # Jaccard 1/3
    c = np.arange(1000, 1200, dtype=np.int64)  # disjoint
    sig = minhash([a, b, c, np.zeros(0, dtype=np.int64)], k=256)
    assert abs(float((sig[0] == sig[1]).mean()) - 1 / 3) < 0.1
    assert float((sig[0] == sig[2]).mean()) < 0.05
    assert not (sig[3] == sig[0]).any()  # an empty set matches nothing


def _profile(i: int, handle: str, name: str, bio: str, follows: range) -> Profile:
    return Profile(
        id=i,
        platform_id=1,
        handle=handle,
        name=name,
        bio=bio,
        followees=np.array(list(follows), dtype=np.int64),
    ).prepare()


def test_lookalikes_score_high_and_strangers_low() -> None:
    prior = _profile(1, "abu_imad5845", "Abu Imad al-Kurdi", "متابعة إصدارات", range(10, 40))
    back = _profile(2, "abu_1mad14", "Abu Imad al-Kurdi", "متابعة إصدارات | عدنا", range(10, 32))
    stranger = _profile(3, "Emma_White7614", "Emma White", "Views my own.", range(500, 530))
    namesake = _profile(4, "abu_imad_ali", "Abu Imad al-Kurdi", "Dad, cyclist", range(500, 530))
    good = compare(back, prior)
    assert good["handle"] > 0.8
    assert good["name"] == 1.0
    assert good["bio"] == 1.0
    assert confidence(good) > 0.95
    assert confidence(compare(stranger, prior)) < 0.05
    # The same name without shared followees or bio is not enough.
    assert confidence(compare(namesake, prior)) < 0.5
    # Followees alone, even overlapping, stay below a proposal.
    alone = _profile(5, "", "", "", range(10, 30))
    assert confidence(compare(alone, prior)) < confidence(compare(back, prior))
    # A pooled picture (shared by many accounts) is no evidence; a unique one is.
    prior.avatar = back.avatar = "https://img.example/p/1.jpg"
    assert compare(back, prior)["avatar"] == 1.0
    assert "avatar" not in compare(back, prior, frozenset({"a:" + prior.avatar}))


def test_a_different_location_counts_against() -> None:
    prior = _profile(1, "abu_imad5845", "Abu Imad al-Kurdi", "متابعة إصدارات", range(10, 40))
    back = _profile(2, "abu_1mad14", "Abu Imad al-Kurdi", "متابعة إصدارات", range(10, 32))
    assert "location" not in compare(back, prior)  # unknown on either side: no evidence
    prior = dataclasses.replace(prior, location="Mosul").prepare()
    same = dataclasses.replace(back, location="  mosul ").prepare()
    moved = dataclasses.replace(back, location="Lyon").prepare()
    assert compare(same, prior)["location"] == 1.0
    assert compare(moved, prior)["location"] == 0.0
    assert confidence(compare(moved, prior)) < confidence(compare(back, prior))
    assert confidence(compare(back, prior)) < confidence(compare(same, prior))


def _store(db: Database) -> dict[str, int]:
    """A suspended supporter, its return, an older lookalike, and an unrelated newcomer."""
    with db.transaction() as s:
        b = Builder(s)
        b.accounts("hub1", "hub2", "hub3", "hub4", "hub5", "hub6", created=T0 - 400 * DAY)
        b.accounts("imad_kurdi", created=T0 - 90 * DAY)
        b.accounts("imad_kurdi7", created=T0 + 2 * DAY)  # back 1 day after the suspension
        b.accounts("imad_kurdi_old", created=T0 - 30 * DAY)  # a lookalike older than that
        b.accounts("cyclist", created=T0 + 3 * DAY)
        profiles = {
            "imad_kurdi": ("Abu Imad al-Kurdi", "Following the releases"),
            "imad_kurdi7": ("Abu Imad al-Kurdi", "Following the releases | new acc"),
            "imad_kurdi_old": ("Abu Imad al-Kurdi", "Following the releases"),
            "cyclist": ("Emma White", "Dad, cyclist, bad cook"),
        }
        for handle, (name, bio) in profiles.items():
            s.execute(
                sa.update(Account)
                .where(Account.id == b.ids[handle])
                .values(display_name=name, bio=bio, profile_seen_at=T0 + 4 * DAY)
            )
        s.execute(
            sa.update(Account)
            .where(Account.id == b.ids["imad_kurdi"])
            .values(profile_seen_at=T0 + DAY - timedelta(hours=2))
        )
        b.follow("imad_kurdi", "hub1", "hub2", "hub3", "hub4", "hub5")
        b.follow("imad_kurdi7", "hub1", "hub2", "hub3", "hub4")
        b.follow("imad_kurdi_old", "hub1", "hub2", "hub3", "hub4")
        b.follow("cyclist", "hub6")
        b.post("imad_kurdi", T0 + DAY - timedelta(hours=3), text="hello")
        s.add(
            StatusObservation(
                account_id=b.ids["imad_kurdi"],
                status="suspended",
                observed_at=T0 + 5 * DAY,
                source="monitor",
            )
        )
        return dict(b.ids)


def _links(db: Database) -> list[AccountLink]:
    with db.session() as s:
        return list(s.scalars(sa.select(AccountLink).order_by(AccountLink.id)))


def test_generic_names_and_disjoint_followees_count_against() -> None:
    from vigil.signals.resurgence_match import MIN_CONFIDENCE

    # A pooled name and bio (scaled to 0.7) and nothing else: below proposing.
    generic = {"name": 0.7, "bio": 0.7, "recency": 0.9}
    assert confidence(generic) < MIN_CONFIDENCE
    assert confidence({**generic, "bio": 1.0}) > confidence(generic)
    # Same handle and name but two followee lists with nothing in common: a namesake.
    namesake = {"handle": 1.0, "name": 1.0, "recency": 0.7}
    assert confidence({**namesake, "followees": 0.0}) < MIN_CONFIDENCE < confidence(namesake)
    assert confidence({**namesake, "followees": 0.3}) > confidence(namesake)


def test_links_are_proposed_and_reviewed_ones_kept(db: Database, settings: Settings) -> None:
    ids = _store(db)
    run_scan(db, settings, signals=["resurgence"])
    [link] = _links(db)
    assert (link.new_account_id, link.prior_account_id) == (ids["imad_kurdi7"], ids["imad_kurdi"])
    assert link.status == "proposed"
    assert link.method == "resurgence"
    assert link.confidence > 0.9
    features = link.evidence["features"]
    assert features["name"] == 1.0
    assert features["shared_followees"] == 4
    assert 20 < features["gap_hours"] < 30
    with db.session() as s:
        [sig] = s.scalars(sa.select(Signal).where(Signal.name == "resurgence")).all()
    assert sig.account_id == ids["imad_kurdi7"]
    # The suspended account was neither confirmed nor scored: the value is discounted.
    assert sig.value == pytest.approx(0.6 * link.confidence, abs=1e-4)
    assert "looks like suspended @imad_kurdi" in sig.explanation
    assert "not confirmed" in sig.explanation

    # Once the suspended account is confirmed, the link counts in full; the link, proposed
    # again, keeps the time it was first made.
    with db.transaction() as s:
        s.add(ListEntry(account_id=ids["imad_kurdi"], kind="black", status="active"))
    run_scan(db, settings, signals=["resurgence"], full=True)
    with db.session() as s:
        value = s.scalar(sa.select(Signal.value).where(Signal.name == "resurgence"))
    [again] = _links(db)
    assert value == pytest.approx(again.confidence, abs=1e-4)
    assert again.created_at == link.created_at

    # A rejected link stays rejected and is not proposed again; the signal goes away.
    with db.transaction() as s:
        s.execute(sa.update(AccountLink).values(status="rejected"))
    run_scan(db, settings, signals=["resurgence"], full=True)
    assert [(x.status, x.new_account_id) for x in _links(db)] == [("rejected", ids["imad_kurdi7"])]
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Signal)) == 0


def _world_params(seed: int) -> object:
    from vigil.sim.generate import WorldParams

    shares = dict(WorldParams().role_shares)
    # More supporters who come back than a default world, so a small world has enough returns.
    shares["ordinary"] -= 0.05 - shares["supporter"]
    shares["supporter"] = 0.05
    return WorldParams(accounts=1500, seed=seed, role_shares=shares, resurgence_probability=0.7)


_WORLD: dict[str, Path] = {}


def _resurgent_world(root: Path) -> Path:
    if "w" not in _WORLD:
        from vigil.sim.output import generate_to_dir

        out = root / "world-resurgence"
        generate_to_dir(out, _world_params(23))  # type: ignore[arg-type]
        _WORLD["w"] = out
    return _WORLD["w"]


# A measurement on a generated world: SQLite only (the store paths are tested on both).
@pytest.mark.parametrize("dialect", ["sqlite"])
def test_link_precision_and_recall_on_a_generated_world(
    db: Database, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    world = _resurgent_world(tmp_path_factory.getbasetemp())
    import_world(db, settings, world)
    summary = run_scan(db, settings, signals=["resurgence"])
    truth = json.loads((world / "truth.json").read_text())
    accounts = {a["id"]: a for a in truth["accounts"]}
    with db.session() as s:
        pid = dict(s.execute(sa.select(Account.id, Account.platform_account_id)).all())
        suspended = set(s.scalars(sa.select(StatusObservation.account_id)))
        links = s.execute(
            sa.select(AccountLink.new_account_id, AccountLink.prior_account_id).order_by(
                AccountLink.new_account_id, AccountLink.confidence.desc()
            )
        ).all()
    best: dict[int, int] = {}
    for new, prior in links:
        best.setdefault(new, prior)

    def identity(i: int) -> str:
        return str(accounts[pid[i]]["identity"])

    right = sum(identity(n) == identity(p) for n, p in best.items())
    exact = sum(accounts[pid[n]]["returned_from"] == pid[p] for n, p in best.items())
    store = {v: k for k, v in pid.items()}
    returns = [
        store[a["id"]]
        for a in accounts.values()
        if a["returned_from"] and a["id"] in store and store[a["returned_from"]] in suspended
    ]
    found = sum(1 for n in returns if n in best and identity(best[n]) == identity(n))
    precision = right / max(len(best), 1)
    recall = found / max(len(returns), 1)
    print(
        f"\nresurgence links: {len(best)} new accounts linked, precision {precision:.3f} "
        f"(exact predecessor {exact / max(len(best), 1):.3f}), recall {recall:.3f} "
        f"of {len(returns)} returns whose predecessor was seen suspended; "
        f"{summary.seconds['resurgence']:.2f} s"
    )
    assert len(returns) >= 20  # the world has enough returns to measure anything
    assert precision >= 0.85
    assert recall >= 0.6
