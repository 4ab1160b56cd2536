"""`vigil serve`: the web workbench, the public forms and the JSON API."""

from __future__ import annotations
