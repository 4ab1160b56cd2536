"""Inline SVG charts for the self-contained HTML report: no script, no external resource.

Every label is escaped: criteria and platform names come from the store, and nothing from
the store is trusted to be markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["bar_chart", "funnel_chart", "interval_chart", "step_chart"]

_W, _H, _PAD = 720, 220, 36
_COLOURS = ("#1f5f99", "#c2571a", "#2e8540", "#7a3e9d", "#8a6d00")


def _svg(body: str, title: str, height: int = _H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" '
        f'width="{_W}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def bar_chart(series: Sequence[tuple[str, int]], marked: set[str], title: str) -> str:
    """Daily counts as bars; days in `marked` (the waves) drawn in the second colour."""
    if not series:
        return _svg('<text x="10" y="20">no data</text>', title, 40)
    top = max(1, max(v for _, v in series))
    step = (_W - 2 * _PAD) / len(series)
    bars = []
    for i, (label, value) in enumerate(series):
        h = (_H - 2 * _PAD) * value / top
        colour = _COLOURS[1] if label in marked else _COLOURS[0]
        x = _PAD + i * step
        bars.append(
            f'<rect x="{x:.1f}" y="{_H - _PAD - h:.1f}" width="{max(step - 1, 1):.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{escape(label)}: {value}</title></rect>'
        )
    axis = (
        f'<text x="{_PAD}" y="{_H - 10}" font-size="11">{escape(series[0][0])}</text>'
        f'<text x="{_W - _PAD}" y="{_H - 10}" font-size="11" text-anchor="end">'
        f"{escape(series[-1][0])}</text>"
        f'<text x="4" y="{_PAD - 8}" font-size="11">max {top}/day</text>'
    )
    return _svg("".join(bars) + axis, title)


def step_chart(curves: Mapping[str, Sequence[Sequence[float | None]]], title: str) -> str:
    """Survival curves (share still up against days) as step lines, one colour a curve."""
    points = [p for c in curves.values() for p in c if p[0] is not None]
    span = max((float(p[0] or 0) for p in points), default=1.0) or 1.0
    sx = (_W - 2 * _PAD) / span
    sy = _H - 2 * _PAD
    body = []
    # Sorted: report.json is written with sorted keys and the page is re-rendered from it.
    for i, (name, curve) in enumerate(sorted(curves.items())):
        colour = _COLOURS[i % len(_COLOURS)]
        path, prev = [], 1.0
        for t, s in curve:
            if t is None or s is None:
                continue
            x = _PAD + float(t) * sx
            path.append(
                f"L{x:.1f},{_H - _PAD - prev * sy:.1f} L{x:.1f},{_H - _PAD - float(s) * sy:.1f}"
            )
            prev = float(s)
        d = f"M{_PAD},{_H - _PAD - sy:.1f} " + " ".join(path)
        body.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body.append(
            f'<text x="{_W - _PAD}" y="{_PAD + 14 * i}" font-size="11" text-anchor="end" '
            f'fill="{colour}">{escape(name)}</text>'
        )
    body.append(f'<text x="{_PAD}" y="{_H - 10}" font-size="11">0 days</text>')
    body.append(f'<text x="4" y="{_PAD + 4}" font-size="11">100%</text>')
    body.append(f'<text x="4" y="{_H - _PAD}" font-size="11">0%</text>')
    body.append(
        f'<text x="{_W - _PAD}" y="{_H - 10}" font-size="11" text-anchor="end">'
        f"{span:.0f} days</text>"
    )
    return _svg("".join(body), title)


def funnel_chart(stages: Sequence[tuple[str, int]], title: str) -> str:
    top = max((v for _, v in stages), default=1) or 1
    row = 30
    body = []
    for i, (label, value) in enumerate(stages):
        w = (_W - 280) * value / top
        y = 10 + i * row
        body.append(
            f'<rect x="200" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{_COLOURS[0]}"/>'
        )
        body.append(
            f'<text x="190" y="{y + 17}" font-size="12" text-anchor="end">{escape(label)}</text>'
        )
        body.append(f'<text x="{205 + w:.1f}" y="{y + 17}" font-size="12">{value:,}</text>')
    return _svg("".join(body), title, 20 + row * len(stages))


def interval_chart(rows: Sequence[tuple[str, float, float, float]], title: str) -> str:
    """Estimates with their 95% intervals, one line each."""
    if not rows:
        return _svg(
            '<text x="10" y="20">no estimate (fewer than two routes overlap)</text>', title, 40
        )
    top = max(hi for _, _, _, hi in rows) or 1.0
    sx = (_W - 260) / top
    row = 30
    body = []
    for i, (label, est, lo, hi) in enumerate(rows):
        y = 20 + i * row
        body.append(
            f'<line x1="{220 + lo * sx:.1f}" x2="{220 + hi * sx:.1f}" y1="{y}" y2="{y}" '
            f'stroke="{_COLOURS[0]}" stroke-width="3"/>'
            f'<circle cx="{220 + est * sx:.1f}" cy="{y}" r="5" fill="{_COLOURS[1]}"/>'
            f'<text x="210" y="{y + 4}" font-size="12" text-anchor="end">{escape(label)}</text>'
            f'<text x="{226 + hi * sx:.1f}" y="{y + 4}" font-size="11">'
            f"{est:,.0f} ({lo:,.0f}-{hi:,.0f})</text>"
        )
    return _svg("".join(body), title, 30 + row * len(rows))
