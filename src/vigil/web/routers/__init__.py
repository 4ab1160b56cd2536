"""The routers of the web app, one per resource."""

from __future__ import annotations
