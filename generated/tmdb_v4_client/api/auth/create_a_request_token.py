from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_a_request_token_body import CreateARequestTokenBody
from ...models.create_a_request_token_response_200 import CreateARequestTokenResponse200
from ...types import UNSET, Response, Unset, http_status


def _get_kwargs(
    *,
    body: CreateARequestTokenBody | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/4/auth/request_token",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CreateARequestTokenResponse200 | None:
    if response.status_code == 200:
        response_200 = CreateARequestTokenResponse200.from_dict(response.json())

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CreateARequestTokenResponse200]:
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
    body: CreateARequestTokenBody | Unset = UNSET,
) -> Response[CreateARequestTokenResponse200]:
    """Create a Request Token

     This endpoint is used to request a new authentication token.

    Args:
        body (CreateARequestTokenBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateARequestTokenResponse200]
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
    body: CreateARequestTokenBody | Unset = UNSET,
) -> CreateARequestTokenResponse200 | None:
    """Create a Request Token

     This endpoint is used to request a new authentication token.

    Args:
        body (CreateARequestTokenBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateARequestTokenResponse200
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateARequestTokenBody | Unset = UNSET,
) -> Response[CreateARequestTokenResponse200]:
    """Create a Request Token

     This endpoint is used to request a new authentication token.

    Args:
        body (CreateARequestTokenBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateARequestTokenResponse200]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateARequestTokenBody | Unset = UNSET,
) -> CreateARequestTokenResponse200 | None:
    """Create a Request Token

     This endpoint is used to request a new authentication token.

    Args:
        body (CreateARequestTokenBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateARequestTokenResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
