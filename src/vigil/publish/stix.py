"""The blacklist as a STIX 2.1 bundle: the organisation as `identity`, each account as a
`user-account` observed in `observed-data` with an `indicator` (criterion and evidence
summary), all `created_by_ref` the organisation; retracted entries are `revoked`."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from vigil.config import PublishSettings
from vigil.publish.entries import EntryView, confirmed_entries, entry_views

__all__ = ["stix_bundle"]

_VIGIL_NS = uuid.UUID("6f1d3d52-7c34-4c4c-9a43-3f1f0e6a2b10")
_SCO_NS = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")  # STIX 2.1 §2.9
_ACCOUNT_TYPES = {"x": "twitter", "mastodon": "mastodon", "bluesky": "bluesky"}


def _ts(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _sdo_id(kind: str, *parts: object) -> str:
    return f"{kind}--{uuid.uuid5(_VIGIL_NS, '/'.join(str(p) for p in (kind, *parts)))}"


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _account(view: EntryView) -> dict[str, Any]:
    contributing = {
        "account_login": view.handle,
        "account_type": _ACCOUNT_TYPES.get(view.platform_kind, view.platform_kind),
        "user_id": view.platform_account_id,
    }
    canonical = json.dumps(contributing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {
        "type": "user-account",
        "spec_version": "2.1",
        "id": f"user-account--{uuid.uuid5(_SCO_NS, canonical)}",
        **contributing,
        "display_name": view.handle,
    }


def _objects(view: EntryView, identity: str, org: str) -> list[dict[str, Any]]:
    account = _account(view)
    created = _ts(view.listed_at)
    modified = _ts(view.retracted_at) if view.retracted_at else created
    common = {"spec_version": "2.1", "created_by_ref": identity, "created": created}
    observed = {
        "type": "observed-data",
        "id": _sdo_id("observed-data", view.entry_id),
        **common,
        "modified": created,
        "first_observed": created,
        "last_observed": created,
        "number_observed": 1,
        "object_refs": [account["id"]],
    }
    pattern = (
        f"[user-account:user_id = '{_quote(view.platform_account_id)}' AND "
        f"user-account:account_type = '{_quote(str(account['account_type']))}']"
    )
    indicator: dict[str, Any] = {
        "type": "indicator",
        "id": _sdo_id("indicator", view.entry_id),
        **common,
        "modified": modified,
        "name": f"{org} list: {view.handle} on {view.platform}",
        "description": f"Criterion {view.criterion}. Evidence: {view.summary}.",
        "indicator_types": ["malicious-activity"],
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": created,
        "revoked": view.retracted,
        "labels": [f"criterion:{view.criterion}"],
        "external_references": [{"source_name": view.platform, "url": view.profile_url}],
    }
    relation = {
        "type": "relationship",
        "id": _sdo_id("relationship", view.entry_id),
        **common,
        "modified": modified,
        "relationship_type": "based-on",
        "source_ref": indicator["id"],
        "target_ref": observed["id"],
        "revoked": view.retracted,
    }
    return [account, observed, indicator, relation]


def stix_bundle(session: Session, settings: PublishSettings, now: datetime) -> dict[str, Any]:
    """Every confirmed blacklist entry, active or retracted (revoked), as one bundle."""
    identity = {
        "type": "identity",
        "spec_version": "2.1",
        "id": _sdo_id("identity", settings.org_name),
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": settings.org_name,
        "identity_class": "organization",
        "contact_information": settings.notifier_email,
    }
    views = entry_views(session, session.scalars(confirmed_entries(session)))
    objects: list[dict[str, Any]] = [identity]
    for view in views:
        objects.extend(_objects(view, identity["id"], settings.org_name))
    return {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid5(_VIGIL_NS, 'bundle/' + _ts(now))}",
        "objects": objects,
    }
