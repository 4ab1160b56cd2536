"""X-style snowflake ids and millisecond times, as numpy arrays and as datetimes.

Ids encode their creation time as X's do (ms since the Twitter epoch shifted by 22 bits),
so anything that decodes a snowflake sees a time consistent with ``created_at``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

__all__ = ["TWEPOCH_MS", "ms_of", "snowflakes", "to_datetime", "to_datetimes"]

TWEPOCH_MS = 1288834974657
_LOW_BITS = 22
_LOW_MASK = (1 << _LOW_BITS) - 1

IntArray = npt.NDArray[np.int64]


def ms_of(dt: datetime) -> int:
    """Milliseconds since the Unix epoch."""
    return round(dt.timestamp() * 1000)


def to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def to_datetimes(ms: IntArray) -> list[datetime]:
    """Aware UTC datetimes for an array of epoch milliseconds."""
    return [datetime.fromtimestamp(v / 1000, UTC) for v in ms.tolist()]


def snowflakes(ms: IntArray, serial: IntArray) -> list[str]:
    """Snowflake ids for creation times ``ms``; ``serial`` (distinct values) fills the low bits.

    Distinct serials below 2**22 make the ids distinct whatever the times are.
    """
    rel = np.maximum(ms - TWEPOCH_MS, 0)
    ids = (rel << _LOW_BITS) | (serial & _LOW_MASK)
    return [str(v) for v in ids.tolist()]
