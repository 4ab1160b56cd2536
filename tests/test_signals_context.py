"""The context counter-signal: each protected kind recognised from its profile, supporters'
profiles left alone, the whitelist, and protected accounts' false positives on a world."""

from __future__ import annotations

import csv
import io
import json
from importlib import resources

import pytest
import sqlalchemy as sa

from tests.support.signal_store import T0, Builder, generated_world, import_world, roles_by_store_id
from vigil.config import Settings
from vigil.model import Account, ListEntry, ListKind, ListStatus, Score, Signal
from vigil.review.seeds import import_list
from vigil.scoring.scan import run_scan
from vigil.scoring.score import default_weights
from vigil.signals import names
from vigil.signals.context import KINDS, assess, load_indicators
from vigil.store import Database

PROTECTED = ("journalist", "researcher", "parody", "counter_speech", "news_outlet")


@pytest.mark.parametrize(
    ("name", "bio", "url", "kind"),
    [
        (
            "Daniel White",
            "Reporter @ Middle East Daily. Covering Iraq & Syria.",
            None,
            "journalist",
        ),
        ("Yasmine Benali", "Journaliste à Orient Hebdo. Moyen-Orient.", None, "journalist"),
        ("حمزة خوري", "صحفي في أخبار الرافدين", None, "journalist"),
        ("Olivia Patel", "PhD candidate.", "https://research.example.edu/people/o", "researcher"),
        ("Sarah Bouzid", "Chercheuse, propagande en ligne. Université de Lyon", None, "researcher"),
        (
            "Desk",
            "Official account of Gulf Post. Breaking news.",
            "https://www.bbc.co.uk/x",
            "news_outlet",
        ),
        ("Amaq HR Department (Parody)", "Satire. Not affiliated with anyone.", None, "parody"),
        ("Amaq HR (ساخر)", "سخرية من داعش", None, "parody"),
        ("Nadia Meziane", "Contre la propagande de Daesh. #PasEnMonNom", None, "counter_speech"),
        ("أبو زياد", "نفضح أكاذيب تنظيم داعش #ليس_باسمي", None, "counter_speech"),
    ],
)
def test_each_kind_is_recognised(name: str, bio: str, url: str | None, kind: str) -> None:
    scores, why = assess(load_indicators(), name=name, bio=bio, url=url, verified=False)
    assert max(scores, key=lambda k: scores[k]) == kind
    assert scores[kind] >= 0.5
    assert why[kind]


@pytest.mark.parametrize(
    "bio",
    [
        "Following Amaq releases",
        "Nouvelles de al-Dawla",
        "أخبار الدولة الإسلامية",
        "أخبار دولة الخلافة",
        "عبد فقير إلى الله",
        "backup acc | new acc",
        "Dad, cyclist, bad cook",
    ],
)
def test_supporter_and_ordinary_profiles_carry_no_context(bio: str) -> None:
    assert assess(load_indicators(), name="Abu Omar", bio=bio, url=None, verified=True)[0] == {}


def test_verification_strengthens_but_never_makes_a_role() -> None:
    ind = load_indicators()
    plain = assess(ind, name="x", bio="Freelance, Levant", url=None, verified=False)[0]
    verified = assess(ind, name="x", bio="Freelance, Levant", url=None, verified=True)[0]
    assert verified["journalist"] > plain["journalist"] > 0
    assert assess(ind, name="x", bio="", url=None, verified=True)[0] == {}


def test_every_indicator_has_a_public_source() -> None:
    data = resources.files("vigil.signals").joinpath("data")
    for name in ("context_profile.csv", "context_domains.csv"):
        rows = list(csv.DictReader(io.StringIO(data.joinpath(name).read_text(encoding="utf-8"))))
        assert rows, name
        assert all(r["source"].strip() for r in rows), name
        assert {r["kind"] for r in rows} <= set(KINDS), name


def test_context_signal_and_whitelist(db: Database, settings: Settings) -> None:
    assert "context" in names()
    assert default_weights().weights["context"] < 0
    with db.transaction() as s:
        b = Builder(s)
        b.accounts("reporter", "parody", "plain", "white", created=T0)
        bios = {
            "reporter": "Security correspondent, Gulf Evening Post. RTs not endorsements.",
            "parody": "Parody account. Mocking Daesh since 2015.",
            "plain": "Following Amaq releases",
            "white": "",
        }
        for handle, bio in bios.items():
            s.execute(sa.update(Account).where(Account.id == b.ids[handle]).values(bio=bio))
            b.post(handle, T0, text="Amaq baqiya #Amaq")
        s.add(
            ListEntry(
                account_id=b.ids["white"],
                kind=ListKind.WHITE,
                status=ListStatus.ACTIVE,
                whitelist_type="researcher",
            )
        )
        ids = dict(b.ids)
    run_scan(db, settings, signals=["text", "context"])
    with db.session() as s:
        rows = {
            a: (v, e)
            for a, v, e in s.execute(
                sa.select(Signal.account_id, Signal.value, Signal.explanation).where(
                    Signal.name == "context"
                )
            )
        }
        scores = dict(s.execute(sa.select(Score.account_id, Score.value)).all())
    assert ids["plain"] not in rows
    assert rows[ids["reporter"]][1].startswith("likely journalist: 'correspondent'")
    assert rows[ids["parody"]][1].startswith("likely parody account: 'parody'")
    assert rows[ids["white"]] == (1.0, "on the whitelist (researcher)")
    # Same posts, lower score: the counter-signal is subtracted.
    assert scores[ids["reporter"]] < scores[ids["plain"]]
    assert scores[ids["parody"]] < scores[ids["plain"]]


def _rates(
    db: Database, roles: dict[int, str], seeds: frozenset[int]
) -> dict[str, tuple[float, float]]:
    """Per class: (share scored >= 0.5, mean score)."""
    with db.session() as s:
        scores = dict(s.execute(sa.select(Score.account_id, Score.value)).all())
    out = {}
    for role in (*PROTECTED, "ordinary"):
        values = [scores.get(i, 0.0) for i, r in roles.items() if r == role and i not in seeds]
        n = max(len(values), 1)
        out[role] = (round(sum(v >= 0.5 for v in values) / n, 3), round(sum(values) / n, 6))
    return out


# A measurement on a generated world: SQLite only (the store paths are tested on both).
@pytest.mark.parametrize("dialect", ["sqlite"])
def test_protected_false_positives_before_and_after(
    db: Database, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    world = generated_world(tmp_path_factory.getbasetemp())
    seeds = import_world(db, settings, world)
    with db.transaction() as s:
        import_list(s, world / "seeds.csv", source="prior-list")
    roles = roles_by_store_id(db, json.loads((world / "truth.json").read_text()))
    run_scan(db, settings, signals=[n for n in names() if n != "context"])
    before = _rates(db, roles, seeds)
    summary = run_scan(db, settings)
    after = _rates(db, roles, seeds)
    print(f"\n(false-positive rate at 0.5, mean score) before context: {before}")
    print(f"                                          after context: {after}")
    assert summary.signals["context"] > 0
    for role in PROTECTED:
        assert after[role][0] <= before[role][0], role
        assert after[role][1] <= before[role][1], role
    # Together the protected classes score lower.
    assert sum(after[r][1] for r in PROTECTED) < sum(before[r][1] for r in PROTECTED)
    assert after["ordinary"][0] <= before["ordinary"][0]
