"""Each template in openapi/templates/ overrides an upstream one of the pinned generator version.

Bumping openapi-python-client in pyproject.toml without reviewing the overrides against the new
upstream templates fails here: update each header once its template has been reviewed.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from scripts.generate import pinned_versions
from tests.helpers import ROOT

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
