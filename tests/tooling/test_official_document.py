"""TMDB's official v3 document, as published (OpenAPI 3.1, 152 operations, 3 MB, with its defects):
it imports whole, generates, and the generated client calls its operations correctly.

One import and one generation of the whole document per run (a module fixture); everything
else here reuses them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from scripts import yamlio
from tests.helpers import FIXTURES, ROOT, run_probe, run_script

pytestmark = pytest.mark.slow

OFFICIAL = FIXTURES / "upstream" / "tmdb-api-v3-official.json"
PROBE = ROOT / "tests" / "tooling" / "official_probe.py"
SPEC = Path("openapi/tmdb-v4.yaml")
TOKEN = "official-document-bearer-5c1e"


@pytest.fixture(scope="module")
def official(generated_baseline: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A repository copy with the whole official document imported into the baseline spec, and generated."""
    root = tmp_path_factory.mktemp("official") / "repo"
    shutil.copytree(generated_baseline, root, ignore=shutil.ignore_patterns("__pycache__", ".*_cache"))
    imported = run_script(root, "import_spec", str(OFFICIAL))
    assert imported.returncode == 0, imported.stderr
    generated = run_script(root, "generate", "generate")
    assert generated.returncode == 0, generated.stderr
    return root, imported.stdout


def example(path: str, method: str = "get") -> dict[str, Any]:
    """The 200 example the official document gives for an operation (some are JSON text, some objects)."""
    document = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    examples = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["examples"]
    value = next(iter(examples.values()))["value"]
    parsed: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return parsed


def test_the_whole_document_imports_with_every_repair_listed(official: tuple[Path, str]) -> None:
    root, report = official
    assert f"{OFFICIAL}: JSON document, OpenAPI 3.1.0; picked 152 of 152 operation(s)" in report
    assert "  kept the spec's openapi and info; ignored x-readme, x-readme-fauxas" in report
    assert "  security scheme sec0 (apiKey in header Authorization) -> the spec's bearerAuth" in report
    assert "  repaired (33, rules in openapi/import.yaml):" in report
    assert report.count("\n    mistyped-default: ") == 13
    assert report.count("\n    array-without-items: ") == 20
    assert report.count("\n  added:     ") == 152
    spec = yamlio.load((root / SPEC).read_text(encoding="utf-8"))
    operations = [m for item in spec["paths"].values() for m in item if m in ("get", "post", "delete", "put")]
    assert len(operations) == 155  # and the three v4 auth operations of the baseline
    assert spec["components"]["securitySchemes"] == {"bearerAuth": {"type": "http", "scheme": "bearer"}}


def test_strings_stay_strings_for_every_reader_of_the_imported_spec(official: tuple[Path, str]) -> None:
    root, _ = official
    text = (root / SPEC).read_text(encoding="utf-8")
    ours = yamlio.load(text)
    assert yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) == ours  # noqa: S506 (a safe loader)
    credits = ours["paths"]["/3/movie/{movie_id}/credits"]["get"]["responses"]["200"]["content"]["application/json"]
    assert "58865312925141107e001361" in credits["examples"]["Result"]["value"]
    regions = ours["paths"]["/3/movie/{movie_id}/watch/providers"]["get"]["responses"]["200"]["content"]
    assert "NO" in regions["application/json"]["schema"]["properties"]["results"]["properties"]


def test_a_reimport_is_an_identity(official: tuple[Path, str], tmp_path: Path) -> None:
    root, _ = official
    copy = tmp_path / "repo"
    shutil.copytree(root / "openapi", copy / "openapi")
    shutil.copytree(root / "scripts", copy / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    again = run_script(copy, "import_spec", str(OFFICIAL))
    assert again.returncode == 0, again.stderr
    assert "openapi/tmdb-v4.yaml: no changes" in again.stdout
    assert (copy / SPEC).read_bytes() == (root / SPEC).read_bytes()


def test_generated_get_operations_send_path_query_and_enum_parameters(
    official: tuple[Path, str], httpserver: HTTPServer
) -> None:
    root, _ = official
    calls = {
        "account-get-favorites": (
            "/3/account/548/favorite/movies",
            {"language": "en-US", "page": "2", "session_id": "s-1", "sort_by": "created_at.desc"},
            example("/3/account/{account_id}/favorite/movies"),
        ),
        "find-by-id": (
            "/3/find/tt0137523",
            {"external_source": "imdb_id", "language": "en-US"},
            example("/3/find/{external_id}"),
        ),
        "trending-movies": ("/3/trending/movie/week", {"language": "NO"}, example("/3/trending/movie/{time_window}")),
        "movie-details": (
            "/3/movie/550",
            {"append_to_response": "videos", "language": "en-US"},
            example("/3/movie/{movie_id}"),
        ),
    }
    for path, query, body in calls.values():
        httpserver.expect_request(
            path, method="GET", query_string=query, headers={"Authorization": f"Bearer {TOKEN}"}
        ).respond_with_json(body)
    generated = root / "generated"
    report = run_probe(PROBE, generated, httpserver.url_for("/").rstrip("/"), TOKEN, str(generated), timeout=60)
    httpserver.check_assertions()
    assert len(httpserver.log) == len(calls)
    for name, (_, _, body) in calls.items():
        assert report[name]["status"] == 200, name
        assert report[name]["type"].endswith("Response200"), name
        assert report[name]["value"] == body, f"{name}: the parsed model does not give back what TMDB sent"


def test_the_facade_loads_only_the_models_it_uses(official: tuple[Path, str]) -> None:
    root, _ = official
    probe = (
        "import sys, tmdb_auth._core, tmdb_v4_client.models as models\n"  # _core: the facade module using models
        "assert models.__file__.startswith(sys.argv[1]), models.__file__\n"
        "loaded = [n for n in sys.modules if n.startswith('tmdb_v4_client.models.')]\n"
        "print(len(loaded), len(models.__all__))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(root / "generated")}
    result = subprocess.run(
        [sys.executable, "-c", probe, str(root / "generated")], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded, available = map(int, result.stdout.split())
    assert loaded == 6  # the facade's request and response models
    assert available > 1000
