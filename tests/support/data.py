"""Where the shared real X API v2 sample data lives: `../shared/data/x-api-v2` beside the
checkout, or `VIGIL_TEST_X_DATA`. Tests that need it fail, never skip, when it is missing."""

from __future__ import annotations

import os
from pathlib import Path

X_API_DATA = Path(
    os.environ.get(
        "VIGIL_TEST_X_DATA", Path(__file__).resolve().parents[3] / "shared" / "data" / "x-api-v2"
    )
)
