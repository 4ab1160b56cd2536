"""`vigil train`: refit the score weights and the text classifier from reviewed decisions."""

from __future__ import annotations
