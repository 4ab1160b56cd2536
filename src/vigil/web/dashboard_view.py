"""The dashboard's figures (counts from the store) and its chart of decisions per day,
drawn as inline SVG on the server: no chart library, no script, nothing from a CDN."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Session

from vigil.model import Account, Case, Decision, ListEntry, ListKind, ListStatus, Score, utcnow

__all__ = ["DayCount", "counts", "decisions_chart", "decisions_per_day"]

DAYS = 30


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    confirm: int
    reject: int
    other: int

    @property
    def total(self) -> int:
        return self.confirm + self.reject + self.other


def _count(session: Session, stmt: sa.Select[Any]) -> int:
    return int(session.scalar(stmt) or 0)


def counts(session: Session) -> dict[str, int]:
    n = sa.func.count()

    def entries(kind: ListKind, status: ListStatus) -> int:
        return _count(
            session,
            sa.select(n).where(ListEntry.kind == kind, ListEntry.status == status),
        )

    return {
        "accounts": _count(session, sa.select(n).select_from(Account)),
        "scored": _count(session, sa.select(n).select_from(Score)),
        "open cases": _count(session, sa.select(n).where(Case.status != "closed")),
        "awaiting a second reviewer": _count(
            session, sa.select(n).where(Case.status == "pending_second")
        ),
        "blacklisted": entries(ListKind.BLACK, ListStatus.ACTIVE),
        "whitelisted": entries(ListKind.WHITE, ListStatus.ACTIVE),
        "retracted": _count(session, sa.select(n).where(ListEntry.status == ListStatus.RETRACTED)),
        "decisions": _count(session, sa.select(n).select_from(Decision)),
    }


def decisions_per_day(session: Session, days: int = DAYS) -> list[DayCount]:
    today = utcnow().date()
    first = today - timedelta(days=days - 1)
    stmt = sa.select(Decision.decided_at, Decision.action).where(
        Decision.decided_at >= utcnow() - timedelta(days=days)
    )
    tally: dict[date, Counter[str]] = {}
    for when, action in session.execute(stmt):
        # An override lists on one confirmation, so it counts with the confirmations.
        kind = {"confirm": "confirm", "override": "confirm", "reject": "reject"}.get(
            action, "other"
        )
        tally.setdefault(when.date(), Counter())[kind] += 1
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        c = tally.get(day, Counter())
        out.append(DayCount(day, c["confirm"], c["reject"], c["other"]))
    return out


def decisions_chart(series: list[DayCount], width: int = 720, height: int = 220) -> Markup:
    """Stacked bars per day (confirm, reject, other) with a y axis; numbers only, no text
    from users, so the markup is built directly."""
    left, bottom, top = 36, 24, 10
    plot_h = height - bottom - top
    peak = max([d.total for d in series] + [1])
    bar_w = (width - left) / max(len(series), 1)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>Decisions per day, last {len(series)} days</title>",
    ]
    for tick in sorted({0, peak // 2, peak}):
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for i, d in enumerate(series):
        x = left + i * bar_w
        base = float(top + plot_h)
        for kind, value in (("confirm", d.confirm), ("reject", d.reject), ("other", d.other)):
            if not value:
                continue
            h = plot_h * value / peak
            base -= h
            parts.append(
                f'<rect class="{kind}" x="{x + 1:.1f}" y="{base:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{h:.1f}"><title>{d.day.isoformat()}: {value} {kind}</title></rect>'
            )
        if i % 7 == 0 or i == len(series) - 1:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - 6}" text-anchor="middle">'
                f"{d.day.strftime('%m-%d')}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (numbers and fixed words only)
