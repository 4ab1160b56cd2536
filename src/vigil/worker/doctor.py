"""`vigil doctor`: is this deployment able to work? Database, schema, keys, credentials, clock.

Each check is one bounded probe (one query, one stat, one HTTP request with a short timeout)
whose outcome is ok, warn, skip or fail; secrets are used but never shown.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

from vigil.config import Settings
from vigil.errors import VigilError
from vigil.model import AuditEvent, utcnow
from vigil.model.jobs import Job, JobStatus
from vigil.store import Database, current_revision, head_revision, open_database

__all__ = ["Check", "run_checks"]

log = logging.getLogger(__name__)

DEFAULT_X_API = "https://api.twitter.com"
_TIMEOUT = httpx.Timeout(5.0)
_MAX_SKEW_S = 5.0
_STALE_LEASE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: str  # ok | warn | skip | fail
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


def _database(db: Database) -> list[Check]:
    path = db.engine.url.database
    if db.dialect == "sqlite" and path and path != ":memory:" and not Path(path).is_file():
        # Connecting would create an empty file: a check must not change anything.
        return [Check("database", "fail", f"no database at {path}: run vigil init")]
    try:
        db.ping()
    except VigilError as exc:
        return [Check("database", "fail", str(exc))]
    checks = [Check("database", "ok", f"{db.dialect} at {db.url_for_humans}")]
    try:
        current, head = current_revision(db), head_revision()
    except VigilError as exc:
        return [*checks, Check("schema", "fail", str(exc))]
    if current == head:
        checks.append(Check("schema", "ok", f"at revision {head}"))
    else:
        checks.append(
            Check(
                "schema", "fail", f"at revision {current}, this code needs {head}: run vigil init"
            )
        )
    return checks


def _clock(db: Database, max_skew: float) -> Check:
    """Local clock against the database server's; workers' leases assume they agree."""
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            before = time.time()
            server = conn.execute(sa.text("SELECT now()")).scalar_one()
            after = time.time()
            local = datetime.fromtimestamp((before + after) / 2, UTC)
            skew = (local - server).total_seconds()
        else:
            skew = 0.0  # SQLite has no server: its clock is this host's
        try:
            newest = conn.execute(sa.select(sa.func.max(AuditEvent.ts))).scalar()
        except sa.exc.DBAPIError:
            newest = None  # not migrated: the schema check says so
    if abs(skew) > max_skew:
        return Check("clock", "fail", f"{skew:+.1f} s from the database server (max {max_skew})")
    if isinstance(newest, datetime):
        newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
        if newest > utcnow() + timedelta(seconds=max_skew):
            return Check(
                "clock", "fail", f"behind the newest audit event ({newest:%Y-%m-%dT%H:%M:%SZ})"
            )
    where = "database server" if db.dialect == "postgresql" else "host (SQLite)"
    return Check("clock", "ok", f"{skew:+.2f} s from the {where}")


def _keys(home: Path) -> Check:
    """The Ed25519 signing key the monitoring stage writes under $VIGIL_HOME/keys."""
    folder = home / "keys"
    found = sorted(folder.iterdir()) if folder.is_dir() else []
    private = [p for p in found if p.is_file() and p.suffix != ".pub"]
    named = [p for p in private if "ed25519" in p.name.lower()]
    private = named or private
    if not private:
        return Check("keys", "fail", f"no Ed25519 private key under {folder}")
    # Group or world access to a signing key lets others forge signed publications.
    loose = [p.name for p in private if stat.S_IMODE(p.stat().st_mode) & 0o077]
    if loose:
        return Check("keys", "fail", f"readable by others (chmod 600): {', '.join(loose)}")
    return Check("keys", "ok", f"{', '.join(p.name for p in private)} (mode 0600)")


Probe = Callable[[httpx.Client], httpx.Response]


def _probe(name: str, base: str, probe: Probe, transport: httpx.BaseTransport | None) -> Check:
    try:
        with httpx.Client(timeout=_TIMEOUT, transport=transport, follow_redirects=False) as client:
            response = probe(client)
    except httpx.HTTPError as exc:
        return Check(name, "fail", f"{base} unreachable: {type(exc).__name__}")
    code = response.status_code
    if code in (401, 403):
        return Check(name, "fail", f"{base} refused the credentials (HTTP {code})")
    if code == 429:
        return Check(name, "warn", f"{base} accepted the credentials but is rate limiting")
    if code >= 400:
        return Check(name, "fail", f"{base} answered HTTP {code}")
    return Check(name, "ok", f"credentials accepted by {base}")


def _pair(
    name: str,
    settings: tuple[str | None, str | None],
    both: str,
    unset: str,
    probe: Callable[[], Check],
) -> Check:
    """Probe a platform that needs two settings; one without the other is a mistake."""
    first, second = settings
    if first and second:
        return probe()
    if first or second:
        return Check(name, "fail", f"set both {both}")
    return Check(name, "skip", f"{unset} not set")


def _platforms(env: Mapping[str, str], transport: httpx.BaseTransport | None) -> list[Check]:
    checks = []
    token = env.get("VIGIL_X_BEARER_TOKEN")
    x_base = (env.get("VIGIL_X_API_BASE") or DEFAULT_X_API).rstrip("/")
    if token:
        headers = {"Authorization": f"Bearer {token}"}
        checks.append(
            _probe(
                "x",
                x_base,
                lambda c: c.get(f"{x_base}/2/users/by/username/XDevelopers", headers=headers),
                transport,
            )
        )
    else:
        checks.append(Check("x", "skip", "VIGIL_X_BEARER_TOKEN not set"))
    m_token, m_base = env.get("VIGIL_MASTODON_TOKEN"), (env.get("VIGIL_MASTODON_URL") or "")
    base = m_base.rstrip("/")
    m_headers = {"Authorization": f"Bearer {m_token}"}
    checks.append(
        _pair(
            "mastodon",
            (m_token, m_base),
            "VIGIL_MASTODON_URL and _TOKEN",
            "VIGIL_MASTODON_TOKEN",
            lambda: _probe(
                "mastodon",
                base,
                lambda c: c.get(f"{base}/api/v1/accounts/verify_credentials", headers=m_headers),
                transport,
            ),
        )
    )
    handle, password = env.get("VIGIL_BLUESKY_HANDLE"), env.get("VIGIL_BLUESKY_PASSWORD")
    b_base = (env.get("VIGIL_BLUESKY_URL") or "https://bsky.social").rstrip("/")
    body = {"identifier": handle, "password": password}
    checks.append(
        _pair(
            "bluesky",
            (handle, password),
            "VIGIL_BLUESKY_HANDLE and _PASSWORD",
            "VIGIL_BLUESKY_PASSWORD",
            lambda: _probe(
                "bluesky",
                b_base,
                lambda c: c.post(f"{b_base}/xrpc/com.atproto.server.createSession", json=body),
                transport,
            ),
        )
    )
    return checks


def _jobs(db: Database) -> Check:
    """Running jobs whose lease ran out long ago: no worker is alive to requeue them."""
    cutoff = utcnow() - _STALE_LEASE
    with db.session() as session:
        stale = session.scalar(
            sa.select(sa.func.count())
            .select_from(Job)
            .where(Job.status == JobStatus.RUNNING, Job.lease_expires_at < cutoff)
        )
        queued = session.scalar(
            sa.select(sa.func.count()).select_from(Job).where(Job.status == JobStatus.QUEUED)
        )
    if stale:
        return Check("workers", "warn", f"{stale} job(s) with a lease expired: no worker running?")
    return Check("workers", "ok", f"{queued or 0} job(s) queued")


def run_checks(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    max_skew: float = _MAX_SKEW_S,
    transport: httpx.BaseTransport | None = None,
) -> list[Check]:
    """Every check, in order; later database checks are skipped when it is unreachable."""
    environ = os.environ if env is None else env
    db = open_database(settings, create_home=False)
    try:
        checks = _database(db)
        reachable = checks[0].status == "ok"
        migrated = reachable and checks[-1].status == "ok"
        checks.append(_clock(db, max_skew) if reachable else Check("clock", "skip", "no database"))
        checks.append(_jobs(db) if migrated else Check("workers", "skip", "schema not current"))
    finally:
        db.dispose()
    checks.append(_keys(settings.home))
    checks.extend(_platforms(environ, transport))
    for c in checks:
        log.debug("doctor %s: %s", c.name, c.status)
    return checks
