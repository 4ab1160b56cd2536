"""The shipped lexicon: its file, validation errors that name file/line/field, and matching."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from vigil.errors import InputError
from vigil.signals.lexicon import (
    CATEGORIES,
    COUNTER_CATEGORIES,
    default_lexicon,
    load_lexicon,
)
from vigil.sim import lexicon as lx
from vigil.sim.obfuscation import obfuscate

HEADER = "term,lang,category,weight,source\n"


def test_shipped_lexicon_is_valid_and_sourced() -> None:
    lex = default_lexicon()
    assert len(lex) >= 40
    assert {e.category for e in lex.entries} <= CATEGORIES
    assert {"outlet", "self_designation", "hashtag", "opponent_name"} <= {
        e.category for e in lex.entries
    }
    assert all(e.source and 0 < e.weight <= 10 for e in lex.entries)
    assert {e.lang for e in lex.entries} >= {"ar", "en", "fr"}


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("amaq,en,outlet,3", ":2: expected 5 fields"),
        ("amaq,xx,outlet,3,src", ":2 field 'lang'"),
        ("amaq,en,slogan,3,src", ":2 field 'category'"),
        ("amaq,en,outlet,heavy,src", ":2 field 'weight'"),
        ("amaq,en,outlet,0,src", ":2 field 'weight'"),
        ("amaq,en,outlet,3,", ":2 field 'source'"),
        ("\u200b,en,outlet,3,src", ":2 field 'term'"),
        ("amaq,en,outlet,3,src\nA m a q,en,outlet,3,src", ":3 field 'term': duplicate of line 2"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path: Path, row: str, fragment: str) -> None:
    path = tmp_path / "lex.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_lexicon(path)
    message = str(err.value)
    assert str(path) in message
    assert fragment in message
    assert "\n" not in message


def test_bad_header_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "lex.csv"
    path.write_text("term,weight\n", encoding="utf-8")
    with pytest.raises(InputError, match=":1: header must be"):
        load_lexicon(path)
    with pytest.raises(InputError, match="cannot read lexicon"):
        load_lexicon(tmp_path / "missing.csv")


def test_matches_on_word_boundaries_with_original_spans() -> None:
    lex = default_lexicon()
    text = "Mirror of the latest 4m4q release https://justpaste.it/ab12 #IslamicState"
    got = [(text[m.start : m.end], m.entry.category) for m in lex.match(text)]
    assert got == [
        ("4m4q", "outlet"),
        ("justpaste.it", "file_host"),
        ("#IslamicState", "hashtag"),
    ]
    # Inside a longer word, a term is not a match.
    assert lex.match("Amaqsoft and Dabiqville and #Amaqfans") == []


def test_longest_match_wins_and_news_framing_is_counter() -> None:
    lex = default_lexicon()
    text = "Statement attributed to the Islamic State group via Amaq"
    hits = [(text[m.start : m.end], m.entry.category) for m in lex.match(text)]
    assert hits == [("the Islamic State group", "news_framing"), ("Amaq", "outlet")]
    assert "news_framing" in COUNTER_CATEGORIES
    assert "outlet" not in COUNTER_CATEGORIES


def test_arabic_clitics_and_disguises() -> None:
    lex = default_lexicon()
    text = "وكالة أعـماق التابعة لـداعش"
    hits = [(text[m.start : m.end], m.entry.category) for m in lex.match(text)]
    assert hits == [("وكالة أعـماق", "outlet"), ("داعش", "opponent_name")]
    # A clitic is one or two letters, not any word ending in one.
    assert lex.match("مداعش") == []


def test_every_disguised_sim_marker_still_matches() -> None:
    lex = default_lexicon()
    rng = random.Random(11)
    missed = []
    for lang in ("ar", "en", "fr"):
        markers = [o.name(lang) for o in lx.OUTLETS] + lx.SELF_NAMES[lang]
        markers += [m for m in lx.MARKERS["supporter"][lang] if lex.match(m)]
        for marker in markers:
            clean = [m.entry.key for m in lex.match(marker)]
            assert clean, marker
            for _ in range(30):
                disguised, technique = obfuscate(marker, rng)
                if any(w.isdigit() for w in disguised.split()):
                    continue  # a word turned entirely into digits stays a number
                got = [m.entry.key for m in lex.match(f"Nouveau: {disguised} issue 3")]
                if got != clean:
                    missed.append((marker, technique, disguised))
    assert missed == []
