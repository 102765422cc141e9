"""`make generate` / `make check-generated` in throwaway copies of the repository (the baseline spec).

openapi/tmdb-v4.yaml is the one input: a hand edit reaches the generated code, an invalid one
stops generation with the validator's messages, the stamp lets a no-op skip the generator,
and the facade guard stops a tree the hand-written code could not import.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import generate
from tests.helpers import run_script, tree_bytes

pytestmark = pytest.mark.slow

GENERATED = Path("generated/tmdb_v4_client")
STAMP = Path("generated/tmdb_v4_client.stamp")
SPEC = Path("openapi/tmdb-v4.yaml")


def edit_spec(root: Path, old: str, new: str, count: int = 1) -> None:
    text = (root / SPEC).read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    (root / SPEC).write_text(text.replace(old, new, count), encoding="utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    return {**tree_bytes(root / GENERATED), "STAMP": (root / STAMP).read_bytes()}


def test_generate_is_reproducible_and_idempotent(baseline_repo: Path) -> None:
    before = snapshot(baseline_repo)
    (baseline_repo / STAMP).unlink()  # no stamp: the generator runs
    for _ in range(2):
        result = run_script(baseline_repo, "generate", "generate")
        assert result.returncode == 0, result.stderr
        assert snapshot(baseline_repo) == before
    assert "py.typed" in before
    assert not [name for name in before if ".ruff_cache" in name or "__pycache__" in name]
    assert not list(baseline_repo.glob(".generate-*")), "the scratch directory is removed"


def test_a_no_op_generate_and_check_do_not_run_the_generator(
    baseline_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def must_not_run(*_: object) -> None:
        raise AssertionError("the generator ran")

    monkeypatch.setattr(generate, "run_generator", must_not_run)
    before = snapshot(baseline_repo)
    generate.generate(baseline_repo)
    assert generate.check(baseline_repo)
    assert "(generated/tmdb_v4_client.stamp matches; the generator was not run)" in capsys.readouterr().out
    assert snapshot(baseline_repo) == before
    with pytest.raises(AssertionError, match="the generator ran"):
        generate.check(baseline_repo, full=True)


def test_a_hand_edit_of_the_spec_reaches_the_generated_code(baseline_repo: Path) -> None:
    edit_spec(
        baseline_repo,
        "      description: This endpoint is used to obtain an access token for authentication.\n",
        "      description: Exchanges a request token the user approved for their access token.\n",
    )
    edit_spec(
        baseline_repo,
        "components:\n",
        "  /4/auth/ping:\n    get:\n      tags:\n        - AUTH\n      operationId: ping\n"
        "      responses:\n        '204':\n          description: The API is up.\ncomponents:\n",
    )
    result = run_script(baseline_repo, "generate", "generate")
    assert result.returncode == 0, result.stderr
    module = (baseline_repo / GENERATED / "api/auth/create_an_access_token.py").read_text(encoding="utf-8")
    assert "Exchanges a request token the user approved for their access token." in module
    assert (baseline_repo / GENERATED / "api/auth/ping.py").is_file()
    checked = run_script(baseline_repo, "generate", "check")
    assert checked.returncode == 0, checked.stderr
    assert "stamp: inputs, environment and files as generated" in checked.stdout


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "info:\n",
            "info: [unclosed\n",
            "openapi/tmdb-v4.yaml: invalid YAML at line 5, column 8: did not find expected ',' or ']'",
        ),
        (
            "  /4/auth/request_token:\n",
            "  /4/auth/access_token:\n",
            "found the key '/4/auth/access_token' a second time",
        ),
        (
            "                  success:\n                    type: boolean\n",
            "                  success:\n                    type: bool\n",
            "openapi/tmdb-v4.yaml#/paths/~14~1auth~1access_token/post/responses/200/content/application~1json/schema"
            "/properties/success/type: 'bool' is not one of",
        ),
        ("      operationId: logout\n", "      operationId: createAnAccessToken\n", "is not unique"),
    ],
    ids=["yaml-syntax", "duplicate-key", "schema-type", "duplicate-operation-id"],
)
def test_an_invalid_hand_edit_stops_generate_and_leaves_generated_untouched(
    baseline_repo: Path, old: str, new: str, expected: str
) -> None:
    before = snapshot(baseline_repo)
    edit_spec(baseline_repo, old, new)
    for command in ("generate", "check"):
        result = run_script(baseline_repo, "generate", command)
        assert result.returncode == 1
        assert expected in result.stderr
        assert "generated/tmdb_v4_client was left unchanged." in result.stderr
    assert snapshot(baseline_repo) == before
    assert not list(baseline_repo.glob(".generate-*"))


def test_check_catches_a_hand_edit_of_generated_code_with_a_diff(baseline_repo: Path) -> None:
    edited = baseline_repo / GENERATED / "client.py"
    edited.write_text(edited.read_text(encoding="utf-8").replace("10.0", "99.0"), encoding="utf-8")
    result = run_script(baseline_repo, "generate", "check")
    assert result.returncode == 1
    assert "differs: client.py" in result.stderr
    assert "-DEFAULT_TIMEOUT = httpx.Timeout(10.0)" in result.stderr
    assert "+DEFAULT_TIMEOUT = httpx.Timeout(99.0)" in result.stderr
    assert "run `make generate`" in result.stderr


def test_check_catches_added_and_removed_files(baseline_repo: Path) -> None:
    (baseline_repo / GENERATED / "extra.py").write_text("x = 1\n", encoding="utf-8")
    (baseline_repo / GENERATED / "errors.py").unlink()
    result = run_script(baseline_repo, "generate", "check")
    assert result.returncode == 1
    assert "extra in generated/tmdb_v4_client): extra.py" in result.stderr
    assert "missing from generated/tmdb_v4_client: errors.py" in result.stderr


def test_a_stamp_that_does_not_record_the_inputs_fails_check_until_generate(baseline_repo: Path) -> None:
    edit_spec(baseline_repo, "openapi: 3.0.3\n", "openapi: 3.0.3  # reviewed\n")  # same output, other inputs
    result = run_script(baseline_repo, "generate", "check")
    assert result.returncode == 1
    assert "but generated/tmdb_v4_client.stamp does not record it" in result.stderr
    assert run_script(baseline_repo, "generate", "generate").returncode == 0
    assert run_script(baseline_repo, "generate", "check").returncode == 0


def test_full_check_regenerates_even_when_the_stamp_claims_a_match(baseline_repo: Path) -> None:
    """What the stamp cannot see: generated/ and the stamp edited together. FULL=1 compares anyway."""
    edited = baseline_repo / GENERATED / "errors.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    stamp = (baseline_repo / STAMP).read_text(encoding="utf-8")
    forged = generate.output_digest(generate.tree(baseline_repo / GENERATED))
    (baseline_repo / STAMP).write_text(re.sub(r"output: \S+", f"output: {forged}", stamp), encoding="utf-8")
    assert run_script(baseline_repo, "generate", "check").returncode == 0
    full = run_script(baseline_repo, "generate", "check", "--full")
    assert full.returncode == 1
    assert "differs: errors.py" in full.stderr


def test_another_environment_checks_by_regenerating(baseline_repo: Path) -> None:
    stamp = (baseline_repo / STAMP).read_text(encoding="utf-8")
    other = re.sub(r"environment: sha256:\w+", "environment: sha256:" + "0" * 64, stamp)
    (baseline_repo / STAMP).write_text(other, encoding="utf-8")
    result = run_script(baseline_repo, "generate", "check")
    assert result.returncode == 0, result.stderr
    assert "regenerated to compare: this environment differs from the one in the stamp" in result.stdout


def test_the_stamps_inputs_cover_the_scripts_that_shape_the_generators_input() -> None:
    names = {path.name for path in generate._code_files(Path(generate.__file__).parent.parent)}
    assert {"generate.py", "yamlio.py", "specfile.py", "splice.py", "facade_guard.py", "facade_contract.py"} <= names
    assert "import_spec.py" not in names


# --- the facade guard ---------------------------------------------------------------------------------


def test_a_tag_rename_stops_generate_naming_the_import_that_would_break(baseline_repo: Path) -> None:
    before = snapshot(baseline_repo)
    edit_spec(
        baseline_repo,
        "      tags:\n        - AUTH\n      summary: Create an Access Token\n",
        "      tags:\n        - AUTHENTICATION\n      summary: Create an Access Token\n",
    )
    result = run_script(baseline_repo, "generate", "generate")
    assert result.returncode == 1
    assert "would break the hand-written code (src/)" in result.stderr
    assert re.search(
        r"src/tmdb_auth/client\.py:\d+: `from tmdb_v4_client\.api\.auth import create_an_access_token` would break",
        result.stderr,
    ), result.stderr
    assert snapshot(baseline_repo) == before


def test_a_schema_moved_into_components_stops_generate_naming_the_model(baseline_repo: Path) -> None:
    before = snapshot(baseline_repo)
    edit_spec(
        baseline_repo,
        "            schema:\n              type: object\n              properties:\n                request_token:\n"
        "                  description: The request token for authentication\n",
        "            schema:\n              $ref: '#/components/schemas/ExchangeRequest'\n"
        "            x-was:\n              type: object\n              properties:\n                request_token:\n"
        "                  description: The request token for authentication\n",
    )
    edit_spec(
        baseline_repo,
        "components:\n",
        "components:\n  schemas:\n    ExchangeRequest:\n      type: object\n      properties:\n"
        "        request_token:\n          type: string\n",
    )
    result = run_script(baseline_repo, "generate", "generate")
    assert result.returncode == 1, result.stdout
    assert re.search(
        r"src/tmdb_auth/_core\.py:\d+: `from tmdb_v4_client\.models import CreateAnAccessTokenBody` would break: "
        r"the new tmdb_v4_client\.models has no CreateAnAccessTokenBody",
        result.stderr,
    ), result.stderr
    assert snapshot(baseline_repo) == before


def test_the_guard_sees_fields_read_through_a_getattr_helper() -> None:
    from scripts.facade_guard import demands

    found = {(d.module, d.name): d for d in demands(Path(generate.__file__).parent.parent)}
    response = found[("tmdb_v4_client.models", "CreateAnAccessTokenResponse200")]
    assert {"access_token", "account_id"} <= response.fields  # _string_field(model, "account_id", status)
    assert "from_dict" in response.attributes
    assert found[("tmdb_v4_client.models", "LogoutBody")].fields == {"access_token"}
    assert {"sync_detailed", "asyncio_detailed"} <= found[("tmdb_v4_client.api.auth", "logout")].attributes


# --- what the templates change ------------------------------------------------------------------------


def test_models_are_imported_on_first_use_and_still_all_listed(baseline_repo: Path) -> None:
    probe = """
import sys
import tmdb_v4_client.models as models
assert models.__file__.startswith(sys.argv[1]), models.__file__
loaded = lambda: sorted(name for name in sys.modules if name.startswith("tmdb_v4_client.models."))
before = loaded()
from tmdb_v4_client.models import LogoutBody
after_one = loaded()
from tmdb_v4_client.models import *
print(before, after_one, set(models.__all__) <= set(dir(models)) and len(models.__all__) == 6, LogoutBody.__name__)
"""
    env = {**os.environ, "PYTHONPATH": str(baseline_repo / "generated")}
    result = subprocess.run(
        [sys.executable, "-c", probe, str(baseline_repo / "generated")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "['tmdb_v4_client.models.logout_body']", "True", "LogoutBody"]
