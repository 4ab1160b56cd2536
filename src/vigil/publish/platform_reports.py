"""Reports through the platforms' own APIs: Mastodon `POST /api/v1/reports` (category
violation with the instance's matching rules, forwarded when the account is remote) and
Bluesky `com.atproto.moderation.createReport` (proxied to the moderation service)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from vigil.config import PublishSettings
from vigil.model import Post
from vigil.publish.clients import (
    Credentials,
    bluesky_client,
    bluesky_errors,
    mastodon_client,
    mastodon_errors,
)
from vigil.publish.entries import EntryView
from vigil.store import Database

__all__ = ["BlueskyReporter", "MastodonReporter", "post_urls", "report_comment"]

log = logging.getLogger(__name__)

_RULE_WORDS = re.compile(r"terror|extremis|violen|illegal|unlawful", re.I)
_MASTODON_COMMENT_MAX = 1000
_BLUESKY_REASON_MAX = 2000
REASON_VIOLATION = "com.atproto.moderation.defs#reasonViolation"

# (the platform's answer, its id); the request is written into the caller's dict first,
# so a refused report still stores what was asked.
Exchange = tuple[dict[str, Any], str | None]


def post_urls(view: EntryView, posts: Sequence[Post]) -> list[str]:
    """Exact URLs of the cited posts (stored URL, else the network's permalink form)."""
    out = []
    for post in posts:
        if post.url:
            out.append(post.url)
        elif view.platform_kind == "x":
            out.append(f"https://x.com/i/web/status/{post.platform_post_id}")
        elif view.platform_kind == "bluesky" and post.platform_post_id.startswith("at://"):
            rkey = post.platform_post_id.rsplit("/", 1)[-1]
            out.append(f"https://bsky.app/profile/{view.platform_account_id}/post/{rkey}")
        else:
            out.append(f"{view.profile_url}/{post.platform_post_id}")
    return out


def report_comment(view: EntryView, settings: PublishSettings, limit: int, extra: str = "") -> str:
    text = (
        f"{settings.org_name}: this account spreads terrorist propaganda (criterion "
        f"{view.criterion} of {settings.public_url}/policy; confirmed on review). "
        f"Evidence: {view.summary}.{extra} Contact: {settings.notifier_email}"
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


class MastodonReporter:
    """Reports from the organisation's account on its home instance."""

    def __init__(self, db: Database, settings: PublishSettings, creds: Credentials) -> None:
        from mastodon import MastodonNotFoundError

        self.settings = settings
        self.client = mastodon_client(settings, creds)
        self.home = urlsplit(settings.mastodon_url or "").netloc.lower()
        with mastodon_errors("reading the instance rules"):
            try:
                rules = self.client.instance_rules()
            except MastodonNotFoundError:  # before 3.4 the rules are only in the instance
                rules = self.client.instance().get("rules") or []
        self.rule_ids = [str(r["id"]) for r in rules if _RULE_WORDS.search(str(r.get("text")))]

    def _target(self, view: EntryView) -> tuple[str, bool]:
        """The account's id on the home instance, and whether it lives elsewhere."""
        host = view.platform.partition(":")[2].lower()
        if host == self.home:
            return view.platform_account_id, "@" in view.handle
        acct = view.handle if "@" in view.handle else f"{view.handle}@{host}"
        with mastodon_errors("looking up the account"):
            found = self.client.account_lookup(acct)
        return str(found["id"]), True

    def send(self, view: EntryView, request: dict[str, Any]) -> Exchange:
        request["target"] = view.platform_account_id
        account_id, remote = self._target(view)
        same_instance = view.platform.partition(":")[2].lower() == self.home
        # Status ids are per instance: only cite them when the home instance issued them.
        status_ids = list(view.evidence_posts) if same_instance else []
        category = "violation" if self.rule_ids else "legal"
        request.update(
            {
                "account_id": account_id,
                "status_ids": status_ids,
                "comment": report_comment(view, self.settings, _MASTODON_COMMENT_MAX),
                "forward": remote,
                "category": category,
                "rule_ids": self.rule_ids if category == "violation" else [],
            }
        )
        with mastodon_errors("reporting an account"):
            answer = self.client.report(
                account_id,
                status_ids=status_ids or None,
                comment=request["comment"],
                forward=remote,
                category=category,
                rule_ids=request["rule_ids"] or None,
            )
        response = {
            "id": str(answer["id"]),
            "action_taken": bool(answer.get("action_taken")),
            "category": answer.get("category"),
            "forwarded": answer.get("forwarded"),
            "created_at": str(answer.get("created_at")),
        }
        return response, response["id"]


class BlueskyReporter:
    """Reports from the organisation's session, addressed to the moderation service."""

    def __init__(self, db: Database, settings: PublishSettings, creds: Credentials) -> None:
        self.db = db
        self.settings = settings
        client, self.did = bluesky_client(settings, creds)
        self.client = client.with_proxy("atproto_labeler", settings.bluesky_labeler)

    def send(self, view: EntryView, request: dict[str, Any]) -> Exchange:
        from atproto import models  # type: ignore[import-untyped]

        extra = f" Posts: {' '.join(view.evidence_posts)}." if view.evidence_posts else ""
        reason = report_comment(view, self.settings, _BLUESKY_REASON_MAX, extra)
        request.update(
            {
                "reason_type": REASON_VIOLATION,
                "subject": {"did": view.platform_account_id},
                "reason": reason,
                "labeler": self.settings.bluesky_labeler,
            }
        )
        data = models.ComAtprotoModerationCreateReport.Data(
            reason_type=REASON_VIOLATION,
            subject=models.ComAtprotoAdminDefs.RepoRef(did=view.platform_account_id),
            reason=reason,
        )
        with bluesky_errors("reporting an account"):
            answer = self.client.com.atproto.moderation.create_report(data)
        response = {
            "id": str(answer.id),
            "created_at": str(answer.created_at),
            "reported_by": str(answer.reported_by),
        }
        return response, response["id"]
