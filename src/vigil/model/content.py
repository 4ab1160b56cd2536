"""What accounts publish and how they connect: posts with edit versions, media, follows.

References (retweet, quote, reply) and mentions are kept per post, so the retweet and
mention graphs are derived from stored posts rather than duplicated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.model.base import Base, BigId, UTCDateTime, utcnow

__all__ = [
    "Follow",
    "Media",
    "Mention",
    "Post",
    "PostMedia",
    "PostReference",
    "PostUrl",
    "PostVersion",
]


class Post(Base):
    """A post as last seen; earlier texts live in `PostVersion`."""

    __tablename__ = "post"
    __table_args__ = (
        UniqueConstraint("platform_id", "platform_post_id"),
        Index("ix_post_account_created", "account_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    platform_post_id: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    text: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="original")
    conversation_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    withheld_in: Mapped[list[str] | None] = mapped_column(JSON)
    version_count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[PostVersion]] = relationship(order_by="PostVersion.created_at")


class PostVersion(Base):
    """One edit version of a post (X edit history, Mastodon edits)."""

    __tablename__ = "post_version"
    __table_args__ = (UniqueConstraint("post_id", "platform_version_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    # Indexed: replies and quotes name the version they saw, and are resolved by it.
    platform_version_id: Mapped[str] = mapped_column(String(200), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retrieved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostReference(Base):
    """A retweet, quote or reply: an edge from a post to the post it references."""

    __tablename__ = "post_reference"
    __table_args__ = (UniqueConstraint("post_id", "kind", "target_platform_post_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Found by post through the unique constraint, which leads with it (imports write
    # millions of rows: each index is paid for on every one).
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    kind: Mapped[str] = mapped_column(String(16))  # retweeted | quoted | replied_to
    target_platform_post_id: Mapped[str] = mapped_column(String(200))
    target_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"), index=True)
    target_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)


class Mention(Base):
    """An account named in a post; the account may be unknown to the store yet."""

    __tablename__ = "mention"
    __table_args__ = (UniqueConstraint("post_id", "handle"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))  # see PostReference.post_id
    handle: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)


class PostUrl(Base):
    """A link in a post, at its place among the post's links (X url entities, Mastodon
    anchors and card, Bluesky link facets and external embed); media attachments are not links.

    `url` is the text shown (X's t.co link), `expanded_url` where it goes (X's unwound URL
    when X gives one); `host` and `domain` (the registrable domain) are lower-case ASCII, NULL
    when the URL names no usable host. The links are those of the post's latest version seen
    (`version_at`); a position a later version no longer has is kept.
    """

    __tablename__ = "post_url"
    __table_args__ = (UniqueConstraint("post_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    expanded_url: Mapped[str] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    version_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Media(Base):
    """An image or video: by platform key, by content (sha256) and by perceptual hash."""

    __tablename__ = "media"
    __table_args__ = (UniqueConstraint("platform_id", "media_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))
    media_key: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="photo")
    url: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdq: Mapped[str | None] = mapped_column(String(64), index=True)
    pdq_quality: Mapped[int | None] = mapped_column(Integer)
    # Extra hashes of parts of the image (screenshot content region...): [{variant, pdq, quality}]
    pdq_variants: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    local_path: Mapped[str | None] = mapped_column(Text)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PostMedia(Base):
    __tablename__ = "post_media"

    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True, index=True)


class Follow(Base):
    """`source` follows `target`; seen first and last at the given times."""

    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("source_id", "target_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
