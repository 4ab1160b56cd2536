"""The STIX 2.1 export validates with the OASIS stix2-validator, with revoked retractions."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from stix2validator import ValidationOptions, validate_string

from tests.support.publish_world import T0, listed_account, platform, retract
from vigil.config import PublishSettings
from vigil.publish.stix import stix_bundle
from vigil.store import Database

# The stix2-validator wheel on our package mirror lacks its bundled JSON schemas; the OASIS
# schemas are vendored here (BSD-3-Clause) and used when the installed copy has none.
_VENDORED = Path(__file__).parent / "data" / "stix2-json-schemas" / "schemas"


@pytest.fixture
def schemas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the validator at the vendored schemas when its own copy is missing."""
    from stix2validator import validator

    if (Path(validator.__file__).parent / "schemas-2.1" / "schemas").is_dir():
        return
    (tmp_path / "schemas-2.1").mkdir()
    (tmp_path / "schemas-2.1" / "schemas").symlink_to(_VENDORED)
    monkeypatch.setattr(validator, "__file__", str(tmp_path / "validator.py"))


def test_bundle_validates_and_revokes_retracted(db: Database, schemas: None) -> None:
    with db.transaction() as session:
        x = platform(session, "x", "x")
        masto = platform(session, "mastodon:social.example", "mastodon")
        listed_account(session, x, "123", "it's \\ odd", posts=[("1", "t")])
        gone = listed_account(session, masto, "456", "user@remote.example")
        retract(session, gone.entry_id, T0 + timedelta(days=1))
    with db.session() as session:
        bundle = stix_bundle(session, PublishSettings(org_name="Vigil Org"), T0)
    text = json.dumps(bundle)
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    by_type: dict[str, list[dict[str, object]]] = {}
    for obj in bundle["objects"]:
        by_type.setdefault(str(obj["type"]), []).append(obj)
    identity = by_type["identity"][0]
    assert identity["identity_class"] == "organization"
    assert len(by_type["user-account"]) == 2
    assert len(by_type["indicator"]) == 2
    for obj in by_type["indicator"] + by_type["observed-data"] + by_type["relationship"]:
        assert obj["created_by_ref"] == identity["id"]
    revoked = {o["pattern"]: o["revoked"] for o in by_type["indicator"]}
    assert revoked == {
        "[user-account:user_id = '123' AND user-account:account_type = 'twitter']": False,
        "[user-account:user_id = '456' AND user-account:account_type = 'mastodon']": True,
    }
    assert "alice" not in text.lower()
