"""scripts/yamlio.py: strings stay strings through every write and read, under YAML 1.1 and 1.2."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from scripts import yamlio
from tests.helpers import FIXTURES

# Strings YAML readers have taken for something else: YAML 1.1 booleans and sexagesimals, YAML 1.2
# floats (TMDB credit ids like 58865312925141107e001361), dates, indicators, look-alikes of syntax.
HOSTILE = [
    "NO", "no", "Yes", "on", "OFF", "y", "n", "~", "null", "Null", "true", "False",
    "1e3", "58865312925141107e001361", "0755", "0o17", "0x1F", "0b101", "1_000", ".inf", "-.5", "+1", "1.0", ".NaN",
    "2024-01-01", "2001-12-14t21:59:43.10-05:00", "12:30", "12:30:00", "1:20",
    "?foo", ":foo", "? foo", "- x", "-", "#x", "a: b", "a #b", "key:", "", " lead", "trail ", "=", "<<",
    "'q'", '"dq"', "@x", "`x", "%x", "!x", "!!str", "&x", "*x", "|", ">", "{a}", "[a]", ",",
    "multi\nline", "multi\nline\n", "lines\n\n  indented\n", "crlf\r\nline", "nel\x85", "ls\u2028x", "tab\there",
    "nul\x00", "café ✓", "W/\"8daf579541a6123989548464849abc7a\"", 'h3=":443"; ma=86400',
]  # fmt: skip


def readers(text: str) -> dict[str, Any]:
    """What each common reader makes of `text`: this project's (1.2), PyYAML (1.1), ruamel.yaml (1.2)."""
    return {
        "yamlio (1.2 core)": yamlio.load(text),
        "PyYAML safe_load (1.1)": yaml.safe_load(text),
        "ruamel.yaml safe (the generator's)": YAML(typ="safe", pure=True).load(text),
    }


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_hostile_strings_read_back_as_strings_as_values_and_keys(value: str) -> None:
    document = {"value": value, "list": [value], "keys": {value: 1} if value else {}}
    text = yamlio.dump(document)
    for reader, found in readers(text).items():
        assert found == document, f"{reader} read {text!r} as {found!r}"


@given(st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=4))
@settings(max_examples=300, deadline=None)
def test_any_strings_round_trip_under_yaml_11_and_12(document: dict[str, str]) -> None:
    text = yamlio.dump({"d": document})
    yamlio.check_round_trip(text, {"d": document}, "hypothesis")  # raises unless both readers agree


def test_plain_where_every_reader_agrees_quoted_where_one_would_not() -> None:
    text = yamlio.dump({"a": "Success.", "b": "NO", "c": "58865312925141107e001361", "d": "12:30", "e": "en-US"})
    assert text == "a: Success.\nb: 'NO'\nc: '58865312925141107e001361'\nd: '12:30'\ne: en-US\n"


def test_the_reader_is_yaml_12_core_like_the_generators() -> None:
    text = "a: NO\nb: 0755\nc: 1e3\nd: 12:30\ne: 2024-01-01\nf: ~\ng: 0o17\nh: TRUE\ni: .inf\nj: on\n"
    ours = yamlio.load(text)
    assert ours == {
        "a": "NO", "b": 755, "c": 1000.0, "d": "12:30", "e": "2024-01-01", "f": None, "g": 15, "h": True,
        "i": float("inf"), "j": "on",
    }  # fmt: skip
    ruamel = YAML(typ="safe", pure=True).load(text)
    assert {key: ruamel[key] for key in "acdfghij"} == {key: ours[key] for key in "acdfghij"}


def test_a_duplicate_key_is_an_error_naming_both_lines() -> None:
    with pytest.raises(
        yamlio.YAMLReadError, match=r"line 3, column 3: found the key 'get' a second time \(first on line 2\)"
    ):
        yamlio.load("paths:\n  get: 1\n  get: 2\n")


@pytest.mark.slow
def test_the_whole_official_document_round_trips_through_the_writer() -> None:
    document = json.loads((FIXTURES / "upstream" / "tmdb-api-v3-official.json").read_text(encoding="utf-8"))
    text = yamlio.dump(document["paths"])
    assert yamlio.load(text) == document["paths"]
    assert yamlio.load_yaml11(text) == document["paths"]
    assert "'NO':" in text, "the country code for Norway is quoted (YAML 1.1 reads a plain NO as false)"
