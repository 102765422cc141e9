from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_an_access_token_body import CreateAnAccessTokenBody
from ...models.create_an_access_token_response_200 import CreateAnAccessTokenResponse200
from ...types import Response, http_status


def _get_kwargs(
    *,
    body: CreateAnAccessTokenBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/4/auth/access_token",
    }

    _kwargs["json"] = body.to_dict()

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CreateAnAccessTokenResponse200 | None:
    if response.status_code == 200:
        response_200 = CreateAnAccessTokenResponse200.from_dict(response.json())

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CreateAnAccessTokenResponse200]:
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
    body: CreateAnAccessTokenBody,
) -> Response[CreateAnAccessTokenResponse200]:
    """Create an Access Token

     This endpoint is used to obtain an access token for authentication.

    Args:
        body (CreateAnAccessTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateAnAccessTokenResponse200]
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
    body: CreateAnAccessTokenBody,
) -> CreateAnAccessTokenResponse200 | None:
    """Create an Access Token

     This endpoint is used to obtain an access token for authentication.

    Args:
        body (CreateAnAccessTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateAnAccessTokenResponse200
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateAnAccessTokenBody,
) -> Response[CreateAnAccessTokenResponse200]:
    """Create an Access Token

     This endpoint is used to obtain an access token for authentication.

    Args:
        body (CreateAnAccessTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateAnAccessTokenResponse200]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateAnAccessTokenBody,
) -> CreateAnAccessTokenResponse200 | None:
    """Create an Access Token

     This endpoint is used to obtain an access token for authentication.

    Args:
        body (CreateAnAccessTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateAnAccessTokenResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
