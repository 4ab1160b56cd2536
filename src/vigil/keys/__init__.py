"""Secrets at rest: the master key, platform tokens encrypted with it, the published key history.

The organisation's Ed25519 signing key itself lives in vigil.analytics.signing, encrypted
with the same master key; `vigil keys` (status, rotate, set-token, export-public) drives both.
"""

from __future__ import annotations

from vigil.keys.history import PublishedKey, load_history, write_history
from vigil.keys.master import MasterKey, load_master_key
from vigil.keys.tokens import read_token, resolve_token, store_token, token_names

__all__ = [
    "MasterKey",
    "PublishedKey",
    "load_history",
    "load_master_key",
    "read_token",
    "resolve_token",
    "store_token",
    "token_names",
    "write_history",
]
