"""The demo's reviewers: two analysts and a lead, playing a review round from the world's truth.

Only the demo does this. The simulated reviewers read truth.json to decide as a careful
person would, so a newcomer sees the two-person rule, the whitelist and rejections at work.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from vigil.config import Settings
from vigil.errors import ConflictError, NotFoundError
from vigil.review.decisions import decide
from vigil.review.users import add_user, get_user, set_password
from vigil.scoring.evaluation import load_truth
from vigil.scoring.queue import review_queue
from vigil.store import Database

__all__ = ["DEMO_USERS", "ReviewRound", "create_demo_users", "review_round"]

log = logging.getLogger(__name__)

# (username, role): two analysts for the two-person rule, a lead for appeals and overrides.
DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("analyst-1", "analyst"),
    ("analyst-2", "analyst"),
    ("lead-1", "lead"),
)

# Truth roles the reviewers whitelist, with the whitelist type they give.
_WHITELIST = {
    "journalist": "journalist",
    "news_outlet": "news_outlet",
    "researcher": "researcher",
    "parody": "parody",
    "counter_speech": "counter_speech",
}
_CRITERION = "support_by_name"


@dataclass(slots=True)
class ReviewRound:
    reviewed: int = 0
    confirmed: int = 0
    whitelisted: int = 0
    rejected: int = 0
    skipped: int = 0
    listed_ids: list[int] = field(default_factory=list)


def create_demo_users(db: Database) -> dict[str, str]:
    """The demo's logins, with fresh random passwords each run (printed, never stored)."""
    logins: dict[str, str] = {}
    for username, role in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        try:
            get_user(db, username)
        except NotFoundError:
            add_user(db, username, role, password=password, actor="demo")
        else:
            set_password(db, username, password, actor="demo")
        logins[username] = password
    return logins


def review_round(db: Database, settings: Settings, truth_file: Path, *, limit: int) -> ReviewRound:
    """Decide the top `limit` queue entries as the truth says; confirmations by both analysts."""
    truth = load_truth(truth_file)
    with db.session() as session:
        items = review_queue(session, limit=limit)
    result = ReviewRound()
    for item in items:
        role = truth.role.get(item.account_id)
        if role is None:
            result.skipped += 1
            continue
        result.reviewed += 1
        try:
            if role == "supporter":
                note = "Demo review: posts support the organisation by name."
                decide(
                    db,
                    item.id,
                    action="confirm",
                    user="analyst-1",
                    criterion=_CRITERION,
                    note=note,
                    settings=settings,
                )
                outcome = decide(
                    db,
                    item.id,
                    action="confirm",
                    user="analyst-2",
                    criterion=_CRITERION,
                    note=note,
                    settings=settings,
                )
                if outcome.listed:
                    result.confirmed += 1
                    result.listed_ids.append(item.id)
            elif role in _WHITELIST:
                decide(
                    db,
                    item.id,
                    action="whitelist",
                    user="analyst-1",
                    whitelist_type=_WHITELIST[role],
                    note=f"Demo review: a {role.replace('_', ' ')}, not a supporter.",
                    settings=settings,
                )
                result.whitelisted += 1
            else:
                decide(
                    db,
                    item.id,
                    action="reject",
                    user="analyst-1",
                    note="Demo review: nothing here meets the policy.",
                    settings=settings,
                )
                result.rejected += 1
        except ConflictError as exc:
            # A rerun of the demo finds its earlier decisions: nothing to do twice.
            log.info("demo review of account %s skipped: %s", item.id, exc)
            result.skipped += 1
    return result
