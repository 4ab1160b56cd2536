"""Hypothesis fuzzing of the parsers of outside data, bounded to stay fast in `make test`.

`make fuzz` runs the same targets for long with atheris (tests/fuzz/run_atheris.py).
Regressions found by fuzzing are pinned in test_fuzz_regressions.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import samples, targets

# `make fuzz` sets VIGIL_FUZZ_EXAMPLES for long runs; the suite keeps to a few seconds.
# The suite's runs are the same every time (derandomized); long runs explore anew.
EXAMPLES = int(os.environ.get("VIGIL_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 150,
    derandomize=not EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from(["id", "data", "includes", "__twarc", "account", "did"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


def _mutated(sample: Any) -> st.SearchStrategy[Any]:
    return st.randoms(use_true_random=False).map(lambda rnd: targets.mutate(sample, rnd))


@FUZZ
@given(_mutated(samples.TWARC_PAGE) | _mutated(samples.TWARC_FLAT_TWEET) | json_values)
def test_x_lines(obj: Any) -> None:
    targets.x_line(obj)


@FUZZ
@given(_mutated(samples.TWARC_COMPLIANCE))
def test_x_compliance_lines(obj: Any) -> None:
    targets.x_line(obj)


@FUZZ
@given(_mutated(samples.MASTODON_STATUS) | _mutated([samples.MASTODON_ACCOUNT]) | json_values)
def test_mastodon_lines(obj: Any) -> None:
    targets.mastodon_line(obj)


@FUZZ
@given(_mutated(samples.BLUESKY_FEED_ITEM))
def test_bluesky_feed_items(obj: Any) -> None:
    targets.bluesky_item(obj)


@FUZZ
@given(st.binary(max_size=300) | _mutated(samples.TWARC_PAGE).map(lambda o: json.dumps(o).encode()))
def test_json_lines_as_bytes(raw: bytes) -> None:
    targets.json_line(raw)


def _policy_sample() -> Any:
    return json.loads(
        (Path(targets.__file__).parents[2] / "src/vigil/review/data/policy.json").read_text()
    )


@FUZZ
@given(st.randoms(use_true_random=False))
def test_policy(rnd: Any) -> None:
    targets.policy(targets.mutate(_policy_sample(), rnd, rate=0.05))


def _csv_bytes(sample: str) -> st.SearchStrategy[bytes]:
    """A valid CSV with lines cut, doubled, or spliced with hostile text."""
    rows = sample.splitlines()
    hostile = st.sampled_from(
        ['"', '""', "\x00", ",,,,,,", "a" * 200_000, "\ud800", "@", ";", "\r", "\ufeff"]
    )
    line = st.sampled_from(rows) | st.text(max_size=40) | hostile
    return st.lists(line, max_size=8).map(lambda ls: "\n".join(ls).encode("utf-8", "surrogatepass"))


@FUZZ
@given(_csv_bytes(samples.LIST_CSV) | st.binary(max_size=200))
def test_list_csv(data: bytes) -> None:
    targets.list_csv(data)


@FUZZ
@given(_csv_bytes(samples.SEEDS_CSV) | st.binary(max_size=200))
def test_seeds_csv(data: bytes) -> None:
    targets.seeds_csv(data)


@FUZZ
@given(_csv_bytes(samples.HOSTS_CSV) | st.binary(max_size=200))
def test_hosts_csv(data: bytes) -> None:
    targets.hosts_csv(data)


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> targets.BankTarget:
    return targets.BankTarget(tmp_path_factory.mktemp("bank-fuzz"))


def _bank_json() -> st.SearchStrategy[bytes]:
    sample = json.loads(samples.BANK_JSON)
    return _mutated(sample).map(lambda o: json.dumps(o).encode())


@FUZZ
@given(data=_csv_bytes(samples.BANK_CSV) | _bank_json() | st.binary(max_size=200))
def test_hash_lists(bank: targets.BankTarget, data: bytes) -> None:
    bank(data)
