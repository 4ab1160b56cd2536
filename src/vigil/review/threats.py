"""Threat to life: a reviewer marks a case, and leads are alerted at once by webhook.

The alert names the case and the account, never the reviewer or the content; the evidence
package for law enforcement is made from the case (`vigil evidence export`). The webhook is
called after the mark is committed, so a failed alert never loses the mark.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from vigil.config import Settings
from vigil.errors import InputError, PermissionDeniedError
from vigil.model import utcnow
from vigil.review.accounts import account_label, resolve_account
from vigil.review.cases import begin_write, open_case
from vigil.review.fields import clean_text
from vigil.review.users import acting_user, can_decide
from vigil.store import Database, record

__all__ = ["THREAT_PRIORITY", "ThreatAlert", "mark_threat", "send_alert"]

log = logging.getLogger(__name__)

THREAT_PRIORITY = 100
ALERT_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class ThreatAlert:
    case_id: int
    account_id: int
    account: str
    marked_at: datetime
    alerted: bool
    status_code: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "account_id": self.account_id,
            "account": self.account,
            "marked_at": self.marked_at.isoformat(),
            "alerted": self.alerted,
            "status_code": self.status_code,
            "error": self.error,
        }


def send_alert(url: str, payload: dict[str, Any]) -> tuple[int | None, str | None]:
    """POST the alert; (status code, error text) - a failure is reported, not raised."""
    try:
        response = httpx.post(url, json=payload, timeout=ALERT_TIMEOUT)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    if response.status_code >= 400:
        return response.status_code, f"the webhook answered {response.status_code}"
    return response.status_code, None


def mark_threat(
    db: Database,
    account_ref: str | int,
    *,
    user: str,
    note: str,
    settings: Settings | None = None,
) -> ThreatAlert:
    """Mark the account's case as an imminent threat to life and alert leads.

    Analysts and above may mark; the note says what the threat is (kept in the audit log,
    not sent). Alerts go to `settings.alert_webhook` (VIGIL_ALERT_WEBHOOK) when set.
    """
    text = clean_text(note, field="note", max_len=10_000)
    if text is None:
        raise InputError("marking a threat to life needs a note", field="note")
    webhook = (settings or Settings.from_env()).alert_webhook
    with db.transaction() as session:
        begin_write(session)
        actor = acting_user(session, user)
        if not can_decide(actor.role):
            raise PermissionDeniedError(f"role {actor.role} cannot mark threats")
        account = resolve_account(session, account_ref)
        case = open_case(session, account.id, source="review", priority=THREAT_PRIORITY)
        marked_at = case.threat_marked_at or utcnow()
        case.threat_to_life = True
        case.threat_marked_at = marked_at
        case.priority = max(case.priority, THREAT_PRIORITY)
        label = account_label(session, account)
        record(
            session,
            actor=f"user:{actor.username}",
            action="case.threat",
            subject=f"account:{account.id}",
            payload={"case_id": case.id, "note": text},
        )
        case_id, account_id = case.id, account.id
    payload = {
        "event": "vigil.threat_to_life",
        "case_id": case_id,
        "account_id": account_id,
        "account": label,
        "marked_at": marked_at.isoformat(),
        "evidence_package": f"vigil evidence export {case_id}",
    }
    if webhook is None:
        log.warning("threat to life on case %s: VIGIL_ALERT_WEBHOOK is not set", case_id)
        return ThreatAlert(case_id, account_id, label, marked_at, False, None, "no webhook set")
    status, error = send_alert(webhook, payload)
    with db.transaction() as session:
        begin_write(session)
        record(
            session,
            actor="system",
            action="case.threat_alert",
            subject=f"account:{account_id}",
            payload={"case_id": case_id, "status_code": status, "error": error},
        )
    if error:
        log.warning("threat alert for case %s failed: %s", case_id, error)
    return ThreatAlert(case_id, account_id, label, marked_at, error is None, status, error)
