"""The demo: a synthetic world taken through the whole flow (what `make run` shows)."""

from __future__ import annotations

from vigil.demo.flow import DemoOptions, DemoResult, run_demo

__all__ = ["DemoOptions", "DemoResult", "run_demo"]
