"""`vigil publish`: installments to every channel, reports to platforms, retractions."""

from __future__ import annotations
