"""Mastodon instance metadata (v1 and v2 instance entities, server rules) for the sim instance.

Mastodon.py reads the version from here; 4.3.0 with ``api_versions`` is what it expects of
a current server.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MASTODON_VERSION", "RULES", "instance_v1", "instance_v2"]

MASTODON_VERSION = "4.3.0"
RULES: list[dict[str, str]] = [
    {
        "id": "1",
        "text": "No content promoting or supporting terrorist organisations or violent extremism.",
        "hint": "",
    },
    {"id": "2", "text": "No spam or platform manipulation.", "hint": ""},
    {"id": "3", "text": "No illegal content.", "hint": ""},
    {"id": "4", "text": "No harassment or hate speech.", "hint": ""},
]
_TITLE = "Vigil sim"
_DESCRIPTION = "A simulated Mastodon instance serving a synthetic world."
_LANGUAGES = ["en", "ar", "fr"]


def _statuses_config() -> dict[str, Any]:
    return {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23}


def _media_config() -> dict[str, Any]:
    return {
        "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
        "image_size_limit": 16777216,
        "image_matrix_limit": 33177600,
        "video_size_limit": 103809024,
        "video_frame_rate_limit": 120,
        "video_matrix_limit": 8294400,
    }


def _polls_config() -> dict[str, Any]:
    return {
        "max_options": 4,
        "max_characters_per_option": 50,
        "min_expiration": 300,
        "max_expiration": 2629746,
    }


def instance_v1(host: str, base_url: str, users: int, statuses: int) -> dict[str, Any]:
    """``GET /api/v1/instance``."""
    return {
        "uri": host,
        "title": _TITLE,
        "short_description": _DESCRIPTION,
        "description": _DESCRIPTION,
        "email": "moderators@sim.invalid",
        "version": MASTODON_VERSION,
        "urls": {"streaming_api": base_url.replace("http", "ws", 1)},
        "stats": {"user_count": users, "status_count": statuses, "domain_count": 1},
        "thumbnail": None,
        "languages": _LANGUAGES,
        "registrations": False,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": {
            "accounts": {"max_featured_tags": 10},
            "statuses": _statuses_config(),
            "media_attachments": _media_config(),
            "polls": _polls_config(),
        },
        "contact_account": None,
        "rules": RULES,
    }


def instance_v2(host: str, base_url: str, users: int) -> dict[str, Any]:
    """``GET /api/v2/instance``."""
    return {
        "domain": host,
        "title": _TITLE,
        "version": MASTODON_VERSION,
        "source_url": "https://github.com/mastodon/mastodon",
        "description": _DESCRIPTION,
        "usage": {"users": {"active_month": users}},
        "thumbnail": {"url": f"{base_url}/packs/media/images/preview.png"},
        "icon": [],
        "languages": _LANGUAGES,
        "configuration": {
            "urls": {"streaming": base_url.replace("http", "ws", 1), "status": None},
            "vapid": {"public_key": ""},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": _statuses_config(),
            "media_attachments": _media_config(),
            "polls": _polls_config(),
            "translation": {"enabled": False},
        },
        "registrations": {"enabled": False, "approval_required": False, "message": None},
        "api_versions": {"mastodon": 2},
        "contact": {"email": "moderators@sim.invalid", "account": None},
        "rules": RULES,
    }
