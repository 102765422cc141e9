"""Calls every operation generated from tests/fixtures/lists, sync and asyncio; prints what each returned as JSON.

Run by test_lists_fixture.py in a subprocess whose PYTHONPATH puts a freshly generated
tmdb_v4_client (in a repository copy) ahead of this checkout's:
``python tests/tooling/lists_probe.py BASE_URL TOKEN GENERATED_DIR``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import typing
from collections.abc import Callable
from typing import Any

import tmdb_v4_client
from tmdb_v4_client import AuthenticatedClient
from tmdb_v4_client.api.account import account_lists_v4, movies
from tmdb_v4_client.api.lists import clear_list, create_list, delete, details, remove_items, update
from tmdb_v4_client.models import (
    CreateListBody,
    DetailsSortBy,
    MoviesSortBy,
    RemoveItemsBody,
    RemoveItemsBodyItemsItem,
    RemoveItemsBodyItemsItemMediaType,
    UpdateBody,
    UpdateBodySortBy,
)

LIST_ID = 8500001
ACCOUNT = "abc123"
CALLS: dict[str, tuple[Any, Callable[[], tuple[tuple[Any, ...], dict[str, Any]]]]] = {
    "lists": (account_lists_v4, lambda: ((ACCOUNT,), {"page": 2})),
    "movies": (movies, lambda: ((ACCOUNT,), {"language": "fr-FR", "sort_by": MoviesSortBy.CREATED_AT_DESC})),
    "create_list": (create_list, lambda: ((), {"body": CreateListBody(name="My list", iso_639_1="en", public=False)})),
    "details": (details, lambda: ((LIST_ID,), {"sort_by": DetailsSortBy.TITLE_ASC})),
    "update": (update, lambda: ((LIST_ID,), {"body": UpdateBody(name="Renamed", sort_by=UpdateBodySortBy.TITLE_DESC)})),
    "delete": (delete, lambda: ((LIST_ID,), {})),
    "clear_list": (clear_list, lambda: ((LIST_ID,), {})),
    "remove_items": (
        remove_items,
        lambda: (
            (LIST_ID,),
            {
                "body": RemoveItemsBody(
                    items=[
                        RemoveItemsBodyItemsItem(media_type=RemoveItemsBodyItemsItemMediaType.MOVIE, media_id=550),
                        RemoveItemsBodyItemsItem(media_type=RemoveItemsBodyItemsItemMediaType.TV, media_id=1399),
                    ]
                )
            },
        ),
    ),
}


def described(result: Any) -> dict[str, Any]:
    return {"type": type(result).__name__, "value": result.to_dict() if result is not None else None}


async def main(base_url: str, token: str, generated: str) -> dict[str, Any]:
    location = tmdb_v4_client.__file__ or ""
    assert location.startswith(generated), location
    client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)
    report: dict[str, Any] = {}
    for name, (module, arguments) in CALLS.items():
        args, kwargs = arguments()
        hints = {
            function: typing.get_type_hints(getattr(module, function))["client"] for function in ("sync", "asyncio")
        }
        report[name] = {
            "client_types": sorted({getattr(hint, "__name__", str(hint)) for hint in hints.values()}),
            "sync": described(module.sync(*args, client=client, **kwargs)),
            "asyncio": described(await module.asyncio(*args, client=client, **kwargs)),
        }
    return report


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(*sys.argv[1:4]))))
