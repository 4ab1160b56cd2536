"""The signal plugin contract: registry, lazy loading, and replacing a plugin's rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from vigil.errors import ConfigError
from vigil.model import Account, Platform, Signal
from vigil.signals import (
    ScanContext,
    SignalPlugin,
    SignalResult,
    names,
    plugin,
    register,
    registry,
    write_signals,
)
from vigil.store import Database

T0 = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _registry_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test plugins registered here must not leak into other tests' scans."""
    names()  # the built-ins first, so the copy holds them
    monkeypatch.setattr(registry._REGISTRY, "_targets", dict(registry._REGISTRY._targets))
    monkeypatch.setattr(registry._REGISTRY, "_loaded", dict(registry._REGISTRY._loaded))


class Shouting(SignalPlugin):
    name = "test-shouting"
    version = "1"
    description = "Share of a display name in capitals (a test plugin)."

    def compute(self, ctx: ScanContext) -> Iterable[SignalResult]:
        query = sa.select(Account.id, Account.display_name)
        if ctx.accounts is not None:
            query = query.where(Account.id.in_(ctx.accounts))
        for account_id, name in ctx.session.execute(query):
            letters = [c for c in name or "" if c.isalpha()]
            share = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
            yield SignalResult(account_id, share, f"{share:.0%} capitals", {"field": "name"})


def test_registry_loads_by_name_and_refuses_unknown() -> None:
    register("test-shouting", f"{__name__}:Shouting")
    assert plugin("test-shouting") is Shouting
    with pytest.raises(ConfigError, match="unknown signal"):
        plugin("no-such-signal")
    register("test-broken", "no_such_module_xyz:Thing")
    with pytest.raises(ConfigError, match="cannot be loaded"):
        plugin("test-broken")
    register("test-misnamed", f"{__name__}:Shouting")
    with pytest.raises(ConfigError, match="calls itself"):
        plugin("test-misnamed")


def test_results_replace_earlier_rows_of_scanned_accounts_only(db: Database) -> None:
    with db.transaction() as s:
        x = Platform(name="x", kind="x")
        s.add(x)
        s.flush()
        accounts = [
            Account(platform_id=x.id, platform_account_id=str(i), handle=f"h{i}", display_name=n)
            for i, n in enumerate(["LOUD", "quiet", "Half HALF"])
        ]
        s.add_all(accounts)
        s.flush()
        ids = [a.id for a in accounts]
    with db.transaction() as s:
        ctx = ScanContext(session=s, settings=None, now=T0)  # type: ignore[arg-type]
        assert write_signals(s, Shouting, Shouting().compute(ctx), scanned=None, now=T0) == 3
    with db.transaction() as s:
        s.execute(sa.update(Account).where(Account.id == ids[1]).values(display_name="NOW LOUD"))
        ctx = ScanContext(session=s, settings=None, now=T0, accounts=[ids[1]])  # type: ignore[arg-type]
        write_signals(s, Shouting, Shouting().compute(ctx), scanned=[ids[1]], now=T0)
    with db.session() as s:
        rows = s.execute(
            sa.select(Signal.account_id, Signal.value, Signal.evidence).order_by(Signal.account_id)
        ).all()
    assert [(r.account_id, round(r.value, 2)) for r in rows] == [
        (ids[0], 1.0),
        (ids[1], 1.0),
        (ids[2], 0.62),
    ]
    assert rows[0].evidence == {"field": "name"}
