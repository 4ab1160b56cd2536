"""The importer's fast JSON reading means exactly what `json.loads` means, line by line."""

from __future__ import annotations

import json
import math

import pytest

from vigil.platforms.importer import _loads

SAME = [
    b'{"id": "1380000000000000000", "text": "caf\\u00e9 \\ud83d\\ude00"}\n',
    b'{"n": 18446744073709551615, "m": -9223372036854775808}',
    b'{"big": 123456789012345678901234567890, "neg": -9223372036854775809}',
    b'{"a": 1, "a": 2, "f": 1.0000000000000002, "e": 1e5}',
    b'[1, 2, {"x": null, "t": true}]',
    b'"just a string"\r\n',
]


@pytest.mark.parametrize("raw", SAME)
def test_lines_parse_as_json_parses_them(raw: bytes) -> None:
    expected = json.loads(raw.decode("utf-8"))
    got = _loads(raw)
    assert got == expected
    assert json.dumps(got) == json.dumps(expected)  # same types: int stays int


def test_what_no_database_stores_becomes_a_replacement_character() -> None:
    # Valid JSON that PostgreSQL refuses (NUL) or no UTF-8 text can hold (a lone surrogate).
    got = _loads(b'{"lone": "\\ud800", "nul": "a\\u0000b"}')
    assert set(got["lone"]) == {"\ufffd"}
    assert got["nul"] == "a\ufffdb"


def test_values_only_json_knows_still_parse() -> None:
    assert math.isnan(_loads(b'{"x": NaN}')["x"])
    assert _loads(b"[Infinity]") == [math.inf]


@pytest.mark.parametrize(
    ("raw", "error"),
    [(b'{"a": 1', ValueError), (b"\xff\xfe{}", UnicodeDecodeError), (b"{'a': 1}", ValueError)],
)
def test_bad_lines_fail_as_json_fails(raw: bytes, error: type[Exception]) -> None:
    with pytest.raises(error) as got:
        _loads(raw)
    with pytest.raises(error) as expected:
        json.loads(raw.decode("utf-8"))
    assert str(got.value) == str(expected.value)
