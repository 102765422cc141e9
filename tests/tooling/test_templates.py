"""Each template in openapi/templates/ overrides an upstream one of the pinned generator version.

Bumping openapi-python-client in pyproject.toml without reviewing the overrides against the new
upstream templates fails here: update each header once its template has been reviewed.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from scripts import yamlio
from scripts.generate import pinned_versions
from tests.helpers import FIXTURES, ROOT, copy_repo, run_probe, run_script

TEMPLATES = sorted((ROOT / "openapi" / "templates").glob("*.jinja"))
HEADER = re.compile(r"^\{#- tmdb-v4-auth override of openapi-python-client (?P<version>\S+)'s (?P<name>\S+)\. Why:")


def test_there_are_templates() -> None:
    assert len(TEMPLATES) >= 5


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_the_header_names_the_pinned_version_and_an_upstream_template(template: Path) -> None:
    first_line = template.read_text(encoding="utf-8").splitlines()[0]
    header = HEADER.match(first_line)
    assert header, f"{template}: first line must be the override header, found {first_line!r}"
    assert header.group("version") == pinned_versions(ROOT)["openapi-python-client"], (
        f"{template} was written against openapi-python-client {header.group('version')}; review it against the "
        "pinned version's template, then update its header"
    )
    assert header.group("name") == template.name
    upstream = resources.files("openapi_python_client") / "templates" / header.group("name")
    assert upstream.is_file(), f"{header.group('name')} is not an upstream template: the override would be dead"


# --- what the templates generate: nothing that may be a credential in any repr, str or traceback ---

PROBE = Path(__file__).with_name("repr_probe.py")
PROBE_SECRETS = {f"s{n}": f"PROBESECRET{n}-a9f3-must-not-leak" for n in range(1, 7)}
PROBE_OPERATION = {
    "post": {
        "tags": ["PROBE"],
        "operationId": "probeSecrets",
        "responses": {
            "200": {
                "description": "fields, a nested model and extra properties that carry secrets",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "id_token": {"type": "string"},
                                "Authorization": {"type": "string"},
                                "session_cookie": {"type": "string"},
                                "kind": {"type": "string", "enum": ["user", "guest"]},
                                "status_message": {"type": "string"},
                                "account": {
                                    "type": "object",
                                    "properties": {"session_token": {"type": "string"}, "note": {"type": "string"}},
                                },
                            },
                        }
                    }
                },
            }
        },
    }
}


@pytest.fixture(scope="module")
def probe_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Generate the baseline spec plus PROBE_OPERATION in a repository copy and run repr_probe.py against it.

    The baseline fixture, not the live spec: the setup must not grow with what the spec imports.
    """
    copy = copy_repo(tmp_path_factory.mktemp("probe") / "repo")
    spec_path = copy / "openapi" / "tmdb-v4.yaml"
    spec = yamlio.load((FIXTURES / "baseline" / "tmdb-v4.yaml").read_text(encoding="utf-8"))
    spec["paths"]["/4/probe"] = PROBE_OPERATION
    spec_path.write_text(yamlio.dump(spec), encoding="utf-8")
    generated = run_script(copy, "generate", "generate")
    assert generated.returncode == 0, generated.stderr
    report = run_probe(PROBE, copy / "generated", str(copy / "generated"), json.dumps(PROBE_SECRETS))
    assert isinstance(report, dict)
    return report


def shown_texts(report: dict[str, Any]) -> dict[str, str]:
    """Every repr, str, args and traceback text in the report, by where it came from."""
    found: dict[str, str] = {}

    def walk(value: Any, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("repr", "str", "args", "traceback"):
                    found[f"{where}.{key}"] = item
                elif key not in ("model_values", "response_values", "content"):
                    walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}[{index}]")

    walk(report, "report")
    return found


@pytest.mark.slow
def test_no_generated_repr_str_or_traceback_shows_a_secret(probe_report: dict[str, Any]) -> None:
    texts = shown_texts(probe_report)
    # model, response, 2 clients (repr + str each) and the raising cases' error texts, at least
    assert len(texts) >= 8 + 4 * 4
    for where, text in texts.items():
        for secret in PROBE_SECRETS.values():
            assert secret not in text, f"{where} shows a secret: {text[:400]!r}"


@pytest.mark.slow
def test_reprs_stay_useful(probe_report: dict[str, Any]) -> None:
    model = probe_report["model"]["repr"]
    assert model.startswith("ProbeSecretsResponse200(")
    for shown in ("id_token=<redacted>", "authorization=<redacted>", "session_cookie=<redacted>"):
        assert shown in model
    assert "kind=<ProbeSecretsResponse200Kind.USER: 'user'>" in model
    assert "status_message='your token is <redacted>'" in model, "a secret quoted in another field is redacted"
    assert "account=ProbeSecretsResponse200Account(session_token=<redacted>, note='kept')" in model  # spec order
    assert "additional_properties={'refresh_token': <redacted>, 'extra': <redacted>}" in model
    response = probe_report["response"]["repr"]
    assert response.startswith("Response(status_code=<HTTPStatus.OK: 200>, content=<")
    assert " bytes>, headers={'content-type': <redacted>, 'set-cookie': <redacted>" in response
    assert "parsed=ProbeSecretsResponse200(" in response
    plain, authenticated = (client["repr"] for client in probe_report["clients"])
    assert "_base_url='https://<redacted>@127.0.0.1:9/v4?<redacted>'" in plain
    assert "_cookies={'session': <redacted>}" in plain
    assert "_headers={'X-Api-Key': <redacted>}" in plain
    assert "_httpx_args={'auth': <redacted>}" in plain
    assert "_base_url='http://127.0.0.1:9'" in authenticated


@pytest.mark.slow
def test_values_are_still_there_to_read(probe_report: dict[str, Any]) -> None:
    s = PROBE_SECRETS
    assert probe_report["model_values"] == {
        "id_token": s["s1"],
        "authorization": f"Bearer {s['s2']}",
        "session_cookie": s["s3"],
        "session_token": s["s4"],
        "refresh_token": s["s5"],
        "extra": s["s6"],
        "round_trip": True,
    }
    assert probe_report["response_values"] == {
        "content": True,
        "set_cookie": f"sid={s['s3']}",
        "parsed_id_token": s["s1"],
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "reason"),
    [("bad-enum", "ValueError"), ("deep-json", "RecursionError"), ("not-utf8", "UnicodeDecodeError")],
)
def test_an_unparsable_body_is_typed_counted_and_unchained(
    probe_report: dict[str, Any], case: str, reason: str
) -> None:
    quiet = probe_report["cases"][f"{case}-quiet"]
    assert quiet == {"response": quiet["response"], "parsed_is_none": True, "status": 200}
    raised = probe_report["cases"][f"{case}-raising"]["raised"]
    assert raised["type"] == "UnparsableResponse"
    assert raised["reason"] == reason
    assert f"could not be parsed ({reason}) for status code: 200 (" in raised["str"]
    assert f"({raised['content_length']} bytes of response body received;" in raised["str"]
    assert PROBE_SECRETS["s1"] in raised["content"], "the body is kept in .content"
    # the parser's exception can quote the body (an enum's ValueError names the value): not chained
    assert raised["has_cause"] is False
    assert raised["has_context"] is False


@pytest.mark.slow
def test_an_undocumented_status_says_how_many_bytes_came(probe_report: dict[str, Any]) -> None:
    raised = probe_report["cases"]["undocumented-status-raising"]["raised"]
    assert raised["type"] == "UnexpectedStatus"
    assert raised["str"].startswith(f"Unexpected status code: 418 ({raised['content_length']} bytes of response body")
    assert PROBE_SECRETS["s5"] in raised["content"]
    assert probe_report["cases"]["undocumented-status-quiet"]["parsed_is_none"] is True
