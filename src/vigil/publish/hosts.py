"""Who hosts a URL: the shipped, editable host list (publish/data/hosts.csv), matched on the
longest domain suffix; `VIGIL_HOSTS_FILE` names a local copy to use instead."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from vigil.errors import InputError

__all__ = ["Host", "domain_of", "load_hosts", "lookup_host"]


@dataclass(frozen=True, slots=True)
class Host:
    domain: str
    provider: str
    notice_email: str | None
    notice_url: str | None


def domain_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


def load_hosts(path: Path | None = None) -> dict[str, Host]:
    chosen = path or (Path(p) if (p := os.environ.get("VIGIL_HOSTS_FILE")) else None)
    if chosen is not None:
        try:
            text = chosen.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the hosts file: {exc}", source=str(chosen)) from None
        source = str(chosen)
    else:
        text = resources.files("vigil.publish").joinpath("data/hosts.csv").read_text("utf-8")
        source = "hosts.csv"
    hosts: dict[str, Host] = {}
    try:
        rows = list(csv.DictReader(text.splitlines()))
    except csv.Error as exc:  # e.g. a field beyond the csv module's size limit
        raise InputError(f"not CSV: {exc}", source=source) from None
    for line, row in enumerate(rows, start=2):
        domain = (row.get("domain") or "").strip().lower()
        provider = (row.get("provider") or "").strip()
        if not domain or not provider:
            raise InputError("domain and provider are required", source=source, line=line)
        hosts[domain] = Host(
            domain,
            provider,
            (row.get("notice_email") or "").strip() or None,
            (row.get("notice_url") or "").strip() or None,
        )
    return hosts


def lookup_host(domain: str, hosts: dict[str, Host]) -> Host | None:
    """The entry for `domain` or its closest parent domain (files.example.com -> example.com)."""
    labels = domain.lower().split(".")
    for i in range(len(labels) - 1):
        found = hosts.get(".".join(labels[i:]))
        if found is not None:
            return found
    return None
