"""The inclusion policy: criteria a decision cites and the organisations they apply to.

Shipped as versioned data (``data/policy.json``) so every decision can record which text
it was read against; a changed policy gets a new ``version``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from vigil.errors import ConfigError, InputError

__all__ = [
    "Criterion",
    "DesignationList",
    "Organisation",
    "Policy",
    "load_policy",
    "parse_policy",
]

_LISTS = ("UN", "EU", "US", "UK")


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    title: str
    definition: str
    excludes: str = ""
    # False for criteria kept only for provenance (an imported earlier list).
    selectable: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "definition": self.definition,
            "excludes": self.excludes,
            "selectable": self.selectable,
        }


@dataclass(frozen=True, slots=True)
class DesignationList:
    code: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Organisation:
    name: str
    aliases: tuple[str, ...]
    designations: tuple[str, ...]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "designations": list(self.designations),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Policy:
    version: str
    title: str
    scope: str
    criteria: list[Criterion] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    designation_lists: list[DesignationList] = field(default_factory=list)

    def criterion(self, code: str) -> Criterion:
        """The criterion with this code; InputError (naming the valid codes) if unknown."""
        for item in self.criteria:
            if item.code == code:
                return item
        codes = ", ".join(c.code for c in self.criteria if c.selectable)
        raise InputError(f"unknown criterion {code!r} (one of: {codes})", field="criterion")

    def citable(self, code: str) -> Criterion:
        """A criterion a new decision may cite (not a provenance-only one)."""
        item = self.criterion(code)
        if not item.selectable:
            raise InputError(
                f"criterion {code!r} records provenance only and cannot be cited",
                field="criterion",
            )
        return item

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "title": self.title,
            "scope": self.scope,
            "criteria": [c.to_dict() for c in self.criteria],
            "organisations": [o.to_dict() for o in self.organisations],
            "designation_lists": [
                {"code": d.code, "title": d.title, "url": d.url} for d in self.designation_lists
            ],
        }


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or (key != "excludes" and not value.strip()):
        raise ConfigError(f"policy: {where} needs a text {key!r}")
    return value


def parse_policy(data: dict[str, Any]) -> Policy:
    """Check and build a Policy from its JSON form (ConfigError on a malformed file)."""
    try:
        return _parse_policy(data)
    except (AttributeError, TypeError, ValueError) as exc:
        # A list where an object belongs, an object where a list does...
        raise ConfigError(f"policy: malformed: {type(exc).__name__}: {exc}") from None


def _parse_policy(data: dict[str, Any]) -> Policy:
    version = _text(data, "version", "the policy")
    criteria = []
    for i, raw in enumerate(data.get("criteria") or []):
        where = f"criterion {i + 1}"
        code = _text(raw, "code", where)
        if len(code) > 32:
            raise ConfigError(f"policy: {where}: code longer than 32 characters")
        criteria.append(
            Criterion(
                code=code,
                title=_text(raw, "title", where),
                definition=_text(raw, "definition", where),
                excludes=str(raw.get("excludes") or ""),
                selectable=bool(raw.get("selectable", True)),
            )
        )
    if len({c.code for c in criteria}) != len(criteria) or not criteria:
        raise ConfigError("policy: criteria must be present and their codes unique")
    organisations = []
    for i, raw in enumerate(data.get("organisations") or []):
        where = f"organisation {i + 1}"
        designations = tuple(raw.get("designations") or ())
        unknown = [d for d in designations if d not in _LISTS]
        if unknown:
            raise ConfigError(f"policy: {where}: unknown designation lists {unknown}")
        organisations.append(
            Organisation(
                name=_text(raw, "name", where),
                aliases=tuple(str(a) for a in raw.get("aliases") or ()),
                designations=designations,
                note=str(raw.get("note") or ""),
            )
        )
    lists = [
        DesignationList(
            code=_text(raw, "code", "designation list"),
            title=_text(raw, "title", "designation list"),
            url=_text(raw, "url", "designation list"),
        )
        for raw in data.get("designation_lists") or []
    ]
    return Policy(
        version=version,
        title=str(data.get("title") or "inclusion policy"),
        scope=str(data.get("scope") or ""),
        criteria=criteria,
        organisations=organisations,
        designation_lists=lists,
    )


@lru_cache(maxsize=1)
def load_policy() -> Policy:
    """The inclusion policy shipped with this version of Vigil."""
    ref = resources.files("vigil.review").joinpath("data/policy.json")
    try:
        data = json.loads(ref.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the shipped inclusion policy: {exc}") from exc
    return parse_policy(data)
