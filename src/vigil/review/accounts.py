"""Finding the account a reviewer means: ``PLATFORM:ID``, ``PLATFORM:@handle`` or a store id.

Platform names may themselves hold a colon (``mastodon:example.social``), so the account part
is what follows the last colon; a handle matches the current one first, then earlier ones.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.errors import InputError, NotFoundError
from vigil.model import Account, AccountHandle, Platform
from vigil.review.fields import clean_line, store_id

__all__ = ["account_label", "resolve_account"]


def _by_handle(session: Session, platform_id: int, handle: str) -> Account | None:
    lowered = handle.lower()
    current = session.scalars(
        sa.select(Account)
        .where(Account.platform_id == platform_id, sa.func.lower(Account.handle) == lowered)
        .order_by(Account.last_seen.desc(), Account.id)
        .limit(1)
    ).first()
    if current is not None:
        return current
    return session.scalars(
        sa.select(Account)
        .join(AccountHandle, AccountHandle.account_id == Account.id)
        .where(Account.platform_id == platform_id, sa.func.lower(AccountHandle.handle) == lowered)
        .order_by(AccountHandle.last_seen.desc(), Account.id)
        .limit(1)
    ).first()


def resolve_account(session: Session, ref: str | int) -> Account:
    """The account named by `ref`; NotFoundError if there is none, InputError if malformed."""
    text = str(ref) if isinstance(ref, int) else clean_line(ref, field="account", max_len=400)
    if text.isascii() and text.isdigit():
        number = store_id(text)
        found = session.get(Account, number) if number is not None else None
        if found is None:
            raise NotFoundError(f"no account with store id {text[:20]}")
        return found
    platform_name, sep, key = text.rpartition(":")
    if not sep or not platform_name or not key:
        raise InputError(
            f"account {text[:60]!r}: use PLATFORM:ID, PLATFORM:@handle or a store id",
            field="account",
        )
    platform_id = session.scalar(sa.select(Platform.id).where(Platform.name == platform_name))
    if platform_id is None:
        raise NotFoundError(f"no platform named {platform_name!r}")
    if key.startswith("@"):
        account = _by_handle(session, int(platform_id), key[1:])
    else:
        account = session.scalars(
            sa.select(Account).where(
                Account.platform_id == platform_id, Account.platform_account_id == key
            )
        ).first()
    if account is None:
        raise NotFoundError(f"no account {text!r}")
    return account


def account_label(session: Session, account: Account) -> str:
    """``platform:platform_account_id``: how audit events and messages name an account."""
    name = session.scalar(sa.select(Platform.name).where(Platform.id == account.platform_id))
    return f"{name}:{account.platform_account_id}"
