"""The parts of the spec the hand-written facade (src/tmdb_auth) depends on.

`make generate` checks them before it generates anything (scripts/facade_guard.py then checks
the generated tree itself against what src/ imports): a spec update that removes or renames
one of them would regenerate a client the facade can no longer call, so it stops and says
which part changed; `make import-spec` warns. Additive changes pass. The exchange (the supplied
operation) must always be there; the request-token and logout operations are checked
whenever the spec has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JSON = "application/json"


@dataclass(frozen=True)
class FacadeOperation:
    """One generated operation the facade calls, and the fields it reads or writes."""

    method: str
    path: str
    operation_id: str
    module: str
    request_fields: tuple[str, ...]
    response_fields: tuple[str, ...]
    required: bool  # False: checked when the spec has it (a spec may predate its import)


OPERATIONS = (
    FacadeOperation(
        "post",
        "/4/auth/access_token",
        "createAnAccessToken",
        "create_an_access_token",
        ("request_token",),
        ("access_token", "account_id"),
        required=True,
    ),
    FacadeOperation(
        "post",
        "/4/auth/request_token",
        "createARequestToken",
        "create_a_request_token",
        ("redirect_to",),
        ("request_token",),
        required=False,
    ),
    FacadeOperation("delete", "/4/auth/access_token", "logout", "logout", ("access_token",), (), required=False),
)


class ContractError(Exception):
    """The spec no longer provides something the facade uses."""


def _resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (#/components/...) so referenced schemas count too."""
    seen = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        ref = node["$ref"]
        if ref in seen:
            return {}
        seen.add(ref)
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        node = target
    return node


def _properties(document: dict[str, Any], schema: Any) -> set[str]:
    schema = _resolve(document, schema)
    if not isinstance(schema, dict):
        return set()
    names = set(schema.get("properties") or {})
    for combined in schema.get("allOf") or []:
        names |= _properties(document, combined)
    return names


def _operation_problems(document: dict[str, Any], expected: FacadeOperation) -> list[str]:
    label = f"{expected.method.upper()} {expected.path}"
    operation = _resolve(document, ((document.get("paths") or {}).get(expected.path) or {}).get(expected.method))
    if not isinstance(operation, dict):
        return [f"operation {label} is missing"] if expected.required else []
    problems = []
    if operation.get("operationId") != expected.operation_id:
        problems.append(
            f"{label} has operationId {operation.get('operationId')!r}, the facade calls "
            f"{expected.operation_id!r} (generated module {expected.module}); rename it back in openapi/tmdb-v4.yaml "
            "(and in openapi/import.yaml's operationIds, so that re-imports keep the name)"
        )
    body = _resolve(document, operation.get("requestBody")) or {}
    request_schema = (((body.get("content") or {}).get(JSON)) or {}).get("schema")
    request_fields = _properties(document, request_schema)
    problems += [
        f"{label}: request body field {name!r} ({JSON}) is missing"
        for name in expected.request_fields
        if name not in request_fields
    ]
    response = _resolve(document, (operation.get("responses") or {}).get("200")) or {}
    response_schema = (((response.get("content") or {}).get(JSON)) or {}).get("schema")
    response_fields = _properties(document, response_schema)
    problems += [
        f"{label}: 200 response field {name!r} ({JSON}) is missing"
        for name in expected.response_fields
        if name not in response_fields
    ]
    return problems


def contract_problems(document: dict[str, Any]) -> list[str]:
    """Every part of the facade's contract this document no longer provides (empty when all is there)."""
    return [problem for expected in OPERATIONS for problem in _operation_problems(document, expected)]


def check_contract(document: dict[str, Any], source: str) -> None:
    """Raise ContractError naming every broken part of the facade's contract."""
    problems = contract_problems(document)
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise ContractError(
            f"{source} breaks the facade (src/tmdb_auth) contract:\n{listed}\n"
            "The facade must be updated together with this spec change; generated/ was not touched."
        )
