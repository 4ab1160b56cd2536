"""Websites and files, not only accounts: links in confirmed accounts' posts, per domain; a
reviewer confirms a URL, Vigil writes the DSA notice to its hosting provider and checks with
a bounded HEAD request from the server whether the URL still answers."""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.config import PublishSettings
from vigil.errors import ConflictError, InputError
from vigil.model import ListEntry, Post
from vigil.model import content as content_model
from vigil.model.publish import ConfirmedUrl
from vigil.publish.dsa import Notice, write_notice
from vigil.publish.hosts import domain_of, load_hosts, lookup_host
from vigil.store import Database, record

__all__ = ["DomainLinks", "check_urls", "collect_links", "confirm_url"]

log = logging.getLogger(__name__)

_URL = re.compile(r"https?://[^\s<>\"'\u200b-\u200f\u202a-\u202e]+", re.I)
_TRAILING = ".,;:!?)]}»”’"
_HEAD_TIMEOUT = httpx.Timeout(5.0, connect=3.0)


@dataclass(slots=True)
class DomainLinks:
    domain: str
    provider: str | None
    urls: dict[str, set[int]] = field(default_factory=dict)  # url -> account ids

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "provider": self.provider,
            "urls": [{"url": u, "accounts": len(a)} for u, a in sorted(self.urls.items())],
        }


def _listed_accounts() -> sa.Select[int]:
    return sa.select(ListEntry.account_id).where(
        ListEntry.kind == "black", ListEntry.status == "active", ListEntry.decision_id.is_not(None)
    )


def _links(session: Session, account_ids: sa.Select[int]) -> list[tuple[str, int, int]]:
    """(url, post id, account id) from stored post links, else from the post text."""
    out: list[tuple[str, int, int]] = []
    post_url = getattr(content_model, "PostUrl", None)
    with_rows: set[int] = set()
    if post_url is not None:
        for url, post_id, account_id in session.execute(
            sa.select(post_url.expanded_url, Post.id, Post.account_id)
            .join(Post, Post.id == post_url.post_id)
            .where(Post.account_id.in_(account_ids))
        ):
            out.append((str(url), post_id, account_id))
            with_rows.add(post_id)
    for post_id, account_id, text in session.execute(
        sa.select(Post.id, Post.account_id, Post.text).where(
            Post.account_id.in_(account_ids), Post.text.is_not(None)
        )
    ):
        if post_id not in with_rows:
            out.extend((m.rstrip(_TRAILING), post_id, account_id) for m in _URL.findall(text or ""))
    return out


def collect_links(session: Session) -> list[DomainLinks]:
    """Links posted by actively listed accounts, grouped by domain, most accounts first."""
    hosts = load_hosts()
    domains: dict[str, DomainLinks] = {}
    for url, _post, account in _links(session, _listed_accounts()):
        domain = domain_of(url)
        if not domain:
            continue
        if domain not in domains:
            host = lookup_host(domain, hosts)
            domains[domain] = DomainLinks(domain, host.provider if host else None)
        domains[domain].urls.setdefault(url, set()).add(account)
    return sorted(
        domains.values(),
        key=lambda d: (-len(set().union(*d.urls.values())), d.domain),
    )


def confirm_url(
    session: Session,
    url: str,
    *,
    user: str,
    criterion: str,
    settings: PublishSettings,
    notice_dir: Path,
    note: str | None = None,
) -> ConfirmedUrl:
    """Record a reviewer's confirmation and write the notice to the hosting provider."""
    domain = domain_of(url)
    if not domain or not url.lower().startswith(("http://", "https://")):
        raise InputError("not an http(s) URL", field="url")
    if session.scalar(sa.select(ConfirmedUrl.id).where(ConfirmedUrl.url == url)):
        raise ConflictError(f"{url} is already confirmed")
    found = [(p, a) for u, p, a in _links(session, sa.select(Post.account_id)) if u == url]
    if not found:
        raise InputError("no stored post links to this URL; confirm links seen in evidence")
    post_id, account_id = found[0]
    host = lookup_host(domain, load_hosts())
    row = ConfirmedUrl(
        url=url,
        domain=domain,
        account_id=account_id,
        post_id=post_id,
        criterion=criterion,
        note=note,
        confirmed_by=user,
        provider=host.provider if host else None,
    )
    session.add(row)
    session.flush()
    notice = Notice(
        key=f"url-{row.id}-{domain}",
        provider=host.provider if host else f"the hosting provider of {domain}",
        recipient_email=host.notice_email if host else None,
        recipient_url=host.notice_url if host else None,
        subject_kind="url",
        urls=(url,),
        criterion=criterion,
        explanation=(
            f"The file or page at this address was posted {len(found)} time(s) by accounts "
            "we confirmed as spreading terrorist propaganda, and a reviewer confirmed its content."
        ),
        created_at=row.confirmed_at,
    )
    eml, _page = write_notice(notice, settings, notice_dir / "urls")
    row.notice_path, row.notice_at = str(eml), row.confirmed_at
    record(
        session,
        actor=user,
        action="url.confirm",
        subject=f"url:{row.id}",
        payload={"url": url, "criterion": criterion, "provider": row.provider, "notice": eml.name},
    )
    return row


def _public_host(url: str) -> bool:
    """Whether every address the host resolves to is public (no SSRF into our network)."""
    host = httpx.URL(url).host
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    return all(ipaddress.ip_address(str(info[4][0])).is_global for info in infos)


def check_urls(
    db: Database,
    settings: PublishSettings,
    now: datetime,
    *,
    limit: int = 100,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, int]:
    """HEAD each confirmed URL once (no redirects followed, 5 s timeout, at most `limit`)."""
    counts: dict[str, int] = defaultdict(int)
    with db.session() as session:
        todo = session.execute(
            sa.select(ConfirmedUrl.id, ConfirmedUrl.url)
            .order_by(ConfirmedUrl.last_check_at.is_not(None), ConfirmedUrl.last_check_at)
            .limit(limit)
        ).all()
    with httpx.Client(timeout=_HEAD_TIMEOUT, follow_redirects=False, transport=transport) as client:
        for url_id, url in todo:
            status: int | None = None
            if not settings.url_check_private and not _public_host(url):
                counts["refused"] += 1
                continue
            try:
                status = client.head(url, headers={"User-Agent": "Vigil-LinkCheck/1"}).status_code
            except httpx.HTTPError:
                status = None
            reachable = None if status is None else status < 400
            if status in (404, 410, 451):
                reachable = False
            counts["up" if reachable else "down" if reachable is False else "error"] += 1
            with db.transaction() as session:
                row = session.get(ConfirmedUrl, url_id)
                assert row is not None
                row.last_check_at, row.last_check_status, row.reachable = now, status, reachable
    with db.transaction() as session:
        record(
            session,
            actor="publish",
            action="url.check",
            subject="urls",
            payload=dict(counts),
            ts=now,
        )
    return dict(counts)
