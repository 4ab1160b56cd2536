"""Installments posted as threads from the organisation's own Mastodon and Bluesky accounts,
and retractions as replies to the very post that carried each entry.

A thread is resumable: each post is committed as it is made, so a failed run continues
where it stopped instead of posting the thread twice.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa

from vigil.config import PublishSettings
from vigil.errors import PlatformError
from vigil.model.publish import Installment, Publication
from vigil.publish.clients import (
    Credentials,
    bluesky_client,
    bluesky_errors,
    mastodon_client,
    mastodon_errors,
)
from vigil.publish.installments import KIND_RETRACTION
from vigil.publish.threads import (
    BLUESKY_LIMIT,
    MASTODON_LIMIT,
    bluesky_length,
    installment_lines,
    mastodon_length,
    retraction_text,
    split_thread,
)
from vigil.store import Database, record

__all__ = ["SOCIAL_CHANNELS", "STALE_AFTER", "Poster", "post_installments", "poster_for"]

log = logging.getLogger(__name__)

SOCIAL_CHANNELS = ("mastodon", "bluesky")
STALE_AFTER = timedelta(days=7)
Ref = dict[str, str]  # {"id", "uri", "cid"} of a post
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


class Poster(Protocol):
    limit: int

    def length(self, text: str) -> int: ...

    def post(self, text: str, parent: Ref | None, root: Ref | None, key: str) -> Ref: ...


class MastodonPoster:
    limit = MASTODON_LIMIT

    def length(self, text: str) -> int:
        return mastodon_length(text)

    def __init__(self, settings: PublishSettings, creds: Credentials) -> None:
        self.client = mastodon_client(settings, creds)

    def post(self, text: str, parent: Ref | None, root: Ref | None, key: str) -> Ref:
        with mastodon_errors("posting a status"):
            status = self.client.status_post(
                text,
                in_reply_to_id=parent["id"] if parent else None,
                # Mastodon drops a repeat with the same key (a retry after a lost answer).
                idempotency_key=key,
                visibility="public",
                language="en",
            )
        return {"id": str(status["id"]), "uri": str(status.get("url") or status.get("uri") or "")}


class BlueskyPoster:
    limit = BLUESKY_LIMIT

    def length(self, text: str) -> int:
        return bluesky_length(text)

    def __init__(self, settings: PublishSettings, creds: Credentials) -> None:
        self.client, self.did = bluesky_client(settings, creds)

    def post(self, text: str, parent: Ref | None, root: Ref | None, key: str) -> Ref:
        from atproto import client_utils, models  # type: ignore[import-untyped]

        builder = client_utils.TextBuilder()
        # Links become facets so they are clickable; the rest is plain text.
        pos = 0
        for m in re.finditer(r"https?://\S+?(?=[)\s]|$)", text):
            builder.text(text[pos : m.start()])
            builder.link(m.group(0), m.group(0))
            pos = m.end()
        builder.text(text[pos:])
        reply = None
        if parent is not None:
            top = root or parent
            reply = models.AppBskyFeedPost.ReplyRef(
                parent=models.ComAtprotoRepoStrongRef.Main(uri=parent["uri"], cid=parent["cid"]),
                root=models.ComAtprotoRepoStrongRef.Main(uri=top["uri"], cid=top["cid"]),
            )
        record = models.AppBskyFeedPost.Record(
            created_at=self.client.get_current_time_iso(),
            text=builder.build_text(),
            facets=builder.build_facets(),
            reply=reply,
            langs=["en"],
        )
        # The record key is fixed by the key: after a kill, the retry finds the post made
        # before it instead of making it again (Bluesky has no Idempotency-Key).
        rkey = key.rpartition(":")[2]
        feed = self.client.app.bsky.feed.post
        try:
            with bluesky_errors("posting"):
                made = feed.create(self.did, record, rkey=rkey)
        except PlatformError:
            with bluesky_errors("looking up a post"):
                made = self._existing(rkey)
            if made is None:
                raise
        return {"id": str(made.uri), "uri": str(made.uri), "cid": str(made.cid)}

    def _existing(self, rkey: str) -> Any:
        from atproto_client.exceptions import BadRequestError  # type: ignore[import-untyped]

        try:
            return self.client.app.bsky.feed.post.get(self.did, rkey)
        except BadRequestError:  # RecordNotFound: the post was never made
            return None


def poster_for(channel: str, settings: PublishSettings, creds: Credentials) -> Poster:
    return (
        MastodonPoster(settings, creds) if channel == "mastodon" else BlueskyPoster(settings, creds)
    )


def post_rkey(inst: Installment, index: int) -> str:
    """A Bluesky TID fixed by the installment and the post's place in its thread: the
    creation time in microseconds (plus the place) and the number as the clock id."""
    at = inst.created_at if inst.created_at.tzinfo else inst.created_at.replace(tzinfo=UTC)
    micros = (at - _EPOCH) // timedelta(microseconds=1) + index
    n = (micros << 10) | (inst.number % 1024)
    return "".join(_TID_CHARS[(n >> (5 * i)) & 31] for i in reversed(range(13)))


def _header(inst: Installment, settings: PublishSettings) -> str:
    n = len(inst.items)
    return (
        f"{settings.org_name} list, installment #{inst.number}: {n} account"
        f"{'s' if n != 1 else ''} confirmed on review under our published policy. "
        f"Report them through the platform. Policy, appeals: {settings.public_url}/policy"
    )


def _carrier(
    db: Database, channel: str, number: int | None, entry_id: int
) -> tuple[Ref, Ref] | None:
    """The post that carried an entry on this channel, and the first post of its thread."""
    if number is None:
        return None
    with db.session() as session:
        pub = session.scalar(
            sa.select(Publication).where(
                Publication.channel == channel,
                Publication.kind == "installment",
                Publication.number == number,
            )
        )
        posts: list[dict[str, Any]] = list(pub.payload.get("posts", [])) if pub else []
    for p in posts:
        if entry_id in p.get("entry_ids", []):
            return p["ref"], posts[0]["ref"]
    return None


def _plan(
    db: Database, channel: str, inst: Installment, settings: PublishSettings, poster: Poster
) -> list[dict[str, Any]]:
    """Each post to make: text, entry ids, and what it replies to (None: the previous post)."""
    if inst.kind == KIND_RETRACTION:
        planned = []
        for item in inst.items:
            carrier = _carrier(db, channel, item.get("retracts_installment"), int(item["entry_id"]))
            if carrier is not None:
                planned.append(
                    {
                        "text": retraction_text(item, settings.org_name),
                        "entry_ids": [int(item["entry_id"])],
                        "parent": carrier[0],
                        "root": carrier[1],
                    }
                )
        return planned
    thread = split_thread(
        _header(inst, settings), installment_lines(inst.items), poster.limit, poster.length
    )
    return [
        {"text": p.text, "entry_ids": p.entry_ids, "parent": None, "root": None} for p in thread
    ]


def post_installments(
    db: Database, channel: str, settings: PublishSettings, poster: Poster, now: datetime
) -> int:
    """Post every installment not yet (fully) on `channel`; returns posts made."""
    made = 0
    with db.session() as session:
        done = sa.select(Publication.number).where(
            Publication.channel == channel, Publication.status.in_(["sent", "skipped"])
        )
        todo = session.scalars(
            sa.select(Installment)
            .where(Installment.number.not_in(done))
            .order_by(Installment.number)
        ).all()
        session.expunge_all()
    for inst in todo:
        stale = inst.kind != KIND_RETRACTION and now - inst.created_at > STALE_AFTER
        # A channel configured late does not post old installments; retractions always go.
        planned = [] if stale else _plan(db, channel, inst, settings, poster)
        with db.transaction() as session:
            pub = session.scalar(
                sa.select(Publication).where(
                    Publication.channel == channel, Publication.number == inst.number
                )
            )
            if pub is None:
                pub = Publication(
                    channel=channel,
                    kind=inst.kind,
                    number=inst.number,
                    entry_ids=[int(i["entry_id"]) for i in inst.items],
                    payload={"posts": []},
                    status="sending",
                    created_at=now,
                )
                session.add(pub)
            session.flush()
            pub_id = pub.id
            posted = list(pub.payload.get("posts", []))
        for step in planned[len(posted) :]:
            previous = posted[-1]["ref"] if posted and inst.kind != KIND_RETRACTION else None
            root = posted[0]["ref"] if posted and inst.kind != KIND_RETRACTION else None
            key = f"vigil-{inst.kind}-{inst.number}-{len(posted)}:{post_rkey(inst, len(posted))}"
            ref = poster.post(step["text"], step["parent"] or previous, step["root"] or root, key)
            posted.append({"ref": ref, "entry_ids": step["entry_ids"]})
            made += 1
            with db.transaction() as session:
                row = session.get(Publication, pub_id)
                assert row is not None
                row.payload = {"posts": posted}
                row.external_id = row.external_id or ref["id"]
        with db.transaction() as session:
            row = session.get(Publication, pub_id)
            assert row is not None
            row.status = "sent" if planned else "skipped"
            row.sent_at = now
            record(
                session,
                actor="publish",
                action=f"publish.{inst.kind}",
                subject=f"installment:{inst.number}",
                payload={
                    "channel": channel,
                    "posts": [p["ref"]["id"] for p in posted],
                    "entries": row.entry_ids,
                },
                ts=now,
            )
        log.info("%s %s on %s: %s posts", inst.kind, inst.number, channel, len(posted))
    return made
