"""The curated lexicon: a CSV of terms with their public sources, matched in one pass.

Terms are normalised like the text, put in an Aho-Corasick automaton, and a hit counts
only on word boundaries; spans are given back in the original text for highlighting.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import ahocorasick  # type: ignore[import-not-found]  # C extension without stubs

from vigil.errors import InputError
from vigil.signals.normalise import normalise, normalise_with_map, original_span

__all__ = [
    "CATEGORIES",
    "COUNTER_CATEGORIES",
    "Entry",
    "Lexicon",
    "Match",
    "default_lexicon",
    "load_lexicon",
]

CATEGORIES = frozenset(
    {
        "outlet",
        "self_designation",
        "hashtag",
        "file_host",
        "opponent_name",
        "news_framing",
        "counter_speech",
    }
)
# Naming the organisation the way its opponents or the press do points away from support.
COUNTER_CATEGORIES = frozenset({"opponent_name", "news_framing", "counter_speech"})
LANGS = frozenset({"ar", "en", "fr", "und"})
_FIELDS = ("term", "lang", "category", "weight", "source")
# Arabic clitics written onto the next word: "and", "so", "with", "for", "like".
_PROCLITICS = frozenset("وفبلك")


@dataclass(frozen=True, slots=True)
class Entry:
    term: str
    lang: str
    category: str
    weight: float
    source: str
    key: str  # the normalised term


@dataclass(frozen=True, slots=True)
class Match:
    """A lexicon hit: span in the original text, and the entry it hit."""

    start: int
    end: int
    entry: Entry


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _parse(text: str, source: str) -> list[Entry]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != _FIELDS:
        raise InputError(f"header must be {','.join(_FIELDS)}", source=source, line=1)
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(_FIELDS):
            raise InputError(
                f"expected {len(_FIELDS)} fields, got {len(row)}", source=source, line=line
            )
        term, lang, category, weight_s, src = (cell.strip() for cell in row)
        key = normalise(term)
        if not key:
            raise InputError("empty after normalisation", source=source, line=line, field="term")
        if lang not in LANGS:
            raise InputError(f"unknown language {lang!r}", source=source, line=line, field="lang")
        if category not in CATEGORIES:
            raise InputError(
                f"unknown category {category!r}", source=source, line=line, field="category"
            )
        try:
            weight = float(weight_s)
        except ValueError:
            weight = -1.0
        if not 0 < weight <= 10:
            raise InputError(
                f"weight {weight_s!r} is not a number in (0, 10]",
                source=source,
                line=line,
                field="weight",
            )
        if not src:
            raise InputError(
                "every term needs its public source", source=source, line=line, field="source"
            )
        if key in seen:
            raise InputError(
                f"duplicate of line {seen[key]} after normalisation ({key!r})",
                source=source,
                line=line,
                field="term",
            )
        seen[key] = line
        entries.append(Entry(term, lang, category, weight, src, key))
    return entries


class Lexicon:
    """Entries and the automaton over their normalised forms (and their spaceless forms,
    since letters spaced out with plain spaces lose the spaces between words too)."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = list(entries)
        self._auto = ahocorasick.Automaton()
        keys: dict[str, Entry] = {}
        for e in self.entries:
            keys[e.key] = e
        for e in self.entries:
            compact = e.key.replace(" ", "")
            keys.setdefault(compact, e)
        for key, e in keys.items():
            self._auto.add_word(key, (len(key), e))
        if keys:
            self._auto.make_automaton()

    def __len__(self) -> int:
        return len(self.entries)

    def match_normalised(self, norm: str) -> list[tuple[int, int, Entry]]:
        """Non-overlapping hits in already normalised text: longest first, then leftmost."""
        if not self.entries:
            return []
        hits: list[tuple[int, int, Entry]] = []
        for end_idx, (length, entry) in self._auto.iter(norm):
            start, end = end_idx - length + 1, end_idx + 1
            if _bounded(norm, start, end, entry):
                hits.append((start, end, entry))
        if len(hits) < 2:
            return hits
        hits.sort(key=lambda h: (h[0] - h[1], h[0]))
        taken: list[tuple[int, int, Entry]] = []
        for h in hits:
            if all(h[1] <= t[0] or h[0] >= t[1] for t in taken):
                taken.append(h)
        taken.sort(key=lambda h: h[0])
        return taken

    def match(self, text: str) -> list[Match]:
        """Hits in `text`, with spans in `text` itself."""
        norm, offsets = normalise_with_map(text)
        return [
            Match(*original_span(offsets, s, e, text), entry)
            for s, e, entry in self.match_normalised(norm)
        ]


def _bounded(norm: str, start: int, end: int, entry: Entry) -> bool:
    key = entry.key
    if end < len(norm) and _word(norm[end]) and _word(key[-1]):
        return False
    if start == 0 or not _word(key[0]) or not _word(norm[start - 1]):
        return True
    if entry.lang == "ar":
        # Up to two clitics glued on, then a real boundary: "والدولة", "لداعش".
        k = start
        while k > 0 and start - k < 2 and norm[k - 1] in _PROCLITICS:
            k -= 1
        return k < start and (k == 0 or not _word(norm[k - 1]))
    return False


def load_lexicon(path: Path | None = None) -> Lexicon:
    """The lexicon in `path`, or the one shipped with Vigil; InputError naming file and line."""
    if path is None:
        ref = resources.files("vigil.signals").joinpath("data/lexicon.csv")
        return Lexicon(_parse(ref.read_text(encoding="utf-8"), "vigil/signals/data/lexicon.csv"))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read lexicon: {exc.strerror}", source=str(path)) from exc
    return Lexicon(_parse(text, str(path)))


_DEFAULT: Lexicon | None = None


def default_lexicon() -> Lexicon:
    """The shipped lexicon, loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_lexicon()
    return _DEFAULT
