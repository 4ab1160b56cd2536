"""How supporters disguise keywords to get past filters, one small function per technique.

Each function takes a string and a `random.Random` and returns the disguised string; the
detection team reuses them as test cases for text normalisation. `obfuscate` picks a
technique that suits the script of the string.
"""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = [
    "ARABIC_TECHNIQUES",
    "LATIN_TECHNIQUES",
    "TATWEEL",
    "TECHNIQUES",
    "ZERO_WIDTH",
    "diacritics",
    "homoglyphs",
    "is_arabic",
    "leetspeak",
    "obfuscate",
    "spaced",
    "tatweel",
    "zero_width",
]

ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060")
TATWEEL = "\u0640"
_HARAKAT = tuple(chr(c) for c in range(0x064B, 0x0653))  # fathatan .. sukun
# Letters that join only to the previous letter: a tatweel after them would not connect.
_RIGHT_JOINING = set("اأإآٱدذرزوؤةءى")
_LEET = {
    "a": "4",
    "e": "3",
    "i": "1",
    "o": "0",
    "s": "5",
    "t": "7",
    "l": "1",
    "A": "4",
    "E": "3",
    "I": "1",
    "O": "0",
    "S": "5",
    "T": "7",
}
# Latin letters and the Cyrillic (or Greek) letters that look the same.
_HOMOGLYPHS = {
    "a": "а",
    "c": "с",
    "e": "е",
    "i": "і",
    "j": "ј",
    "o": "о",
    "p": "р",
    "s": "ѕ",
    "x": "х",
    "y": "у",
    "A": "А",
    "B": "В",
    "C": "С",
    "E": "Е",
    "H": "Н",
    "I": "І",
    "K": "К",
    "M": "М",
    "N": "Ν",
    "O": "О",
    "P": "Р",
    "S": "Ѕ",
    "T": "Т",
    "X": "Х",
    "Y": "Υ",
    "Z": "Ζ",
}


def is_arabic(s: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in s)


def _is_arabic_letter(ch: str) -> bool:
    return "\u0621" <= ch <= "\u064a"


def spaced(s: str, rng: random.Random) -> str:
    """Letters pulled apart by spaces, dots or hyphens: ``A m a q``, ``A.m.a.q``."""
    sep = rng.choice((" ", ".", "-", "_"))
    return " ".join(sep.join(word) for word in s.split(" "))


def leetspeak(s: str, rng: random.Random) -> str:
    """Letters replaced by look-alike digits (about two thirds of the candidates)."""
    return "".join(_LEET[c] if c in _LEET and rng.random() < 0.67 else c for c in s)


def homoglyphs(s: str, rng: random.Random) -> str:
    """Latin letters replaced by identical-looking Cyrillic or Greek ones."""
    out = [_HOMOGLYPHS[c] if c in _HOMOGLYPHS and rng.random() < 0.6 else c for c in s]
    if out == list(s):
        for i, c in enumerate(s):
            if c in _HOMOGLYPHS:
                out[i] = _HOMOGLYPHS[c]
                break
    return "".join(out)


def tatweel(s: str, rng: random.Random) -> str:
    """Arabic words stretched with kashida (U+0640) between joining letters (at least once)."""
    spots = [
        i
        for i in range(len(s) - 1)
        if _is_arabic_letter(s[i]) and s[i] not in _RIGHT_JOINING and _is_arabic_letter(s[i + 1])
    ]
    chosen = {i for i in spots if rng.random() < 0.5}
    if spots and not chosen:
        chosen = {rng.choice(spots)}
    return "".join(
        ch + (TATWEEL * rng.randint(1, 3) if i in chosen else "") for i, ch in enumerate(s)
    )


def diacritics(s: str, rng: random.Random) -> str:
    """Arabic letters loaded with short-vowel marks (harakat) that change no meaning to a reader."""
    out: list[str] = []
    for ch in s:
        out.append(ch)
        if _is_arabic_letter(ch) and rng.random() < 0.6:
            out.append(rng.choice(_HARAKAT))
    return "".join(out)


def zero_width(s: str, rng: random.Random) -> str:
    """Invisible characters (zero-width space, joiners, word joiner) between letters."""
    if len(s) < 2:
        return s
    cuts = sorted(rng.sample(range(1, len(s)), k=min(len(s) - 1, rng.randint(1, 3))))
    parts, last = [], 0
    for cut in cuts:
        parts.append(s[last:cut])
        last = cut
    parts.append(s[last:])
    return rng.choice(ZERO_WIDTH).join(parts)


Technique = Callable[[str, random.Random], str]
TECHNIQUES: dict[str, Technique] = {
    "spaced": spaced,
    "leetspeak": leetspeak,
    "homoglyphs": homoglyphs,
    "tatweel": tatweel,
    "diacritics": diacritics,
    "zero_width": zero_width,
}
LATIN_TECHNIQUES = ("spaced", "leetspeak", "homoglyphs", "zero_width")
ARABIC_TECHNIQUES = ("tatweel", "diacritics", "zero_width", "spaced")


def obfuscate(s: str, rng: random.Random) -> tuple[str, str]:
    """Disguise ``s`` with a technique suited to its script; returns (text, technique)."""
    name = rng.choice(ARABIC_TECHNIQUES if is_arabic(s) else LATIN_TECHNIQUES)
    return TECHNIQUES[name](s, rng), name
