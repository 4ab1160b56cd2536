"""Turn the post skeleton into `SimPost` records: text, links, mentions, media and edits.

The one per-post Python loop of the generator, so it is kept lean: everything that can
be drawn in bulk was drawn by `vigil.sim.activity`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from vigil.sim.activity import KINDS, QUOTE, REPLY, RETWEET, Skeleton
from vigil.sim.media_plan import MediaPlanner
from vigil.sim.populations import DAY_MS, LANGS, ROLES, Population
from vigil.sim.rng import py_stream
from vigil.sim.snowflake import ms_of, snowflakes
from vigil.sim.text import Draft, compose, hashtags_of, quote_text, reply_text
from vigil.sim.world import Role, SimAccount, SimPost

if TYPE_CHECKING:
    from vigil.sim.params import WorldParams

__all__ = ["build_posts"]

_EDIT_NOTES = {"ar": " (تصحيح)", "en": " (edit: typo)", "fr": " (correction)"}


def build_posts(
    pop: Population,
    sk: Skeleton,
    accounts: list[SimAccount],
    params: WorldParams,
    planner: MediaPlanner,
) -> list[SimPost]:
    """The posts in time order, with the media they attach recorded in ``planner``."""
    rng = py_stream(params.seed, "posts")
    start = ms_of(params.start)
    ids = snowflakes(sk.t_ms, np.arange(len(sk), dtype=np.int64))
    roles = [ROLES[c] for c in pop.role.tolist()]
    langs = [LANGS[c] for c in pop.lang.tolist()]
    evaders = pop.evader.tolist()
    # An evader disguises most of its marker posts so the supporters' overall share is the target.
    evader_p = min(1.0, params.obfuscated_share / max(params.evader_share, 1e-9))
    news_talk, spam_tags = params.news_talk_share, params.hashtag_spam_share
    authors = sk.author.tolist()
    posts: list[SimPost] = []
    for i, (a, t, kind, ref) in enumerate(
        zip(sk.author.tolist(), sk.t_ms.tolist(), sk.kind.tolist(), sk.ref.tolist(), strict=True)
    ):
        acc, role, lang = accounts[a], roles[a], langs[a]
        when = datetime.fromtimestamp(t / 1000, UTC)
        day = (t - start) // DAY_MS + 1
        mentions: list[str] = []
        media_keys: list[str] = []
        if kind == RETWEET:
            src = posts[ref]
            handle = accounts[authors[ref]].handle
            post = SimPost(
                ids[i],
                acc.id,
                when,
                f"RT @{handle}: {src.text}",
                src.lang,
                "retweet",
                src.id,
                [src.author_id],
                list(src.hashtags),
                list(src.urls),
                [],
                [],
                src.obfuscated,
                src.propaganda_ref and role == Role.SUPPORTER,
            )
            posts.append(post)
            continue
        if kind == REPLY:
            src = posts[ref]
            draft = reply_text(rng, role, lang, accounts[authors[ref]].handle, day)
            mentions = [src.author_id]
            ref_id: str | None = src.id
        elif kind == QUOTE:
            src = posts[ref]
            url = f"https://twitter.com/{accounts[authors[ref]].handle}/status/{src.id}"
            draft = quote_text(rng, lang, url, day)
            ref_id = src.id
        else:
            draft = compose(
                rng,
                role,
                lang,
                day=day,
                evader=evaders[a],
                obfuscate_p=evader_p,
                news_talk_p=news_talk,
                spam_tag_p=spam_tags,
            )
            ref_id = None
            m = planner.attach(acc, role, t, evaders[a])
            if m is not None:
                media_keys = [m.key]
        posts.append(
            _post(
                ids[i],
                acc,
                when,
                draft,
                lang,
                KINDS[kind],
                ref_id,
                mentions,
                media_keys,
                rng.random() < params.edit_share,
            )
        )
    return posts


def _post(
    pid: str,
    acc: SimAccount,
    when: datetime,
    draft: Draft,
    lang: str,
    kind: str,
    ref_id: str | None,
    mentions: list[str],
    media_keys: list[str],
    edited: bool,
) -> SimPost:
    edits: list[tuple[datetime, str]] = []
    if edited:
        edits = [
            (when + timedelta(minutes=3 + len(draft.text) % 20), draft.text + _EDIT_NOTES[lang])
        ]
    return SimPost(
        pid,
        acc.id,
        when,
        draft.text,
        lang,
        kind,
        ref_id,
        mentions,
        hashtags_of(draft.text),
        draft.urls,
        media_keys,
        edits,
        draft.obfuscated,
        draft.propaganda_ref,
    )
