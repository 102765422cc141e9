"""Property-based: any status and any body give an AccessToken or a TMDBError, nothing else."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.tokens import READ_TOKEN, REQUEST_TOKEN, SECRETS, assert_no_secret, success_body
from tmdb_auth import AccessToken, TMDBError
from tmdb_auth._core import CREATE_ACCESS_TOKEN, access_token_body, interpret
from tmdb_v4_client.models import CreateAnAccessTokenResponse200

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
tmdb_like = st.fixed_dictionaries(
    {},
    optional={
        "access_token": json_values | st.sampled_from(SECRETS),
        "account_id": json_values,
        "success": json_values,
        "status_code": json_values | st.integers(0, 50),
        "status_message": json_values | st.sampled_from([f"bad {REQUEST_TOKEN}", f"key {READ_TOKEN}"]),
    },
)


def encode(value: Any) -> bytes:
    return json.dumps(value).encode()


bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(encode),
    tmdb_like.map(encode),
    tmdb_like.map(encode).flatmap(lambda body: st.integers(0, len(body)).map(lambda cut: body[:cut])),
    st.just(encode(success_body())),
    st.just(b"[" * 5000),  # deeply nested
    st.just(encode({"access_token": "x" * 1_000_000, "account_id": "a"})),
)
headers = st.dictionaries(
    st.sampled_from(["retry-after", "content-type", "x-other"]),
    st.text(max_size=40) | st.sampled_from(["0", "5", "-3", "1e400", "Wed, 21 Oct 2015 07:28:00 GMT", "nan"]),
)


def generated_parse(status: int, body: bytes) -> CreateAnAccessTokenResponse200 | None:
    """What the generated layer hands over as ``parsed``: a model for a 200 whose body is a JSON object."""
    if status != 200:
        return None
    try:
        return CreateAnAccessTokenResponse200.from_dict(json.loads(body))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=st.integers(100, 599), headers=headers, body=bodies, use_parsed=st.booleans())
def test_any_response_gives_a_token_or_a_tmdb_error(
    status: int, headers: dict[str, str], body: bytes, use_parsed: bool
) -> None:
    parsed = generated_parse(status, body) if use_parsed else None
    try:
        result = interpret(CREATE_ACCESS_TOKEN, status, headers, body, parsed, secrets=(READ_TOKEN, REQUEST_TOKEN))
    except TMDBError as error:
        assert_no_secret(str(error))
        assert_no_secret(repr(getattr(error, "tmdb_message", None)))
        retry_after = getattr(error, "retry_after", None)
        assert retry_after is None or retry_after >= 0
    else:
        assert isinstance(result, AccessToken)
        assert 200 <= status < 300
        assert result.access_token
        assert result.account_id
        assert isinstance(result.claims, dict)


@given(st.one_of(st.text(max_size=5000), st.binary(max_size=50), st.integers(), st.none()))
def test_any_request_token_is_accepted_or_rejected_with_invalid_input(value: Any) -> None:
    try:
        body = access_token_body(value)
    except TMDBError as error:
        accepted, rejected_as_value_error = False, isinstance(error, ValueError)
    else:
        accepted, rejected_as_value_error = True, False
    assert accepted or rejected_as_value_error
    if accepted:
        assert body.to_dict() == {"request_token": value}
        assert value.isascii()
        assert value.isprintable()
        assert " " not in value
