"""Hash banks (known propaganda images as PDQ hashes) and the stored media that match them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.model.base import Base, BigId, UTCDateTime, utcnow

__all__ = ["BankHash", "HashBank", "MediaMatch"]


class HashBank(Base):
    """A named list of hashes; `threshold` is the largest Hamming distance that matches."""

    __tablename__ = "hash_bank"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    threshold: Mapped[int] = mapped_column(Integer, default=31)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankHash(Base):
    """One PDQ hash in a bank; `variant` is "full" or the sub-crop it was computed from."""

    __tablename__ = "bank_hash"
    __table_args__ = (UniqueConstraint("bank_id", "pdq", "item"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("hash_bank.id"), index=True)
    pdq: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(200))
    label: Mapped[str | None] = mapped_column(Text)
    quality: Mapped[int | None] = mapped_column(Integer)
    variant: Mapped[str] = mapped_column(String(32), default="full")
    source: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaMatch(Base):
    """A stored image within a bank's threshold of a bank item: bank, item, distance."""

    __tablename__ = "media_match"
    __table_args__ = (UniqueConstraint("media_id", "bank_id", "item"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("hash_bank.id"), index=True)
    bank_hash_id: Mapped[int] = mapped_column(ForeignKey("bank_hash.id"))
    item: Mapped[str] = mapped_column(String(200))
    distance: Mapped[int] = mapped_column(Integer)
    # Which hash of the image matched: "full", "content" (screenshot region), ...
    query_variant: Mapped[str] = mapped_column(String(32), default="full")
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
