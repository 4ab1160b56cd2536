"""Inert display of attacker-written text: escaping, bidi controls, homoglyphs, highlights."""

from __future__ import annotations

from vigil.web.safety import highlight, homoglyph_warning, inert, neutralise


def test_inert_escapes_html_and_isolates_direction() -> None:
    html = str(inert("<script>alert(1)</script>\u202egnp.exe"))
    assert html.startswith('<bdi dir="auto">')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "\u202e" not in html
    assert '<span class="ctl" title="hidden character">U+202E</span>' in html


def test_neutralise_shows_zero_width_and_drops_controls() -> None:
    assert neutralise("a\u200bb\u0007c\u2067") == "a⟦U+200B⟧bc⟦U+2067⟧"
    assert neutralise(None) == ""


def test_homoglyphs_are_flagged() -> None:
    assert homoglyph_warning("paypal") is None
    assert homoglyph_warning("عبد الله") is None  # one script, however it is written
    warning = homoglyph_warning("p\u0430ypal")  # Cyrillic а
    assert warning is not None
    assert "cyrillic + latin" in warning
    assert homoglyph_warning("\uff41dmin") is not None  # fullwidth


def test_highlight_marks_spans_and_escapes_the_rest() -> None:
    text = "<b>see</b> Amaq \u202enews"
    start = text.index("Amaq")
    html = str(highlight(text, [[start, start + 4, "amaq", "outlet"]]))
    assert '<mark class="hit outlet" title="amaq (outlet)">Amaq</mark>' in html
    assert "&lt;b&gt;see&lt;/b&gt;" in html
    assert "\u202e" not in html


def test_highlight_survives_bad_spans() -> None:
    text = "abc def"
    html = str(highlight(text, [[5, 2, "x", "y"], [0, 99, "t", '"><script>'], [1, 2], ["a", 3]]))
    assert "<script>" not in html
    assert "abc def" in html.replace('<mark class="hit script" title="t (script)">', "").replace(
        "</mark>", ""
    )


def test_highlight_with_overlapping_spans_keeps_the_text_whole() -> None:
    html = str(highlight("abcdef", [[0, 4, "a", "outlet"], [2, 6, "b", "hashtag"]]))
    plain = html.replace("</mark>", "")
    for tag in (
        '<mark class="hit outlet" title="a (outlet)">',
        '<mark class="hit hashtag" title="b (hashtag)">',
    ):
        plain = plain.replace(tag, "")
    assert plain == '<bdi dir="auto">abcdef</bdi>'
