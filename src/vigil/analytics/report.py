"""Write the transparency report (HTML, JSON, CSV, the exported dataset), signed, and verify it.

report.json holds the figures, the inputs the export cannot hold, the Merkle roots of the
audit log and of the lists, the SHA-256 of every other file and the public key; report.sig
is the organisation's Ed25519 signature of report.json's bytes. Verification checks the
signature and the hashes, then recomputes every figure and table from the export.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

import vigil
from vigil.analytics.dataset import read_dataset, write_dataset
from vigil.analytics.figures import compute_figures
from vigil.analytics.gather import gather_dataset
from vigil.analytics.html import render_html
from vigil.analytics.merkle import audit_root, lists_root
from vigil.analytics.signing import (
    fingerprint,
    fingerprint_b64,
    load_or_create_key,
    public_key_b64,
    sign,
    verify_signature,
)
from vigil.analytics.tables import figure_tables
from vigil.config import Settings
from vigil.errors import InputError
from vigil.keys.history import PublishedKey
from vigil.model import Decision, Score
from vigil.store import Database, record

__all__ = ["FORMAT", "ReportResult", "VerifyResult", "verify_report", "write_report"]

log = logging.getLogger(__name__)

FORMAT = "vigil-transparency-report/1"
REPORT = "report.json"
SIGNATURE = "report.sig"
HTML = "report.html"


@dataclass(frozen=True, slots=True)
class ReportResult:
    out: Path
    files: dict[str, str]
    fingerprint: str
    figures: dict[str, Any]


@dataclass(slots=True)
class VerifyResult:
    ok: bool
    fingerprint: str = ""
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "key_fingerprint": self.fingerprint,
            "checked": self.checked,
            "problems": self.problems,
        }


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"


def _sha(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def write_report(
    db: Database,
    settings: Settings,
    out: Path,
    *,
    html: bool = True,
    now: datetime | None = None,
    actor: str = "cli",
) -> ReportResult:
    """Compute, write and sign the report under `out`; the publication is audited."""
    key = load_or_create_key(settings.home)
    out.mkdir(parents=True, exist_ok=True)
    with db.session() as session:
        ds = gather_dataset(session)
        inputs = {
            "candidates": int(
                session.execute(select(func.count()).select_from(Score)).scalar_one()
            ),
            "reviewed": int(
                session.execute(select(func.count(func.distinct(Decision.account_id)))).scalar_one()
            ),
        }
        audit, events = audit_root(session)
        lists, entries = lists_root(session)
    figures = compute_figures(ds, inputs)
    texts = write_dataset(ds, out)
    texts.update(figure_tables(figures))
    for name in ("waves.csv", "survival.csv", "figures.csv"):
        (out / name).write_text(texts[name], encoding="utf-8")
    public = key.public_key()
    report: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
        "vigil_version": vigil.__version__,
        "inputs": inputs,
        "figures": figures,
        "merkle": {
            "audit_log": {"root": audit, "events": events},
            "lists": {"root": lists, "entries": entries},
        },
        "public_key": public_key_b64(public),
        "key_fingerprint": fingerprint(public),
        "files": {},
    }
    if html:
        # Rendered from the report as it will be read back (keys sorted), as verify renders it.
        texts[HTML] = render_html(json.loads(_canonical(report)))
        (out / HTML).write_text(texts[HTML], encoding="utf-8")
    elif (out / HTML).exists():
        (out / HTML).unlink()  # a page from an earlier run would contradict this report
    report["files"] = {name: _sha(text) for name, text in sorted(texts.items())}
    body = _canonical(report)
    (out / REPORT).write_bytes(body)
    (out / SIGNATURE).write_text(sign(key, body) + "\n", encoding="ascii")
    with db.transaction() as session:
        record(
            session,
            actor=actor,
            action="report.published",
            subject=f"report:{_sha(body)[:16]}",
            payload={
                "report_sha256": _sha(body),
                "key_fingerprint": report["key_fingerprint"],
                "merkle": report["merkle"],
                "figures": {
                    "listed": figures["funnel"]["listed"],
                    "removed": figures["funnel"]["removed"],
                },
            },
        )
    log.info("transparency report written (%s files)", len(texts) + 2)
    return ReportResult(out, report["files"], report["key_fingerprint"], figures)


def _history_problems(history: Sequence[PublishedKey], key: str, generated_at: str) -> list[str]:
    """A signing key must be one the organisation published, valid when the report was made."""
    known = [k for k in history if k.public_key == key]
    if not known:
        return ["the report's key is not in the organisation's published key history"]
    if not any(k.covers(generated_at) for k in known):
        return ["the report's key was not valid when the report says it was generated"]
    return []


def verify_report(
    directory: Path,
    *,
    public_key: str | None = None,
    history: Sequence[PublishedKey] | None = None,
) -> VerifyResult:
    """Check the signature and every file, then recompute every figure from the export.

    `public_key` (base64 raw Ed25519) is the key the organisation published; `history` is its
    published key history (any key in it, valid when the report was generated, is accepted);
    without either the key inside the report is used, and its fingerprint is returned.
    """
    result = VerifyResult(ok=False)
    path = directory / REPORT
    try:
        body = path.read_bytes()
        signature = (directory / SIGNATURE).read_text(encoding="ascii").strip()
    except OSError as exc:
        raise InputError(
            f"cannot read the report: {exc.strerror}", source=str(exc.filename)
        ) from None
    try:
        report = json.loads(body)
    except ValueError:
        raise InputError("not JSON", source=str(path)) from None
    if not isinstance(report, dict) or report.get("format") != FORMAT:
        raise InputError(f"not a {FORMAT} report", source=str(path))
    key = public_key or str(report.get("public_key", ""))
    result.fingerprint = fingerprint_b64(key) if key else ""
    if public_key and public_key != report.get("public_key"):
        result.problems.append("the report names another public key than the one given")
    if history is not None:
        result.problems.extend(_history_problems(history, key, str(report.get("generated_at"))))
    if not verify_signature(key, signature, body):
        result.problems.append("the signature does not match report.json")
    result.checked.append("signature")
    texts: dict[str, str] = {}
    for name, digest in sorted(dict(report.get("files") or {}).items()):
        try:
            texts[name] = (directory / name).read_text(encoding="utf-8")
        except OSError:
            result.problems.append(f"{name} is missing")
            continue
        if _sha(texts[name]) != digest:
            result.problems.append(f"{name} does not match its SHA-256 in report.json")
    result.checked.append("file hashes")
    if "accounts.csv" in texts and "observations.csv" in texts:
        ds = read_dataset(directory)
        figures = compute_figures(ds, dict(report.get("inputs") or {}))
        recomputed = json.loads(json.dumps(figures, sort_keys=True))
        for section in sorted(set(recomputed) | set(report.get("figures") or {})):
            if recomputed.get(section) != (report.get("figures") or {}).get(section):
                result.problems.append(f"figures.{section} differ from those recomputed")
        for name, text in figure_tables(figures).items():
            if name in texts and texts[name] != text:
                result.problems.append(f"{name} differs from the table recomputed")
        if HTML in texts:
            expected = dict(report, files={})
            if render_html(expected) != texts[HTML]:
                result.problems.append(f"{HTML} differs from the page rendered from report.json")
        result.checked.append("figures recomputed from the export")
    else:
        result.problems.append("the export (accounts.csv, observations.csv) is missing")
    result.ok = not result.problems
    return result
