"""Text normalisation for matching: one canonical form for a marker however it is disguised.

`normalise_with_map` also returns, for each output character, the index of the original
character it came from, so a match in normalised text can be highlighted in the original.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = ["normalise", "normalise_with_map", "original_span"]

# Dropped outright: tatweel (kashida) stretches Arabic words without changing them.
_DROP = {"\u0640"}
# Marks (accents, harakat, hamza above/below) and format characters (zero-width, bidi).
_DROP_CATEGORIES = {"Mn", "Me", "Cf"}
# Letters that look like Latin ones, after case folding (so Cyrillic "В" arrives as "в").
_HOMOGLYPHS = dict(
    zip(
        "аввеёкмнорстухѕіїјԁһӏαβεηικμνορτυχζ",
        "abbeekmhopctyxsiijdhiabehikmnoptyxz",
        strict=True,
    )
)
# Arabic letter forms that spelling varies between; hamza carriers already lose their
# hamza as a dropped mark, so أ إ آ → ا and ئ → ي, ؤ → و need no entry here.
_ARABIC = {"ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك"}
# "1" stands for both "i" and "l" in leetspeak, so the two letters share one form.
_FOLD_L = {"l": "i"}
_LEET = str.maketrans("013457", "oieast")


def _char(ch: str) -> str:
    out = []
    for c in unicodedata.normalize("NFKD", ch.casefold()):
        if c.isspace():
            out.append(" ")
        elif c in _DROP or unicodedata.category(c) in _DROP_CATEGORIES:
            continue
        else:
            c = _HOMOGLYPHS.get(c, c)
            c = _ARABIC.get(c, c)
            out.append(_FOLD_L.get(c, c))
    return "".join(out)


class _CharMap(dict[int, str]):
    """Code point → normalised text, computed on first sight; `str.translate` reads it."""

    def __missing__(self, key: int) -> str:
        value = _char(chr(key))
        self[key] = value
        return value


_CHARS = _CharMap()

# Letters pulled apart by spaces ("I S I S"): at least three one-character tokens in a row,
# the last one perhaps followed by punctuation ("A m a q:").
_SPACED = re.compile(r"(?<!\S)\S(?: \S(?!\S))+ \S(?![^\s.,:;!?)\]])")
# ... or by one punctuation separator ("a.m.a.q", "l.a"), the same one throughout.
_SPACED_PUNCT = re.compile(r"(?<!\S)\S([._\-])\S(?:\1\S)*(?![^\W_])")
_TOKEN = re.compile(r"[a-z0-9]+")
_DIGIT = re.compile(r"[0-9]")
_SPACES = re.compile(r" {2,}")

Offsets = list[int] | None
# Given a match, the positions (relative to it) of the characters to keep, in order.
_Keep = Callable[[re.Match[str]], list[int]]


def _apply(pattern: re.Pattern[str], keep: _Keep, s: str, offs: Offsets) -> tuple[str, Offsets]:
    """Shrink every match of `pattern` to the characters `keep` picks; kept ones keep their
    origin, so the map stays exact."""
    pieces: list[str] = []
    new_offs: list[int] = []
    last = 0
    for m in pattern.finditer(s):
        start, end = m.span()
        kept = keep(m)
        if len(kept) == end - start:
            continue
        pieces.append(s[last:start])
        g = m.group()
        pieces.append("".join(g[i] for i in kept))
        if offs is not None:
            new_offs.extend(offs[last:start])
            new_offs.extend(offs[start + i] for i in kept)
        last = end
    if not pieces:
        return s, offs
    pieces.append(s[last:])
    if offs is None:
        return "".join(pieces), None
    new_offs.extend(offs[last:])
    return "".join(pieces), new_offs


def _unspace(m: re.Match[str]) -> list[int]:
    g = m.group()
    # Two characters ("e.g", "3.5", "x-y") join only when both are letters: "l.a" → "la".
    if len(g) == 3 and not (g[0].isalpha() and g[2].isalpha()):
        return [0, 1, 2]
    kept = [0]
    # Between plain spaces, a capital after a small letter starts a new word ("x I S I S",
    # "t h e I s l a m i c"); not in a hashtag, which is one word however it is capitalised.
    breaks = g[1] == " " and g[0] != "#"
    for i in range(2, len(g), 2):
        if breaks and g[i].isupper() and g[i - 2].islower():
            kept.append(i - 1)
        kept.append(i)
    return kept


def _first_space(m: re.Match[str]) -> list[int]:
    return [0]


def _fold_leet(s: str, offs: Offsets) -> tuple[str, Offsets]:
    """Digits inside a word that has letters are letters ("4m4q"); a token of digits only is
    folded too when it reads as part of one ("7h3 574735", "41-furqan"), else stays a number."""
    tokens = list(_TOKEN.finditer(s))
    if not tokens:
        return s, offs
    # 2: letters and digits, 1: digits only, 0: letters only
    kinds = [1 if t.group().isdigit() else 2 if _DIGIT.search(t.group()) else 0 for t in tokens]
    fold = set()
    for i, k in enumerate(kinds):
        if k == 2:
            fold.add(i)
        elif k == 1:
            near = [j for j in (i - 1, i + 1) if 0 <= j < len(tokens)]
            if any(_joined(s, tokens, kinds, i, j) for j in near):
                fold.add(i)
    if not fold:
        return s, offs
    chars = list(s)
    for i in fold:
        start, end = tokens[i].span()
        chars[start:end] = s[start:end].translate(_LEET).translate(_FOLD_LEET_L)
    return "".join(chars), offs


_FOLD_LEET_L = str.maketrans(_FOLD_L)


def _joined(s: str, tokens: list[re.Match[str]], kinds: list[int], i: int, j: int) -> bool:
    """Whether digits-only token `i` reads as part of a disguised word with neighbour `j`:
    one character apart from a mixed token, or hyphenated / elided onto a word ("41-furqan")."""
    a, b = tokens[min(i, j)], tokens[max(i, j)]
    if b.start() - a.end() != 1 or kinds[j] == 1:
        return False
    return kinds[j] == 2 or s[a.end()] in "-'"


def _pipeline(text: str, offs: Offsets) -> tuple[str, Offsets]:
    # Spaced-out letters are joined before case folding, which the word breaks depend on.
    s, offs = _apply(_SPACED_PUNCT, _unspace, text, offs)
    s, offs = _apply(_SPACED, _unspace, s, offs)
    if offs is None:
        s = s.translate(_CHARS)
    else:
        expanded: list[int] = []
        for origin, ch in zip(offs, s, strict=True):
            expanded.extend([origin] * len(_CHARS[ord(ch)]))
        s, offs = s.translate(_CHARS), expanded
    s, offs = _fold_leet(s, offs)
    s, offs = _apply(_SPACES, _first_space, s, offs)
    lead = 1 if s.startswith(" ") else 0
    trail = 1 if len(s) > lead and s.endswith(" ") else 0
    if lead or trail:
        s = s[lead : len(s) - trail]
        offs = offs[lead : lead + len(s)] if offs is not None else None
    return s, offs


def normalise(text: str) -> str:
    """The canonical form of `text` for lexicon matching and the classifier.

    Case folded, compatibility-decomposed (the K of NFKC) with accents, Arabic harakat and
    tatweel, zero-width and bidi controls removed; Cyrillic/Greek look-alikes made Latin;
    Arabic alef, yeh and teh marbuta forms unified; "1", "i" and "l" share one form;
    spaced-out letters joined; leetspeak digits inside words made letters; spaces collapsed.
    """
    return _pipeline(text, None)[0]


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """`normalise(text)` and, for each of its characters, the index in `text` it came from."""
    s, mapped = _pipeline(text, list(range(len(text))))
    assert mapped is not None
    return s, mapped


def original_span(offsets: list[int], start: int, end: int, text: str) -> tuple[int, int]:
    """The span of `text` behind normalised characters [start, end), marks and all."""
    first = offsets[start]
    last = offsets[end - 1] + 1
    # Marks and invisible characters after the last letter belong to it.
    while last < len(text) and not _CHARS[ord(text[last])]:
        last += 1
    return first, last
