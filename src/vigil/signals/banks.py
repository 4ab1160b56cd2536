"""Hash banks: create, add images, import CSV or JSON hash lists, export, list; all audited.

JSON accepts a list of entries, or an object holding one under "data", "hashes" or
"signals" (ThreatExchange descriptors, TCAP/HMA exports): the hash is read from "pdq",
"hash", "signal", "raw_indicator" or "hash_value"; entries of another "type" are skipped.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.errors import InputError, NotFoundError
from vigil.model import BankHash, HashBank
from vigil.signals.pdq import MIN_QUALITY, PdqHash, hash_image, load_image, normalise_hex, sub_crops
from vigil.store import record, upsert

__all__ = [
    "DEFAULT_THRESHOLD",
    "BankInfo",
    "add_images",
    "bank_hashes",
    "export_rows",
    "get_bank",
    "import_file",
    "list_banks",
]

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 31
_HASH_KEYS = ("pdq", "hash", "signal", "raw_indicator", "hash_value")
_TYPE_KEYS = ("signal_type", "type", "hash_type")
_LIST_RE = re.compile(r'"(data|hashes|signals)"\s*:\s*\[')


@dataclass(frozen=True, slots=True)
class BankInfo:
    name: str
    threshold: int
    hashes: int
    items: int


@dataclass(frozen=True, slots=True)
class _Row:
    pdq: str
    item: str
    label: str | None
    quality: int | None
    variant: str


def get_bank(session: Session, name: str) -> HashBank:
    bank = session.execute(select(HashBank).where(HashBank.name == name)).scalar_one_or_none()
    if bank is None:
        raise NotFoundError(f"no hash bank named {name!r}")
    return bank


def _ensure_bank(session: Session, name: str, threshold: int | None, actor: str) -> HashBank:
    if not name or len(name) > 200:
        raise InputError("a bank name is 1-200 characters", field="name")
    if threshold is not None and not 0 <= threshold <= 128:
        raise InputError("the threshold is a distance from 0 to 128 bits", field="threshold")
    bank = session.execute(select(HashBank).where(HashBank.name == name)).scalar_one_or_none()
    if bank is None:
        bank = HashBank(name=name, threshold=DEFAULT_THRESHOLD if threshold is None else threshold)
        session.add(bank)
        session.flush()
        record(
            session,
            actor=actor,
            action="bank.create",
            subject=f"bank:{name}",
            payload={"threshold": bank.threshold},
        )
    elif threshold is not None and threshold != bank.threshold:
        record(
            session,
            actor=actor,
            action="bank.threshold",
            subject=f"bank:{name}",
            payload={"from": bank.threshold, "to": threshold},
        )
        bank.threshold = threshold
    return bank


def _store(session: Session, bank: HashBank, rows: Sequence[_Row], source: str) -> int:
    unique = {(r.pdq, r.item): r for r in rows}
    before = _count(session, bank.id)
    upsert(
        session,
        BankHash,
        (
            {
                "bank_id": bank.id,
                "pdq": r.pdq,
                "item": r.item,
                "label": r.label,
                "quality": r.quality,
                "variant": r.variant,
                "source": source,
            }
            for r in unique.values()
        ),
        keys=["bank_id", "pdq", "item"],
    )
    return _count(session, bank.id) - before


def _count(session: Session, bank_id: int) -> int:
    stmt = select(func.count()).select_from(BankHash).where(BankHash.bank_id == bank_id)
    return int(session.execute(stmt).scalar_one())


def add_images(
    session: Session,
    name: str,
    paths: Sequence[Path],
    *,
    actor: str,
    label: str | None = None,
    threshold: int | None = None,
    crops: bool = True,
) -> int:
    """Hash images into bank `name` (created if new); returns how many hashes were new.

    With `crops`, each image's 15 side-trimmed sub-crops go in too, under the same item,
    so reposts cropped by a few percent still land within the threshold.
    """
    bank = _ensure_bank(session, name, threshold, actor)
    rows: list[_Row] = []
    for path in paths:
        img = load_image(path)
        hashes: list[PdqHash] = [hash_image(img)]
        if hashes[0].quality < MIN_QUALITY:
            log.warning(
                "%s has PDQ quality %s: stored, but it will match poorly", path, hashes[0].quality
            )
        if crops:
            hashes.extend(hash_image(crop, variant) for variant, crop in sub_crops(img))
        rows.extend(_Row(h.hex, path.stem, label, h.quality, h.variant) for h in hashes)
    added = _store(session, bank, rows, "image")
    record(
        session,
        actor=actor,
        action="bank.add",
        subject=f"bank:{name}",
        payload={"files": [p.name for p in paths], "hashes": added, "crops": crops},
    )
    return added


def import_file(
    session: Session, name: str, path: Path, *, actor: str, threshold: int | None = None
) -> int:
    """Import a CSV (`pdq` column, optional `label`, `item`, `quality`) or JSON hash list.

    A bad entry stops the import with an InputError naming file, line and field; nothing
    of the file is stored then. Returns how many hashes were new.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise NotFoundError(f"{path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", source=str(path)) from exc
    try:
        rows = [
            _checked(row, str(path))
            for row in (
                _json_rows(text, str(path))
                if text.lstrip()[:1] in ("[", "{")
                else _csv_rows(text, str(path))
            )
        ]
    except (csv.Error, RecursionError) as exc:
        # A CSV field beyond the csv module's limit, JSON nested beyond the parser's.
        raise InputError(f"malformed: {exc}", source=str(path)) from None
    bank = _ensure_bank(session, name, threshold, actor)
    added = _store(session, bank, rows, path.name)
    record(
        session,
        actor=actor,
        action="bank.import",
        subject=f"bank:{name}",
        payload={"file": path.name, "entries": len(rows), "hashes": added},
    )
    return added


def _checked(row: _Row, source: str) -> _Row:
    """Refuse what the store cannot hold (PostgreSQL: NUL characters, items over 200)."""
    for field, value in (("item", row.item), ("label", row.label)):
        if value is not None and "\x00" in value:
            raise InputError("holds a NUL character", source=source, field=field)
    if len(row.item) > 200:
        raise InputError("longer than 200 characters", source=source, field="item")
    return row


def _quality(value: Any, source: str, line: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        quality = int(value)
        if not 0 <= quality <= 100:
            raise ValueError
        return quality
    except (TypeError, ValueError, OverflowError):
        raise InputError(
            f"not a number from 0 to 100: {str(value)[:40]!r}",
            source=source,
            line=line,
            field="quality",
        ) from None


def _hex(value: Any, source: str, line: int, field: str) -> str:
    if not isinstance(value, str):
        raise InputError("missing or not a string", source=source, line=line, field=field)
    try:
        return normalise_hex(value)
    except ValueError as exc:
        raise InputError(str(exc), source=source, line=line, field=field) from None


def _csv_rows(text: str, source: str) -> Iterator[_Row]:
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or "pdq" not in reader.fieldnames:
        raise InputError("the header has no 'pdq' column", source=source, line=1, field="pdq")
    for row in reader:
        line = reader.line_num
        pdq = _hex(row.get("pdq"), source, line, "pdq")
        label = row.get("label") or None
        item = row.get("item") or label or pdq
        yield _Row(pdq, item, label, _quality(row.get("quality"), source, line), "full")


def _json_entries(text: str, source: str) -> Iterator[tuple[int, Any]]:
    """Each entry of the hash list with the line it starts on."""
    decoder = json.JSONDecoder()
    start = 0
    stripped = text.lstrip()
    if stripped.startswith("{"):
        match = _LIST_RE.search(text)
        if match is None:
            try:
                whole = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"not JSON: {exc.msg}", source=source, line=exc.lineno) from None
            yield text[: text.index("{")].count("\n") + 1, whole
            return
        start = match.end()
    else:
        start = text.index("[") + 1  # the caller saw "[" first
    pos = start
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return
        line = text.count("\n", 0, pos) + 1
        try:
            entry, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg}", source=source, line=exc.lineno) from None
        yield line, entry


def _json_rows(text: str, source: str) -> Iterator[_Row]:
    for line, entry in _json_entries(text, source):
        if isinstance(entry, str):
            yield _Row(_hex(entry, source, line, "pdq"), entry.strip().lower(), None, None, "full")
            continue
        if not isinstance(entry, dict):
            raise InputError("an entry is an object or a hash string", source=source, line=line)
        kind = next((str(entry[k]) for k in _TYPE_KEYS if k in entry), "pdq")
        if "pdq" not in kind.lower():
            continue
        field = next((k for k in _HASH_KEYS if k in entry), "pdq")
        pdq = _hex(entry.get(field), source, line, field)
        tags = entry.get("tags")
        label = entry.get("label") or (
            ",".join(map(str, tags)) if isinstance(tags, list) and tags else None
        )
        label = None if label is None else str(label)
        item = str(entry.get("item") or entry.get("id") or label or pdq)
        yield _Row(pdq, item, label, _quality(entry.get("quality"), source, line), "full")


def bank_hashes(session: Session, bank_id: int) -> list[tuple[int, str, str]]:
    """(hash id, pdq hex, item) of every hash in a bank, in id order."""
    stmt = (
        select(BankHash.id, BankHash.pdq, BankHash.item)
        .where(BankHash.bank_id == bank_id)
        .order_by(BankHash.id)
    )
    return [(int(i), p, it) for i, p, it in session.execute(stmt)]


def export_rows(session: Session, name: str) -> list[dict[str, Any]]:
    """Every hash of a bank as a row: pdq, label, item, quality, variant."""
    bank = get_bank(session, name)
    stmt = select(BankHash).where(BankHash.bank_id == bank.id).order_by(BankHash.id)
    return [
        {"pdq": h.pdq, "label": h.label, "item": h.item, "quality": h.quality, "variant": h.variant}
        for h in session.execute(stmt).scalars()
    ]


def list_banks(session: Session) -> list[BankInfo]:
    stmt = (
        select(
            HashBank.name,
            HashBank.threshold,
            func.count(BankHash.id),
            func.count(func.distinct(BankHash.item)),
        )
        .outerjoin(BankHash, BankHash.bank_id == HashBank.id)
        .group_by(HashBank.id, HashBank.name, HashBank.threshold)
        .order_by(HashBank.name)
    )
    return [BankInfo(n, int(t), int(c), int(i)) for n, t, c, i in session.execute(stmt)]
