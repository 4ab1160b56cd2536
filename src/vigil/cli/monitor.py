"""`vigil monitor` and `vigil worker`: status checks of listed accounts and the control group."""

from __future__ import annotations
