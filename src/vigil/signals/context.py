"""The context counter-signal: who an account says it is. Journalist, researcher, news outlet,
parody and counter-speech indicators in the profile (name, bio, link, verification), news and
academic domains it links to, and whitelist membership; shown to reviewers as counter-evidence.

Post text is left to the text signal, whose counter-evidence (opponents' names, news framing,
counter-speech tags in posts) becomes the `text_counter` feature: the two never read the same
words, so their negative weights add up without counting one piece of evidence twice.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from vigil.errors import InputError
from vigil.model import Account, ListEntry, ListKind, ListStatus, Post
from vigil.signals.base import ScanContext, SignalPlugin, SignalResult
from vigil.signals.normalise import normalise

__all__ = ["KINDS", "ContextSignal", "Indicators", "assess", "load_indicators"]

KINDS = ("journalist", "researcher", "news_outlet", "parody", "counter_speech")
VERIFIED_BONUS = 0.2  # a verified profile strengthens a stated role, never makes one alone
MAX_POSTS = 200  # recent posts read per account for linked domains
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_CHUNK = 2000
_LABELS = {
    "journalist": "journalist",
    "researcher": "researcher",
    "news_outlet": "news outlet",
    "parody": "parody account",
    "counter_speech": "counter-speech account",
}


@dataclass(frozen=True, slots=True)
class Indicators:
    """Profile patterns (normalised text -> kind, weight, as written) and domains
    (suffix -> kind)."""

    patterns: dict[str, tuple[str, float, str]]
    domains: dict[str, str]
    regex: re.Pattern[str]


def _rows(name: str) -> Iterator[tuple[int, dict[str, str]]]:
    text = resources.files("vigil.signals").joinpath(f"data/{name}").read_text(encoding="utf-8")
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if not (row.get("source") or "").strip():
            raise InputError("every indicator needs its public source", source=name, line=line)
        yield line, row


@lru_cache(maxsize=1)
def load_indicators() -> Indicators:
    """The shipped indicator lists (``data/context_profile.csv``, ``data/context_domains.csv``)."""
    patterns: dict[str, tuple[str, float, str]] = {}
    for line, row in _rows("context_profile.csv"):
        kind = row["kind"].strip()
        if kind not in KINDS:
            raise InputError(f"unknown kind {kind!r}", source="context_profile.csv", line=line)
        try:
            weight = float(row["weight"])
        except ValueError as exc:
            raise InputError(
                "weight is not a number", source="context_profile.csv", line=line
            ) from exc
        written = row["pattern"].strip()
        patterns[normalise(written).strip()] = (kind, weight, written)
    domains = {
        row["domain"].strip().lower(): row["kind"].strip()
        for _, row in _rows("context_domains.csv")
    }
    # Longest first, so "official account of" wins over a shorter pattern inside it.
    alternatives = "|".join(re.escape(p) for p in sorted(patterns, key=len, reverse=True))
    return Indicators(patterns, domains, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"))


def _domain_kind(url: str, domains: dict[str, str]) -> tuple[str, str] | None:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    host = host.removeprefix("www.")
    for suffix, kind in domains.items():
        if suffix.startswith("."):
            hit = host.endswith(suffix)
        elif suffix.endswith("-"):
            hit = host.startswith(suffix)
        else:
            hit = host == suffix or host.endswith("." + suffix)
        if hit:
            return host, kind
    return None


def assess(
    ind: Indicators,
    *,
    name: str | None,
    bio: str | None,
    url: str | None,
    verified: bool,
    linked: Iterable[str] = (),
) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Strength 0..1 of each kind and the indicators behind it."""
    scores: dict[str, float] = {}
    why: dict[str, list[str]] = {}
    text = normalise(f"{name or ''} \n {bio or ''}")
    for m in ind.regex.finditer(text):
        kind, weight, written = ind.patterns[m.group(0)]
        if written not in why.get(kind, []):
            scores[kind] = scores.get(kind, 0.0) + weight
            why.setdefault(kind, []).append(written)
    seen_hosts: set[str] = set()
    for link in [url or "", *linked]:
        found = _domain_kind(link, ind.domains) if link else None
        if found and found[0] not in seen_hosts:
            seen_hosts.add(found[0])
            host, kind = found
            scores[kind] = scores.get(kind, 0.0) + (0.5 if link == url else 0.15)
            why.setdefault(kind, []).append(f"links {host}")
    if verified:
        for kind in scores:
            scores[kind] += VERIFIED_BONUS
            why[kind].append("verified")
    return {k: min(1.0, v) for k, v in scores.items()}, why


def _linked(ctx: ScanContext, ids: list[int]) -> dict[int, list[str]]:
    """Links written in each account's posts (already expanded ones: t.co hides the domain)."""
    out: dict[int, list[str]] = {}
    stmt = sa.select(Post.account_id, Post.text).where(
        Post.account_id.in_(ids), Post.text.contains("http")
    )
    for account_id, text in ctx.session.execute(stmt):
        links = out.setdefault(int(account_id), [])
        if len(links) < MAX_POSTS:
            links.extend(u for u in _URL.findall(text or "") if "t.co/" not in u)
    return out


def _whitelist(ctx: ScanContext) -> dict[int, str]:
    stmt = sa.select(ListEntry.account_id, ListEntry.whitelist_type).where(
        ListEntry.kind == ListKind.WHITE, ListEntry.status == ListStatus.ACTIVE
    )
    return {int(a): str(t or "other") for a, t in ctx.session.execute(stmt)}


class ContextSignal(SignalPlugin):
    """Value: 1.0 on the whitelist, else the strongest kind's strength; no row when nothing
    points to a protected role."""

    name = "context"
    version = "1"
    counter = True
    description = (
        "Counter-signal: journalist, researcher, news outlet, parody or counter-speech "
        "indicators in the profile and linked domains, and whitelist membership."
    )

    def compute(self, ctx: ScanContext) -> Iterable[SignalResult]:
        ind = load_indicators()
        white = _whitelist(ctx)
        cols = (Account.id, Account.display_name, Account.bio, Account.url, Account.verified)
        base = sa.select(*cols).order_by(Account.id)
        if ctx.accounts is None:
            chunks: Iterable[list[Any]] = _all_chunks(ctx, base)
        else:
            ids = sorted(set(ctx.accounts))
            chunks = (
                list(ctx.session.execute(base.where(Account.id.in_(ids[i : i + _CHUNK]))))
                for i in range(0, len(ids), _CHUNK)
            )
        for rows in chunks:
            linked = _linked(ctx, [int(r[0]) for r in rows])
            for account_id, name, bio, url, verified in rows:
                result = self._one(
                    ind, white, int(account_id), name, bio, url, bool(verified), linked
                )
                if result is not None:
                    yield result

    @staticmethod
    def _one(
        ind: Indicators,
        white: dict[int, str],
        account_id: int,
        name: str | None,
        bio: str | None,
        url: str | None,
        verified: bool,
        linked: dict[int, list[str]],
    ) -> SignalResult | None:
        scores, why = assess(
            ind, name=name, bio=bio, url=url, verified=verified, linked=linked.get(account_id, ())
        )
        kinds = sorted(scores, key=lambda k: -scores[k])
        evidence: dict[str, Any] = {
            "kinds": {k: round(scores[k], 3) for k in kinds},
            "indicators": why,
        }
        if account_id in white:
            evidence["whitelist"] = white[account_id]
            label = white[account_id].replace("_", " ")
            extra = f"; likely {_LABELS[kinds[0]]}: {', '.join(why[kinds[0]])}" if kinds else ""
            return SignalResult(account_id, 1.0, f"on the whitelist ({label}){extra}", evidence)
        if not kinds:
            return None
        top = kinds[0]
        explanation = f"likely {_LABELS[top]}: " + ", ".join(
            repr(w) if not w.startswith(("links ", "verified")) else w for w in why[top]
        )
        others = [f"{_LABELS[k]} {scores[k]:.2f}" for k in kinds[1:]]
        if others:
            explanation += "; also " + ", ".join(others)
        return SignalResult(account_id, round(scores[top], 6), explanation, evidence)


def _all_chunks(ctx: ScanContext, base: Any) -> Iterator[list[Any]]:
    last = -1
    while True:
        rows = list(ctx.session.execute(base.where(Account.id > last).limit(_CHUNK)))
        if not rows:
            return
        last = int(rows[-1][0])
        yield rows
