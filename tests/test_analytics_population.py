"""Capture-recapture: Chapman's formula, and an interval covering the world's true number of
supporter accounts when discovery routes (signals, imported lists) catch them independently."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.support.monitor_world import T0, build, seed_store
from vigil.analytics.gather import gather_dataset
from vigil.analytics.population import chapman, population_estimate
from vigil.model import ListEntry, Signal
from vigil.sim.world import Role
from vigil.store import Database


def test_chapman_by_hand() -> None:
    est = chapman(80, 100, 40)
    assert est["estimate"] == round(81 * 101 / 41 - 1, 2)
    var = 81 * 101 * 40 * 60 / (41**2 * 42)
    assert est["variance"] == round(var, 2)
    assert est["ci95"] == [
        round(81 * 101 / 41 - 1 - 1.959964 * math.sqrt(var), 2),
        round(81 * 101 / 41 - 1 + 1.959964 * math.sqrt(var), 2),
    ]
    # Never below the accounts actually seen.
    assert chapman(5, 5, 5)["ci95"][0] == 5.0
    with pytest.raises(ValueError, match="recaptures"):
        chapman(3, 4, 5)


def test_interval_covers_the_true_number_of_supporters(db: Database) -> None:
    setup = build(n_listed=150, n_pool=150, seed=21)
    rows = seed_store(db, setup)
    supporters = [a.id for a in setup.world.accounts if a.role is Role.SUPPORTER]
    rng = np.random.default_rng(5)
    caught = {
        "media": {a for a in supporters if rng.random() < 0.35},
        "text": {a for a in supporters if rng.random() < 0.45},
        "prior-list": {a for a in supporters if rng.random() < 0.2},
    }
    listed = set().union(*caught.values())
    with db.transaction() as s:
        for aid in supporters:
            for name in ("media", "text"):
                # Below the threshold a signal does not count as a catch.
                value = 0.9 if aid in caught[name] else 0.2
                s.add(
                    Signal(
                        account_id=rows[aid], name=name, version="1", value=value, explanation="x"
                    )
                )
        for aid in sorted(listed):
            source = "prior-list" if aid in caught["prior-list"] else "review"
            s.add(ListEntry(account_id=rows[aid], kind="black", source=source, added_at=T0))
    with db.session() as s:
        ds = gather_dataset(s)
    est = population_estimate(ds.accounts)
    assert est["routes"] == {
        "hash_match": len(caught["media"]),
        "imported_list": len([a for a in listed if a in caught["prior-list"]]),
        "lexicon": len(caught["text"]),
    }
    assert len(est["pairs"]) == 3
    head = est["headline"]
    assert head["routes"] == ["hash_match", "lexicon"]  # the pair with the most recaptures
    assert head["m"] == len(caught["media"] & caught["text"])
    low, high = head["ci95"]
    assert low <= len(supporters) <= high
    assert len(listed) < low  # the estimate says more exist than were found
    for pair in est["pairs"]:
        assert pair["ci95"][0] <= len(supporters) <= pair["ci95"][1]
