"""The text signal: per account, the mean lexicon weight of its posts (0..1); the trained
classifier's mean probability rides in its evidence (scored as a feature of its own).
Opponents' names, news framing and counter-speech tags are counter-evidence, kept apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from vigil.model import Post
from vigil.signals.base import ScanContext, SignalPlugin, SignalResult
from vigil.signals.classifier import TextModel, latest_model
from vigil.signals.lexicon import COUNTER_CATEGORIES, Lexicon, default_lexicon
from vigil.signals.normalise import normalise, normalise_with_map, original_span

__all__ = ["FULL_WEIGHT", "MAX_SPAN_POSTS", "TextSignal", "account_result", "scan_texts"]

# A post naming an outlet (3) and one more marker counts in full.
FULL_WEIGHT = 4.0
# Evidence stays readable and bounded: spans of at most this many posts per account.
MAX_SPAN_POSTS = 50
_CHUNK = 2000

Span = list[Any]  # [start, end, term, category]


@dataclass(slots=True)
class _Tally:
    posts: int = 0
    score: float = 0.0
    texts: list[str] = field(default_factory=list)
    hit_posts: list[int] = field(default_factory=list)
    counter_posts: list[int] = field(default_factory=list)
    spans: dict[str, list[Span]] = field(default_factory=dict)
    counter_spans: dict[str, list[Span]] = field(default_factory=dict)
    cat_posts: Counter[str] = field(default_factory=Counter)
    cat_terms: dict[str, Counter[tuple[str, float]]] = field(default_factory=dict)


def _scan_post(lex: Lexicon, tally: _Tally, post_id: int, text: str) -> None:
    tally.posts += 1
    norm = normalise(text)
    hits = lex.match_normalised(norm)
    if not hits:
        return
    # Only posts with hits pay for the offset map the review UI's highlights need, and
    # only while the account's evidence still has room for their spans.
    offsets: list[int] | None = None
    has_counter = any(entry.category in COUNTER_CATEGORIES for _, _, entry in hits)
    has_pro = not has_counter or any(
        entry.category not in COUNTER_CATEGORIES for _, _, entry in hits
    )
    if (has_pro and len(tally.spans) < MAX_SPAN_POSTS) or (
        has_counter and len(tally.counter_spans) < MAX_SPAN_POSTS
    ):
        norm, offsets = normalise_with_map(text)
        hits = lex.match_normalised(norm)
    pro: list[Span] = []
    counter: list[Span] = []
    weights: dict[str, float] = {}
    for s, e, entry in hits:
        start, end = original_span(offsets, s, e, text) if offsets is not None else (s, e)
        span = [start, end, entry.term, entry.category]
        if entry.category in COUNTER_CATEGORIES:
            counter.append(span)
        else:
            pro.append(span)
            weights[entry.key] = max(weights.get(entry.key, 0.0), entry.weight)
        tally.cat_terms.setdefault(entry.category, Counter())[(entry.term, entry.weight)] += 1
    for cat in {h[2].category for h in hits}:
        tally.cat_posts[cat] += 1
    key = str(post_id)
    if pro:
        tally.score += min(1.0, sum(weights.values()) / FULL_WEIGHT)
        tally.hit_posts.append(post_id)
        if len(tally.spans) < MAX_SPAN_POSTS:
            tally.spans[key] = pro
    if counter:
        tally.counter_posts.append(post_id)
        if len(tally.counter_spans) < MAX_SPAN_POSTS:
            tally.counter_spans[key] = counter


_VERBS = {
    "outlet": "name outlet",
    "self_designation": "use self-designation",
    "hashtag": "use hashtag",
    "file_host": "link file host",
    "opponent_name": "use opponents' name",
    "news_framing": "use news framing",
    "counter_speech": "use counter-speech tag",
}


def _phrase(tally: _Tally, cat: str, first: bool) -> str:
    (term, weight), _ = tally.cat_terms[cat].most_common(1)[0]
    n = tally.cat_posts[cat]
    lead = f"{n} of {tally.posts} posts" if first else str(n)
    return f"{lead} {_VERBS[cat]} {term!r} (weight {weight:g})"


def account_result(account_id: int, tally: _Tally, model: TextModel | None = None) -> SignalResult:
    """The signal for one account from its tally (and the classifier, when given)."""
    lex_value = tally.score / tally.posts if tally.posts else 0.0
    pro = [c for c, _ in tally.cat_posts.most_common() if c not in COUNTER_CATEGORIES]
    con = [c for c, _ in tally.cat_posts.most_common() if c in COUNTER_CATEGORIES]
    parts = [_phrase(tally, c, i == 0) for i, c in enumerate(pro)]
    explanation = ", ".join(parts) if parts else f"no lexicon terms in {tally.posts} posts"
    if con:
        explanation += "; counter: " + ", ".join(_phrase(tally, c, False) for c in con)
    evidence: dict[str, Any] = {
        "posts": tally.hit_posts,
        "spans": tally.spans,
        "categories": {c: tally.cat_posts[c] for c in pro},
        "posts_scanned": tally.posts,
        "lexicon_value": round(lex_value, 4),
        "counter": {
            "posts": tally.counter_posts,
            "spans": tally.counter_spans,
            "categories": {c: tally.cat_posts[c] for c in con},
        },
    }
    value = lex_value
    if model is not None and tally.texts:
        p = float(model.predict_proba(tally.texts).mean())
        evidence["classifier"] = {"version": model.info.version, "mean": round(p, 4)}
        explanation += f"; classifier {model.info.version}: mean {p:.2f}"
    return SignalResult(account_id, min(1.0, value), explanation, evidence)


def _posts(ctx: ScanContext) -> Iterator[tuple[int, int, str]]:
    """(account id, post id, text), grouped by account."""
    base = sa.select(Post.account_id, Post.id, Post.text).where(Post.text.is_not(None))
    as_of = ctx.options.get("as_of")
    if as_of is not None:  # a replay of an earlier day (vigil eval): later posts unseen
        base = base.where(Post.created_at <= as_of)
    if ctx.accounts is None:
        query = base.order_by(Post.account_id, Post.id).execution_options(yield_per=_CHUNK)
        for account_id, post_id, text in ctx.session.execute(query):
            yield account_id, post_id, text or ""
        return
    ids = sorted(set(ctx.accounts))
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        query = base.where(Post.account_id.in_(chunk)).order_by(Post.account_id, Post.id)
        for account_id, post_id, text in ctx.session.execute(query):
            yield account_id, post_id, text or ""


class TextSignal(SignalPlugin):
    name = "text"
    version = "2"  # 2: the value is the lexicon's alone, the classifier rides in evidence
    description = (
        "Lexicon terms (outlets, self-designations, hashtags, file hosts) in an account's "
        "posts after normalisation, with opponents' names and news framing as counter-evidence; "
        "plus the character n-gram classifier once reviewers' decisions have trained one."
    )

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon if lexicon is not None else default_lexicon()

    def compute(self, ctx: ScanContext) -> Iterable[SignalResult]:
        model = latest_model(ctx.settings) if ctx.settings is not None else None
        current: int | None = None
        tally = _Tally()
        for account_id, post_id, text in _posts(ctx):
            if account_id != current:
                if current is not None:
                    yield account_result(current, tally, model)
                current, tally = account_id, _Tally()
            _scan_post(self.lexicon, tally, post_id, text)
            if model is not None:
                tally.texts.append(text)
        if current is not None:
            yield account_result(current, tally, model)


def scan_texts(lexicon: Lexicon, texts: Sequence[str]) -> int:
    """How many of `texts` hold a lexicon term (for benchmarks and quick checks)."""
    tally = _Tally()
    for i, t in enumerate(texts):
        _scan_post(lexicon, tally, i, t)
    return len(tally.hit_posts) + len(set(tally.counter_posts) - set(tally.hit_posts))
