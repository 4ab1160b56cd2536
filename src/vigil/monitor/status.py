"""One status check of a batch of accounts through a live connector, whatever its network.

The connectors' own lookups do the work (X: 100 ids a request with X's error objects;
Bluesky: 25 actors, then the one that says why; Mastodon: one account a request). What
they lack is here: Mastodon's 410 Gone, Bluesky's takedown as such, withheld X accounts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vigil.errors import PlatformError
from vigil.model import AccountStatus
from vigil.platforms.base import Page, Platform, UserLookup
from vigil.platforms.records import AccountRecord, Record, StatusRecord

__all__ = ["StatusCheck", "check_batch", "server_now"]

_GONE = 410
# Error fields worth keeping with an observation: what the platform said, not the account.
_ERROR_KEYS = ("title", "detail", "type", "resource_type", "parameter", "error", "message")


@dataclass(frozen=True, slots=True)
class StatusCheck:
    """What one account's check found, with the answer's essentials."""

    platform_account_id: str
    status: AccountStatus
    observed_at: datetime
    handle: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


def server_now(platform: Platform) -> datetime:
    """The platform server's clock as the connector knows it (a sim's clock, or wall time)."""
    client = getattr(platform, "client", None)
    clock = getattr(client, "clock", None) or getattr(platform, "clock", None)
    now = clock.now() if clock is not None else datetime.now(UTC).timestamp()
    return datetime.fromtimestamp(float(now), UTC)


def check_batch(platform: Platform, ids: Sequence[str]) -> tuple[list[StatusCheck], list[Record]]:
    """Statuses of `ids` (at most the connector's `lookup_batch`), and the profiles seen."""
    if not isinstance(platform, UserLookup):
        raise PlatformError(f"{platform.name} cannot look accounts up, so it cannot be monitored")
    if platform.name == "mastodon":
        pages = [_mastodon_one(platform, i) for i in ids]
    else:
        pages = [(list(ids), platform.lookup_ids(list(ids)))]
    checks: list[StatusCheck] = []
    profiles: list[Record] = []
    for asked, page in pages:
        found, said = _index(page)
        profiles += [r for r in page.records if isinstance(r, AccountRecord)]
        fallback = _page_time(page) or server_now(platform)
        for pid in asked:
            checks.append(_check(platform.name, pid, page, found, said, fallback))
    return checks, profiles


def _mastodon_one(platform: Platform, pid: str) -> tuple[list[str], Page]:
    """One Mastodon account; 410 Gone (an account deleted for good) is a status, not a failure."""
    assert isinstance(platform, UserLookup)
    try:
        return [pid], platform.lookup_ids([pid])
    except PlatformError as exc:
        args: tuple[Any, ...] = tuple(getattr(exc.__cause__, "args", ()))
        if len(args) > 1 and args[1] == _GONE:
            gone = StatusRecord(
                server_now(platform),
                AccountStatus.DELETED,
                pid,
                source="monitor",
                detail={"http_status": _GONE},
            )
            return [pid], Page(records=[gone], unavailable={pid: AccountStatus.DELETED})
        raise


def _index(page: Page) -> tuple[dict[str, AccountRecord], dict[str, StatusRecord]]:
    found = {r.platform_account_id: r for r in page.records if isinstance(r, AccountRecord)}
    said: dict[str, StatusRecord] = {}
    for r in page.records:
        if isinstance(r, StatusRecord):
            for key in (r.subject_id, r.handle):
                if key:
                    said.setdefault(key, r)
    return found, said


def _page_time(page: Page) -> datetime | None:
    times = [r.seen_at for r in page.records if isinstance(r, AccountRecord)]
    times += [r.observed_at for r in page.records if isinstance(r, StatusRecord)]
    return max(times) if times else None


def _check(
    network: str,
    pid: str,
    page: Page,
    found: Mapping[str, AccountRecord],
    said: Mapping[str, StatusRecord],
    fallback: datetime,
) -> StatusCheck:
    status = page.unavailable.get(pid)
    if status is not None:
        statement = said.get(pid)
        detail = _error_detail(statement.detail) if statement is not None else {}
        if network == "bluesky" and detail.get("error") == "AccountTakedown":
            status = AccountStatus.TAKEN_DOWN
        when = statement.observed_at if statement is not None else fallback
        return StatusCheck(pid, status, when.astimezone(UTC), detail=detail)
    profile = found.get(pid)
    if profile is None:
        # Neither shown nor explained: the platform no longer knows the id.
        return StatusCheck(pid, AccountStatus.NOT_FOUND, fallback, detail={"absent": True})
    seen: dict[str, Any] = {"handle": profile.handle}
    if profile.followers_count is not None:
        seen["followers"] = profile.followers_count
    if profile.withheld_in:
        seen["withheld_in"] = sorted(profile.withheld_in)
        status = AccountStatus.WITHHELD
    elif profile.protected:
        status = AccountStatus.PROTECTED
    else:
        status = AccountStatus.ACTIVE
    return StatusCheck(
        pid, status, profile.seen_at.astimezone(UTC), handle=profile.handle, detail=seen
    )


def _error_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """The platform's words for an unavailable account, without the rest of the answer."""
    source = detail.get("error") if isinstance(detail.get("error"), Mapping) else detail
    assert isinstance(source, Mapping)
    kept = {k: source[k] for k in _ERROR_KEYS if k in source and source[k] is not None}
    for k in ("http_status", "suspended"):
        if k in detail:
            kept[k] = detail[k]
    return kept
