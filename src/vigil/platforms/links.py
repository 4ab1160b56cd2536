"""Links posts carry, as `LinkRecord`s: X url entities, Mastodon content anchors and cards,
Bluesky link facets and external embeds; each with its lower-cased host and registrable domain.

Link signals and URL notices group by domain, so the domain is the public-suffix-list's
registrable name (``news.bbc.co.uk`` -> ``bbc.co.uk``), from the system's copy of the list.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Mapping
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vigil.platforms.records import LinkRecord

__all__ = [
    "bluesky_links",
    "link",
    "mastodon_links",
    "registrable_domain",
    "split_host",
    "x_links",
]

log = logging.getLogger(__name__)

PUBLIC_SUFFIX_FILES = (
    Path("/usr/share/publicsuffix/public_suffix_list.dat"),
    Path("/etc/ssl/public_suffix_list.dat"),
)
MAX_HOST = 253  # longer is no DNS name: kept as shown, without host or domain
# Without the system's list: the multi-label suffixes links most often end in.
_FALLBACK_SUFFIXES = frozenset(
    f"{second}.{top}"
    for top, seconds in {
        "uk": ("co", "org", "ac", "gov", "me", "ltd", "plc", "net", "nhs", "police"),
        "au": ("com", "net", "org", "edu", "gov", "asn", "id"),
        "jp": ("co", "ne", "or", "ac", "go"),
        "nz": ("co", "org", "net", "govt", "ac"),
        "za": ("co", "org", "gov", "ac"),
        "in": ("co", "net", "org", "gov", "ac"),
        "br": ("com", "net", "org", "gov"),
        "cn": ("com", "net", "org", "gov"),
        "mx": ("com", "org", "gob"),
        "tr": ("com", "org", "gov"),
        "ar": ("com", "org", "gob"),
        "kr": ("co", "or", "go"),
        "il": ("co", "org", "gov"),
        "ru": ("com", "org"),
        "ua": ("com", "org", "gov"),
    }.items()
    for second in seconds
)


class _Suffixes:
    """Public suffix rules: plain, wildcard (``*.ck``) and exceptions (``!www.ck``)."""

    def __init__(self, rules: Iterable[str]) -> None:
        self.plain: set[str] = set()
        self.wild: set[str] = set()
        self.exceptions: set[str] = set()
        for raw in rules:
            rule = raw.strip().split(" ", 1)[0].lower()
            if not rule or rule.startswith("//"):
                continue
            rule = _ascii(rule) or rule
            if rule.startswith("!"):
                self.exceptions.add(rule[1:])
            elif rule.startswith("*."):
                self.wild.add(rule[2:])
            else:
                self.plain.add(rule)

    def suffix_labels(self, labels: list[str]) -> int:
        """How many trailing labels form the public suffix (at least one)."""
        for i in range(len(labels)):
            name = ".".join(labels[i:])
            if name in self.exceptions:
                return len(labels) - i - 1
            if name in self.plain:
                return len(labels) - i
            if i + 1 < len(labels) and ".".join(labels[i + 1 :]) in self.wild:
                return len(labels) - i
        return 1


@lru_cache(maxsize=1)
def _suffixes() -> _Suffixes:
    for path in PUBLIC_SUFFIX_FILES:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        return _Suffixes(text.splitlines())
    log.warning("no public suffix list found: link domains use a short built-in list")
    return _Suffixes(_FALLBACK_SUFFIXES)


def _ascii(host: str) -> str | None:
    """A host in its ASCII (punycode) form, so look-alike letters cannot pass for others."""
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


@lru_cache(maxsize=65536)  # the same sites are linked again and again
def split_host(host: str) -> tuple[str, str] | None:
    """(host, registrable domain) for a raw host name, or None when it is not one."""
    host = host.strip().rstrip(".").lower()
    if not host or len(host) > MAX_HOST:
        return None
    try:
        return str(ipaddress.ip_address(host)), str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not host.isascii():
        converted = _ascii(host)
        if converted is None:
            return None
        host = converted
    labels = host.split(".")
    if any(not label for label in labels):
        return None
    keep = _suffixes().suffix_labels(labels) + 1
    return host, ".".join(labels[-keep:]) if keep <= len(labels) else host


def registrable_domain(url: str) -> str | None:
    """The registrable domain a URL points to (``https://news.bbc.co.uk/x`` -> ``bbc.co.uk``)."""
    found = _host_of(url)
    return found[1] if found else None


def _host_of(url: str) -> tuple[str, str] | None:
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    return split_host(host) if host else None


def link(shown: str, expanded: str | None = None) -> LinkRecord | None:
    """A link as shown in the post and as it really goes, with its host and domain."""
    target = (expanded or shown or "").strip()
    if not target:
        return None
    found = _host_of(target)
    return LinkRecord(
        shown or target, target, found[0] if found else None, found[1] if found else None
    )


def x_links(entities: Mapping[str, Any]) -> tuple[LinkRecord, ...]:
    """A tweet's url entities, unwound where X unwound them; media links are media, not links."""
    found = []
    for u in entities.get("urls") or ():
        if not isinstance(u, dict) or "media_key" in u:
            continue
        shown = str(u.get("url") or "")
        made = link(shown, str(u.get("unwound_url") or u.get("expanded_url") or shown))
        if made is not None:
            found.append(made)
    return tuple(found)


class _Anchors(HTMLParser):
    """The ``<a href>`` of Mastodon HTML that are links, not mentions or hashtags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        href = (values.get("href") or "").strip()
        self._href = None
        if "mention" in classes or "hashtag" in classes:
            return
        if href.lower().startswith(("http://", "https://")):
            self._href, self._text = href, []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.found.append((" ".join("".join(self._text).split()), self._href))
            self._href = None


def mastodon_links(content: str | None, card: object) -> tuple[LinkRecord, ...]:
    """Links in a status's HTML in order, then its preview card's URL if no anchor had it."""
    anchors: list[tuple[str, str]] = []
    if content and "<a" in content:
        parser = _Anchors()
        parser.feed(content)
        parser.close()
        anchors = parser.found
    card_url = card.get("url") if isinstance(card, dict) else None
    if isinstance(card_url, str) and card_url and card_url not in {h for _, h in anchors}:
        anchors.append((card_url, card_url))
    return tuple(made for shown, href in anchors if (made := link(shown or href, href)))


def bluesky_links(text: str, facets: object, embed: object) -> tuple[LinkRecord, ...]:
    """Link facets in text order (shown as the text they cover), then an external embed."""
    spans: list[tuple[int, str, str]] = []
    raw = text.encode()
    for facet in facets if isinstance(facets, list) else ():
        if not isinstance(facet, dict):
            continue
        index = facet.get("index") or {}
        for feature in facet.get("features") or ():
            if not isinstance(feature, dict) or not feature.get("uri"):
                continue
            if feature.get("$type") not in (None, "app.bsky.richtext.facet#link"):
                continue
            start, end = int(index.get("byteStart", 0)), int(index.get("byteEnd", 0))
            shown = raw[start:end].decode(errors="replace")
            spans.append((start, shown, str(feature["uri"])))
    spans.sort(key=lambda s: s[0])
    pairs = [(shown, uri) for _, shown, uri in spans]
    external = _external_uri(embed)
    if external and external not in {uri for _, uri in pairs}:
        pairs.append((external, external))
    return tuple(made for shown, uri in pairs if (made := link(shown or uri, uri)))


def _external_uri(embed: object) -> str | None:
    if not isinstance(embed, dict):
        return None
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed.get("media")
        if not isinstance(embed, dict):
            return None
    external = embed.get("external")
    if str(embed.get("$type", "")).startswith("app.bsky.embed.external") and isinstance(
        external, dict
    ):
        uri = external.get("uri")
        return str(uri) if uri else None
    return None
