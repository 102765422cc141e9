"""The larger fixture end to end: import upstream-style pages -> generate -> check -> call every new module.

tests/fixtures/lists holds 8 pages in the supplied page's format (two tags, path parameters, a
path-level parameter, query enums, a DELETE with a body, a 201) with upstream's messy
operationIds, and an import.yaml renaming two of them. Each generated operation is called,
sync and asyncio, against a loopback server that checks method, path, query, body and Bearer.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.helpers import FIXTURES, ROOT, run_probe, run_script

pytestmark = pytest.mark.slow

LISTS = FIXTURES / "lists"
PROBE = ROOT / "tests" / "tooling" / "lists_probe.py"
TOKEN = "lists-fixture-bearer-7f3a"
OK = {"status_code": 1, "status_message": "Success.", "success": True}

# name -> (method, path, query, request JSON, status, response JSON, response model)
EXPECTED: dict[str, tuple[str, str, dict[str, str], Any, int, dict[str, Any], str]] = {
    "lists": (
        "GET",
        "/4/account/abc123/lists",
        {"page": "2"},
        None,
        200,
        {
            "page": 2,
            "results": [{"id": 1, "name": "Watch later", "public": True, "number_of_items": 3}],
            "total_pages": 2,
            "total_results": 21,
        },
        "ListsResponse200",
    ),
    "movies": (
        "GET",
        "/4/account/abc123/movie/favorites",
        {"page": "1", "language": "fr-FR", "sort_by": "created_at.desc"},
        None,
        200,
        {"page": 1, "results": [{"id": 550, "title": "Fight Club"}], "total_pages": 1, "total_results": 1},
        "MoviesResponse200",
    ),
    "create_list": (
        "POST",
        "/4/list",
        {},
        {"name": "My list", "iso_639_1": "en", "public": False},
        201,
        {"id": 8500001, **OK},
        "CreateListResponse201",
    ),
    "details": (
        "GET",
        "/4/list/8500001",
        {"language": "en-US", "page": "1", "sort_by": "title.asc"},
        None,
        200,
        {
            "id": 8500001,
            "name": "My list",
            "description": "",
            "public": False,
            "results": [{"id": 550, "media_type": "movie"}],
            "total_results": 1,
        },
        "DetailsResponse200",
    ),
    "update": (
        "PUT",
        "/4/list/8500001",
        {},
        {"name": "Renamed", "sort_by": "title.desc"},
        200,
        {**OK, "status_code": 12},
        "UpdateResponse200",
    ),
    "delete": ("DELETE", "/4/list/8500001", {}, None, 200, {**OK, "status_code": 13}, "DeleteResponse200"),
    "clear_list": (
        "GET",
        "/4/list/8500001/clear",
        {},
        None,
        200,
        {"id": 8500001, "items_deleted": 3, **OK},
        "ClearListResponse200",
    ),
    "remove_items": (
        "DELETE",
        "/4/list/8500001/items",
        {},
        {"items": [{"media_type": "movie", "media_id": 550}, {"media_type": "tv", "media_id": 1399}]},
        200,
        {
            "results": [
                {"media_type": "movie", "media_id": 550, "success": True},
                {"media_type": "tv", "media_id": 1399, "success": True},
            ],
            **OK,
        },
        "RemoveItemsResponse200",
    ),
}


def test_import_generate_check_and_call_every_new_operation(baseline_repo: Path, httpserver: HTTPServer) -> None:
    shutil.copy(LISTS / "import.yaml", baseline_repo / "openapi" / "import.yaml")
    imported = run_script(baseline_repo, "import_spec", *map(str, sorted(LISTS.glob("*.md"))))
    assert imported.returncode == 0, imported.stderr
    assert "  added:     GET /4/list/{list_id}/clear (clearList)" in imported.stdout
    assert "  added:     POST /4/list (createList)" in imported.stdout
    generated = run_script(baseline_repo, "generate", "generate")
    assert generated.returncode == 0, generated.stderr
    checked = run_script(baseline_repo, "generate", "check")
    assert checked.returncode == 0, checked.stderr
    api = baseline_repo / "generated" / "tmdb_v4_client" / "api"
    modules = sorted(path.relative_to(api).as_posix() for path in api.glob("*/*.py") if path.stem != "__init__")
    assert modules == [
        "account/lists.py",
        "account/movies.py",
        "auth/create_a_request_token.py",
        "auth/create_an_access_token.py",
        "auth/logout.py",
        "lists/clear_list.py",  # renamed by import.yaml (upstream: create)
        "lists/create_list.py",  # renamed by import.yaml (upstream: create1)
        "lists/delete.py",
        "lists/details.py",
        "lists/remove_items.py",
        "lists/update.py",
    ]

    for method, path, query, body, status, response, _ in EXPECTED.values():
        httpserver.expect_request(
            path,
            method=method,
            query_string=query or None,
            headers={"Authorization": f"Bearer {TOKEN}"},
            **({"json": body} if body is not None else {}),
        ).respond_with_json(response, status=status)

    generated = baseline_repo / "generated"
    report = run_probe(PROBE, generated, httpserver.url_for("/").rstrip("/"), TOKEN, str(generated), timeout=60)
    assert set(report) == set(EXPECTED)
    for name, (_, _, _, _, _, response, model) in EXPECTED.items():
        assert report[name]["client_types"] == ["AuthenticatedClient"], name
        for flavour in ("sync", "asyncio"):
            assert report[name][flavour] == {"type": model, "value": response}, (name, flavour)

    httpserver.check_assertions()
    requests = [(request.method, request.path, dict(request.args), request.get_data()) for request, _ in httpserver.log]
    assert len(requests) == 2 * len(EXPECTED)
    for index, (method, path, query, body, *_) in enumerate(EXPECTED.values()):
        for request in requests[2 * index : 2 * index + 2]:  # the sync call, then the asyncio one
            assert request[:3] == (method, path, query)
            assert (json.loads(request[3]) if request[3] else None) == body
    assert all(request.headers["Authorization"] == f"Bearer {TOKEN}" for request, _ in httpserver.log)
