"""Inert display of account-written text: escaped, bidi controls made visible, homoglyphs flagged.

Names, bios and posts are attacker-controlled. Jinja's autoescape handles HTML; these
filters also isolate direction (`<bdi>`), show hidden controls as visible codes so an RTL
override cannot reorder what a reviewer reads, and warn when a word mixes scripts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

__all__ = ["highlight", "homoglyph_warning", "inert", "neutralise"]

# Direction controls, zero-width characters and other invisible format characters.
_HIDDEN = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile("[\u0000-\u0008\u000b-\u001f\u007f-\u009f]")
_WORD = re.compile(r"\w+", re.UNICODE)
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC")


def neutralise(text: str | None) -> str:
    """Plain text with hidden characters shown as ⟦U+XXXX⟧ and control characters dropped."""
    cleaned = _CONTROL.sub("", text or "")
    return _HIDDEN.sub(lambda m: f"⟦U+{ord(m.group()):04X}⟧", cleaned)


def _escaped(text: str) -> str:
    """Escape, then mark each visible code so the stylesheet can show it as a warning."""
    out = str(escape(neutralise(text)))
    return re.sub(
        r"⟦(U\+[0-9A-F]{4})⟧", r'<span class="ctl" title="hidden character">\1</span>', out
    )


def inert(text: str | None) -> Markup:
    """Account-written text as safe, direction-isolated HTML."""
    return Markup(f'<bdi dir="auto">{_escaped(text or "")}</bdi>')  # noqa: S704 (escaped above)


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    if name.startswith("FULLWIDTH"):
        return "FULLWIDTH"
    for script in _SCRIPTS:
        if name.startswith(script):
            return script
    if "MATHEMATICAL" in name:
        return "MATHEMATICAL"
    return None


def homoglyph_warning(text: str | None) -> str | None:
    """A short warning when a word mixes look-alike scripts (Latin with Cyrillic...)."""
    for word in _WORD.findall(text or ""):
        scripts = {s for s in map(_script, word) if s}
        odd = scripts & {"FULLWIDTH", "MATHEMATICAL"}
        if len(scripts) > 1 or odd:
            kinds = " + ".join(sorted(scripts)).lower()
            return f"mixes look-alike scripts ({kinds}) in {neutralise(word)!r}"
    return None


def highlight(text: str | None, spans: Sequence[Sequence[Any]] | None) -> Markup:
    """`text` with lexicon spans ``[start, end, term, category]`` wrapped in <mark>."""
    source = text or ""
    parts: list[str] = []
    pos = 0
    ordered = sorted(
        (s for s in spans or () if len(s) >= 2 and isinstance(s[0], int) and isinstance(s[1], int)),
        key=lambda s: (s[0], -s[1]),
    )
    for span in ordered:
        start, end = max(int(span[0]), pos), min(int(span[1]), len(source))
        if start >= end:
            continue  # overlapping or out of range: the text must still show whole
        category = re.sub(r"[^a-z_]", "", str(span[3]) if len(span) > 3 else "")
        term = str(span[2]) if len(span) > 2 else ""
        parts.append(_escaped(source[pos:start]))
        parts.append(
            f'<mark class="hit {category}" title="{escape(neutralise(term))} ({category})">'
            f"{_escaped(source[start:end])}</mark>"
        )
        pos = end
    parts.append(_escaped(source[pos:]))
    return Markup(f'<bdi dir="auto">{"".join(parts)}</bdi>')  # noqa: S704 (escaped above)
