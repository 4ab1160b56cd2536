"""Text normalisation: the sim's obfuscations as adversarial cases, and the offset map."""

from __future__ import annotations

import random

import pytest

from vigil.signals.normalise import normalise, normalise_with_map, original_span
from vigil.sim import lexicon as lx
from vigil.sim.obfuscation import ARABIC_TECHNIQUES, LATIN_TECHNIQUES, TECHNIQUES, is_arabic


def _markers() -> list[str]:
    out: set[str] = set()
    for lang in ("ar", "en", "fr"):
        out |= {o.name(lang) for o in lx.OUTLETS}
        out |= set(lx.SELF_NAMES[lang]) | set(lx.MARKERS["supporter"][lang])
    return sorted(out)


def _digits_only_word(disguised: str) -> bool:
    # Known limit: a word turned entirely into digits ("la" → "14") stays a number.
    return any(w.isdigit() for w in disguised.split())


@pytest.mark.parametrize("marker", _markers())
def test_every_obfuscated_marker_normalises_like_the_clean_one(marker: str) -> None:
    clean = normalise(marker)
    techniques = ARABIC_TECHNIQUES if is_arabic(marker) else LATIN_TECHNIQUES
    for seed in range(60):
        rng = random.Random(seed)
        for name in techniques:
            disguised = TECHNIQUES[name](marker, rng)
            got = normalise(disguised)
            if name == "spaced":
                # Plain spaces between every letter leave no trace of the spaces between
                # words in lower case ("a l - B a y a n r a d i o"): compare without them.
                assert got.replace(" ", "") == clean.replace(" ", ""), (name, disguised)
            elif name == "leetspeak" and _digits_only_word(disguised):
                continue
            else:
                assert got == clean, (name, disguised)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ａｍａｑ", "amaq"),  # fullwidth
        ("\u0410m\u0430q", "amaq"),  # Cyrillic А, а
        ("A\u200bm\u200da\u2060q", "amaq"),  # zero-width
        ("\u202eAmaq\u202c", "amaq"),  # bidi override
        ("أَعْمَاق", "اعماق"),  # harakat, hamza on alef
        ("أعـــماق", "اعماق"),  # tatweel
        ("صحيفة النبأ", "صحيفه النبا"),  # teh marbuta, alef with hamza
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("I S I S fighters", "isis fighters"),
        ("4m4q", "amaq"),
        ("7h3 1514m1c 574735", "the isiamic states"),
        ("  two \t\n spaces ", "two spaces"),
        ("l'État", "i'etat"),
    ],
)
def test_folds(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plan B is a go", "pian b is a go"),  # two single letters: not a spaced word
        ("x I S I S, y", "x isis, y"),  # a capital after a small letter starts a word
        ("e.g. 3.5 U.S. 2015-09-01", "eg. 3.5 us. 2015-09-01"),  # numbers stay numbers
        ("issue 42 of 2015", "issue 42 of 2015"),
        ("il y a un an", "ii y a un an"),  # French: two one-letter words in a row stay apart
    ],
)
def test_no_false_joins(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_map_points_back_to_the_original_and_agrees_with_normalise() -> None:
    rng = random.Random(5)
    samples = [
        "New from A m a q: issue 3 #Dawla",
        "جديد أعـــماق: العدد ٣",
        "Nouveau de 4m4q : numéro 7",
        "\u0410m\u0430q \u200bbulletin",
        "t h e I s l a m i c S t a t e",
    ]
    samples += [TECHNIQUES[n](m, rng) for m in _markers() for n in TECHNIQUES]
    for text in samples:
        norm, offsets = normalise_with_map(text)
        assert norm == normalise(text)
        assert len(offsets) == len(norm)
        assert offsets == sorted(offsets)
        assert all(0 <= o < len(text) for o in offsets)
    text = "Mirror: A\u200bm\u0430q release"
    norm, offsets = normalise_with_map(text)
    s = norm.index("amaq")
    start, end = original_span(offsets, s, s + 4, text)
    assert text[start:end] == "A\u200bm\u0430q"
