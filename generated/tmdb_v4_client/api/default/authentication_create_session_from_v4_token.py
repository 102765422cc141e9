from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.authentication_create_session_from_v4_token_body import (
    AuthenticationCreateSessionFromV4TokenBody,
)
from ...models.authentication_create_session_from_v4_token_response_200 import (
    AuthenticationCreateSessionFromV4TokenResponse200,
)
from ...types import UNSET, Response, Unset, http_status


def _get_kwargs(
    *,
    body: AuthenticationCreateSessionFromV4TokenBody | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/3/authentication/session/convert/4",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuthenticationCreateSessionFromV4TokenResponse200 | None:
    if response.status_code == 200:
        response_200 = AuthenticationCreateSessionFromV4TokenResponse200.from_dict(
            response.json()
        )

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AuthenticationCreateSessionFromV4TokenResponse200]:
    failure = ""
    try:
        parsed = _parse_response(client=client, response=response)
    except (ValueError, TypeError, LookupError, AttributeError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and UnicodeDecodeError; RecursionError is deeply nested JSON.
        parsed = None
        failure = type(exc).__name__
    if failure and client.raise_on_unexpected_status:
        raise errors.UnparsableResponse(response.status_code, response.content, failure)
    return Response(
        status_code=http_status(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: AuthenticationCreateSessionFromV4TokenBody | Unset = UNSET,
) -> Response[AuthenticationCreateSessionFromV4TokenResponse200]:
    """Create Session (from v4 token)

    Args:
        body (AuthenticationCreateSessionFromV4TokenBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthenticationCreateSessionFromV4TokenResponse200]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: AuthenticationCreateSessionFromV4TokenBody | Unset = UNSET,
) -> AuthenticationCreateSessionFromV4TokenResponse200 | None:
    """Create Session (from v4 token)

    Args:
        body (AuthenticationCreateSessionFromV4TokenBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthenticationCreateSessionFromV4TokenResponse200
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: AuthenticationCreateSessionFromV4TokenBody | Unset = UNSET,
) -> Response[AuthenticationCreateSessionFromV4TokenResponse200]:
    """Create Session (from v4 token)

    Args:
        body (AuthenticationCreateSessionFromV4TokenBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthenticationCreateSessionFromV4TokenResponse200]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: AuthenticationCreateSessionFromV4TokenBody | Unset = UNSET,
) -> AuthenticationCreateSessionFromV4TokenResponse200 | None:
    """Create Session (from v4 token)

    Args:
        body (AuthenticationCreateSessionFromV4TokenBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthenticationCreateSessionFromV4TokenResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
