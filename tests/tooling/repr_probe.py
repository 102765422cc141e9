"""Prints, as JSON, what a client generated with a secrets-laden probe operation shows and holds.

Run by test_templates.py in a subprocess whose PYTHONPATH puts a freshly generated
tmdb_v4_client (in a repository copy) ahead of this checkout's:
``python tests/tooling/repr_probe.py GENERATED_DIR SECRETS_JSON``. SECRETS_JSON maps the
names s1..s6 to distinctive strings; the test checks that none shows in any text printed
here, and that the values are still there to read.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any

import httpx

import tmdb_v4_client
from tmdb_v4_client import AuthenticatedClient, Client, errors
from tmdb_v4_client.api.probe import probe_secrets
from tmdb_v4_client.models import ProbeSecretsResponse200


def texts(value: object) -> dict[str, str]:
    return {"repr": repr(value), "str": str(value)}


def error_report(error: BaseException) -> dict[str, Any]:
    return {
        **texts(error),
        "type": type(error).__name__,
        "args": repr(error.args),
        "traceback": "".join(traceback.format_exception(error)),
        "has_cause": error.__cause__ is not None,
        "has_context": error.__context__ is not None,
        "reason": getattr(error, "reason", None),
        "content": error.content.decode("utf-8", "replace") if isinstance(error, errors.UnexpectedStatus) else None,
        "content_length": len(error.content) if isinstance(error, errors.UnexpectedStatus) else None,
    }


def build(status: int, content: bytes, *, raising: bool) -> dict[str, Any]:
    client = Client(base_url="http://127.0.0.1:9", raise_on_unexpected_status=raising)
    response = httpx.Response(status, content=content, headers={"Content-Type": "application/json"})
    try:
        built = probe_secrets._build_response(client=client, response=response)
    except Exception as exc:  # the report says what escaped
        return {"raised": error_report(exc)}
    return {"response": texts(built), "parsed_is_none": built.parsed is None, "status": int(built.status_code)}


def main() -> None:
    generated_dir, secrets_json = sys.argv[1], sys.argv[2]
    assert tmdb_v4_client.__file__ is not None
    assert tmdb_v4_client.__file__.startswith(generated_dir), tmdb_v4_client.__file__
    s = json.loads(secrets_json)
    body = {
        "id_token": s["s1"],
        "Authorization": f"Bearer {s['s2']}",
        "session_cookie": s["s3"],
        "kind": "user",
        "status_message": f"your token is {s['s1']}",
        "account": {"session_token": s["s4"], "note": "kept"},
        "refresh_token": s["s5"],
        "extra": s["s6"],
    }
    raw = json.dumps(body).encode()
    model = ProbeSecretsResponse200.from_dict(body)
    ok = httpx.Response(
        200, content=raw, headers=[("Content-Type", "application/json"), ("Set-Cookie", f"sid={s['s3']}")]
    )
    response = probe_secrets._build_response(client=Client(base_url="http://127.0.0.1:9"), response=ok)
    deep = b'{"id_token": "' + s["s1"].encode() + b'", "account": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    bad_enum = json.dumps({**body, "kind": s["s1"]}).encode()
    not_utf8 = b'{"id_token": "' + s["s1"].encode() + b'\xff\xfe"}'
    clients = [
        Client(
            base_url=f"https://user:{s['s1']}@127.0.0.1:9/v4?api_key={s['s2']}",
            cookies={"session": s["s3"]},
            headers={"X-Api-Key": s["s4"]},
            httpx_args={"auth": ("user", s["s5"])},
        ),
        AuthenticatedClient(base_url="http://127.0.0.1:9", token=s["s6"], cookies={"session": s["s3"]}),
    ]
    report = {
        "model": texts(model),
        "model_values": {
            "id_token": model.id_token,
            "authorization": model.authorization,
            "session_cookie": model.session_cookie,
            "session_token": model.account.session_token if model.account else None,
            "refresh_token": model["refresh_token"],
            "extra": model["extra"],
            "round_trip": model.to_dict() == body,
        },
        "response": texts(response),
        "response_values": {
            "content": response.content == raw,
            "set_cookie": response.headers["set-cookie"],
            "parsed_id_token": response.parsed.id_token if response.parsed else None,
        },
        "clients": [texts(client) for client in clients],
        "cases": {
            f"{name}-{'raising' if raising else 'quiet'}": build(status, content, raising=raising)
            for name, status, content in [
                ("bad-enum", 200, bad_enum),
                ("deep-json", 200, deep),
                ("not-utf8", 200, not_utf8),
                ("undocumented-status", 418, raw),
            ]
            for raising in (True, False)
        },
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
