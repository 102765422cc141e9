from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.authentication_delete_session_body import AuthenticationDeleteSessionBody
from ...models.authentication_delete_session_response_200 import (
    AuthenticationDeleteSessionResponse200,
)
from ...types import UNSET, Response, Unset, http_status


def _get_kwargs(
    *,
    body: AuthenticationDeleteSessionBody | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/3/authentication/session",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuthenticationDeleteSessionResponse200 | None:
    if response.status_code == 200:
        response_200 = AuthenticationDeleteSessionResponse200.from_dict(response.json())

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AuthenticationDeleteSessionResponse200]:
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
    body: AuthenticationDeleteSessionBody | Unset = UNSET,
) -> Response[AuthenticationDeleteSessionResponse200]:
    """Delete Session

    Args:
        body (AuthenticationDeleteSessionBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthenticationDeleteSessionResponse200]
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
    body: AuthenticationDeleteSessionBody | Unset = UNSET,
) -> AuthenticationDeleteSessionResponse200 | None:
    """Delete Session

    Args:
        body (AuthenticationDeleteSessionBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthenticationDeleteSessionResponse200
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: AuthenticationDeleteSessionBody | Unset = UNSET,
) -> Response[AuthenticationDeleteSessionResponse200]:
    """Delete Session

    Args:
        body (AuthenticationDeleteSessionBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthenticationDeleteSessionResponse200]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: AuthenticationDeleteSessionBody | Unset = UNSET,
) -> AuthenticationDeleteSessionResponse200 | None:
    """Delete Session

    Args:
        body (AuthenticationDeleteSessionBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthenticationDeleteSessionResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
