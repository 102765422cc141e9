from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.account_lists_v4_response_200 import AccountListsV4Response200
from ...types import UNSET, Response, Unset, http_status


def _get_kwargs(
    account_object_id: str,
    *,
    page: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page"] = page

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/4/account/{account_object_id}/lists".format(
            account_object_id=quote(str(account_object_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AccountListsV4Response200 | None:
    if response.status_code == 200:
        response_200 = AccountListsV4Response200.from_dict(response.json())

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AccountListsV4Response200]:
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
    account_object_id: str,
    *,
    client: AuthenticatedClient,
    page: int | Unset = UNSET,
) -> Response[AccountListsV4Response200]:
    """Lists

     Get all of the lists you've created.

    Args:
        account_object_id (str):  Example: 676a950bf68dehye3u9120.
        page (int | Unset):  Example: 1.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccountListsV4Response200]
    """

    kwargs = _get_kwargs(
        account_object_id=account_object_id,
        page=page,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account_object_id: str,
    *,
    client: AuthenticatedClient,
    page: int | Unset = UNSET,
) -> AccountListsV4Response200 | None:
    """Lists

     Get all of the lists you've created.

    Args:
        account_object_id (str):  Example: 676a950bf68dehye3u9120.
        page (int | Unset):  Example: 1.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccountListsV4Response200
    """

    return sync_detailed(
        account_object_id=account_object_id,
        client=client,
        page=page,
    ).parsed


async def asyncio_detailed(
    account_object_id: str,
    *,
    client: AuthenticatedClient,
    page: int | Unset = UNSET,
) -> Response[AccountListsV4Response200]:
    """Lists

     Get all of the lists you've created.

    Args:
        account_object_id (str):  Example: 676a950bf68dehye3u9120.
        page (int | Unset):  Example: 1.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccountListsV4Response200]
    """

    kwargs = _get_kwargs(
        account_object_id=account_object_id,
        page=page,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account_object_id: str,
    *,
    client: AuthenticatedClient,
    page: int | Unset = UNSET,
) -> AccountListsV4Response200 | None:
    """Lists

     Get all of the lists you've created.

    Args:
        account_object_id (str):  Example: 676a950bf68dehye3u9120.
        page (int | Unset):  Example: 1.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccountListsV4Response200
    """

    return (
        await asyncio_detailed(
            account_object_id=account_object_id,
            client=client,
            page=page,
        )
    ).parsed
