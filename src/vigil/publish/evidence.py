"""Evidence packages for law enforcement or a platform's legal team: the account's posts
and media, decisions with their criterion, signals, and a manifest with the sha256 of every
file and the audit-log hashes covering them (chain of custody)."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vigil.errors import InputError, NotFoundError
from vigil.model import (
    Account,
    AuditEvent,
    AuditHead,
    Case,
    Decision,
    ListEntry,
    Media,
    Platform,
    Post,
    PostMedia,
    Signal,
)
from vigil.model.publish import Report
from vigil.store import record

__all__ = ["EvidencePackage", "export_evidence", "safe_member"]

_EXT = re.compile(r"^\.[a-z0-9]{1,5}$")


def safe_member(name: str) -> str:
    """A zip member name that cannot escape the extraction folder."""
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or "//" in name
        or path.is_absolute()
        or any(part in {"..", ""} for part in path.parts)
        or re.match(r"^[A-Za-z]:", name)
    ):
        raise InputError(f"unsafe file name in package: {name!r}")
    return name


@dataclass(frozen=True, slots=True)
class EvidencePackage:
    path: Path
    case_id: int | None
    account_id: int
    files: int
    manifest_sha256: str


def _resolve(session: Session, ref: str) -> tuple[Account, Case | None]:
    """A case id, or an account as PLATFORM:ID (its latest case)."""
    if ref.isdigit():
        case = session.get(Case, int(ref))
        if case is None:
            raise NotFoundError(f"no case {ref}")
        account = session.get(Account, case.account_id)
        assert account is not None
        return account, case
    # Platform names and ids may both hold colons (mastodon:host:port, did:plc:...).
    account = None
    for plat in session.scalars(sa.select(Platform)):
        if ref.startswith(plat.name + ":"):
            account = session.scalar(
                sa.select(Account).where(
                    Account.platform_id == plat.id,
                    Account.platform_account_id == ref[len(plat.name) + 1 :],
                )
            )
            if account is not None:
                break
    if account is None:
        raise NotFoundError(f"no account {ref} (give a case id or PLATFORM:ID)")
    case = session.scalar(
        sa.select(Case).where(Case.account_id == account.id).order_by(Case.id.desc()).limit(1)
    )
    return account, case


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _posts(session: Session, account_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(Post).where(Post.account_id == account_id).order_by(Post.created_at, Post.id)
    ).all()
    return [
        {
            "id": p.id,
            "platform_post_id": p.platform_post_id,
            "created_at": _iso(p.created_at),
            "kind": p.kind,
            "url": p.url,
            "text": p.text,
            "versions": [{"text": v.text, "created_at": _iso(v.created_at)} for v in p.versions],
            "first_seen": _iso(p.first_seen),
            "last_seen": _iso(p.last_seen),
        }
        for p in rows
    ]


def _decisions(session: Session, account_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(Decision).where(Decision.account_id == account_id).order_by(Decision.id)
    ).all()
    # Reviewers are named by a stable pseudonym: their safety matters, the organisation can
    # map it to a person when a court asks.
    return [
        {
            "id": d.id,
            "case_id": d.case_id,
            "action": d.action,
            "criterion": d.criterion,
            "reviewer": f"reviewer-{d.user_id}",
            "note": d.note,
            "evidence": d.evidence,
            "supersedes_id": d.supersedes_id,
            "decided_at": _iso(d.decided_at),
        }
        for d in rows
    ]


def export_evidence(
    session: Session, ref: str, out: Path, *, media_dir: Path, actor: str
) -> EvidencePackage:
    """Write the package for case/account `ref` to `out` (a .zip) and audit the export."""
    account, case = _resolve(session, ref)
    platform = session.get(Platform, account.platform_id)
    entries = session.scalars(sa.select(ListEntry).where(ListEntry.account_id == account.id)).all()
    decisions = _decisions(session, account.id)
    signals = [
        {
            "name": s.name,
            "version": s.version,
            "value": s.value,
            "explanation": s.explanation,
            "evidence": s.evidence,
            "computed_at": _iso(s.computed_at),
        }
        for s in session.scalars(sa.select(Signal).where(Signal.account_id == account.id))
    ]
    files: dict[str, bytes] = {}

    def add(name: str, data: bytes) -> None:
        files[safe_member(name)] = data

    def add_json(name: str, data: Any) -> None:
        add(name, json.dumps(data, ensure_ascii=False, indent=2, default=str).encode())

    add_json(
        "account.json",
        {
            "id": account.id,
            "platform": platform.name if platform else None,
            "platform_account_id": account.platform_account_id,
            "handle": account.handle,
            "display_name": account.display_name,
            "bio": account.bio,
            "created_at": _iso(account.created_at),
            "first_seen": _iso(account.first_seen),
        },
    )
    add_json("posts.json", _posts(session, account.id))
    add_json(
        "decisions.json",
        {
            "case": {"id": case.id, "status": case.status, "source": case.source} if case else None,
            "decisions": decisions,
            "list_entries": [
                {
                    "id": e.id,
                    "kind": e.kind,
                    "status": e.status,
                    "criterion": e.criterion,
                    "decision_id": e.decision_id,
                    "added_at": _iso(e.added_at),
                    "retracted_at": _iso(e.retracted_at),
                }
                for e in entries
            ],
        },
    )
    add_json("signals.json", signals)
    add_json(
        "reports.json",
        [
            {
                "channel": r.channel,
                "status": r.status,
                "external_id": r.external_id,
                "request": r.request,
                "response": r.response,
                "submitted_at": _iso(r.submitted_at),
            }
            for r in session.scalars(sa.select(Report).where(Report.account_id == account.id))
        ],
    )
    root = media_dir.resolve()
    posted = (
        sa.select(PostMedia.media_id)
        .join(Post, Post.id == PostMedia.post_id)
        .where(Post.account_id == account.id)
    )
    media = session.scalars(sa.select(Media).where(Media.id.in_(posted)).order_by(Media.id)).all()
    missing = []
    for m in media:
        source = (root / m.local_path).resolve() if m.local_path else None
        # Stored paths are ours, but never follow one out of the media store.
        if source is None or not source.is_relative_to(root) or not source.is_file():
            missing.append({"media_id": m.id, "url": m.url, "sha256": m.sha256})
            continue
        ext = source.suffix.lower() if _EXT.match(source.suffix.lower()) else ".bin"
        add(f"media/{m.sha256 or m.id}{ext}", source.read_bytes())
    # Subjects Vigil's writers use for this account's events (review, lists, reports).
    subjects = {f"account:{account.id}"} | {f"decision:{d['id']}" for d in decisions}
    subjects |= {f"list_entry:{e.id}" for e in entries}
    if case is not None:
        subjects.add(f"case:{case.id}")
    audit = [
        {
            "seq": a.seq,
            "ts": _iso(a.ts),
            "action": a.action,
            "subject": a.subject,
            "prev_hash": a.prev_hash,
            "hash": a.hash,
        }
        for a in session.scalars(
            sa.select(AuditEvent).where(AuditEvent.subject.in_(subjects)).order_by(AuditEvent.seq)
        )
    ]
    head = session.scalars(sa.select(AuditHead)).first()
    manifest = {
        "format": "vigil-evidence/1",
        "account_id": account.id,
        "case_id": case.id if case else None,
        "files": [
            {"name": n, "sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
            for n, b in sorted(files.items())
        ],
        "media_not_stored": missing,
        "audit_events": audit,
        "audit_head": {"seq": head.seq, "hash": head.hash} if head else None,
        "verify": "sha256 of each file must match; `vigil audit verify` on the source store "
        "must pass and contain these event hashes.",
    }
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
        zf.writestr("manifest.json", manifest_bytes)
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    record(
        session,
        actor=actor,
        action="evidence.export",
        subject=f"account:{account.id}",
        payload={"case": manifest["case_id"], "manifest_sha256": digest, "files": len(files)},
    )
    return EvidencePackage(out, case.id if case else None, account.id, len(files), digest)
