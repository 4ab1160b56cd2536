"""Named random streams for the generator.

Each stage draws from its own stream derived from (seed, name), so changing how one stage
samples never reshuffles another, and the whole world stays a function of the seed.
"""

from __future__ import annotations

import hashlib
import random

import numpy as np

__all__ = ["np_stream", "py_stream", "stable_hash"]


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of ``parts`` that, unlike ``hash()``, is the same in every process."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def np_stream(seed: int, name: str) -> np.random.Generator:
    """The numpy generator for stage ``name`` of the world with ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, stable_hash(name)])))


def py_stream(seed: int, name: str) -> random.Random:
    """The stdlib generator for stage ``name`` (string choices are faster with it)."""
    return random.Random(stable_hash(seed, name))
