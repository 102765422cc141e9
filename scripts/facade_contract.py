"""The parts of the spec the hand-written facade (src/tmdb_auth) depends on.

`make generate` checks them before it writes anything: a spec update that removes or
renames one of them would regenerate a client the facade can no longer call, so it
stops and says which part changed. Additive changes pass.
"""

from __future__ import annotations

from typing import Any

PATH = "/4/auth/access_token"
METHOD = "post"
OPERATION_ID = "createAnAccessToken"
REQUEST_FIELDS = ("request_token",)
RESPONSE_FIELDS = ("access_token", "account_id")
JSON = "application/json"


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


def contract_problems(document: dict[str, Any]) -> list[str]:
    """Every part of the facade's contract this document no longer provides (empty when all is there)."""
    operation = _resolve(document, ((document.get("paths") or {}).get(PATH) or {}).get(METHOD))
    if not isinstance(operation, dict):
        return [f"operation {METHOD.upper()} {PATH} is missing"]
    problems = []
    if operation.get("operationId") != OPERATION_ID:
        problems.append(
            f"{METHOD.upper()} {PATH} has operationId {operation.get('operationId')!r}, "
            f"the facade calls {OPERATION_ID!r} (generated module create_an_access_token)"
        )
    body = _resolve(document, operation.get("requestBody")) or {}
    request_schema = (((body.get("content") or {}).get(JSON)) or {}).get("schema")
    request_fields = _properties(document, request_schema)
    problems += [
        f"request body field {name!r} ({JSON}) is missing" for name in REQUEST_FIELDS if name not in request_fields
    ]
    response = _resolve(document, (operation.get("responses") or {}).get("200")) or {}
    response_schema = (((response.get("content") or {}).get(JSON)) or {}).get("schema")
    response_fields = _properties(document, response_schema)
    problems += [
        f"200 response field {name!r} ({JSON}) is missing" for name in RESPONSE_FIELDS if name not in response_fields
    ]
    return problems


def check_contract(document: dict[str, Any], source: str) -> None:
    """Raise ContractError naming every broken part of the facade's contract."""
    problems = contract_problems(document)
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise ContractError(
            f"{source} breaks the facade (src/tmdb_auth) contract:\n{listed}\n"
            "The facade must be updated together with this spec change; generated/ was not touched."
        )
