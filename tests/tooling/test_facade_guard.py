"""scripts/facade_guard.py on small trees: what src/ takes from tmdb_v4_client, looked up in a new tree.

(The end-to-end cases, a tag rename and a schema moved into components, regenerate the baseline
in test_regeneration.py; these check each kind of lookup on hand-made trees, in milliseconds.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.facade_guard import problems

FACADE = """
from tmdb_v4_client import AuthenticatedClient
from tmdb_v4_client.api.auth import logout
from tmdb_v4_client.models import LogoutBody, LogoutResponse200


def _string_field(model: object, name: str) -> str:
    return str(getattr(model, name))


def read(model: LogoutResponse200) -> str:
    return _string_field(model, "status_message") + str(model.success)


def call(token: str) -> object:
    client = AuthenticatedClient(base_url="http://127.0.0.1:9", token=token)
    return logout.sync_detailed(client=client, body=LogoutBody(access_token=token))
"""

TREE = {
    "__init__.py": "from .client import AuthenticatedClient\n",
    "client.py": (
        "from attrs import define, field\n\n@define\nclass AuthenticatedClient:\n"
        '    _base_url: str = field(alias="base_url")\n    token: str = field(repr=False)\n'
    ),
    "api/__init__.py": "",
    "api/auth/__init__.py": "",
    "api/auth/logout.py": "def sync_detailed(*, client, body):\n    return None\n",
    "models/__init__.py": (
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from .logout_body import LogoutBody\n    from .logout_response_200 import LogoutResponse200\n\n"
        "if not TYPE_CHECKING:\n\n    def __getattr__(name):\n        raise AttributeError(name)\n"
    ),
    "models/logout_body.py": "class LogoutBody:\n    access_token: str\n",
    "models/logout_response_200.py": (
        "class LogoutResponse200:\n    status_message: str\n    success: bool\n\n"
        "    @classmethod\n    def from_dict(cls, d):\n        return cls()\n"
    ),
}


def build(tmp_path: Path, **changes: str | None) -> tuple[Path, Path]:
    root = tmp_path / "repo"
    (root / "src" / "facade").mkdir(parents=True)
    (root / "src" / "facade" / "core.py").write_text(FACADE, encoding="utf-8")
    (root / "src" / "facade" / "other.py").write_text("import json\n", encoding="utf-8")
    package = tmp_path / "new" / "tmdb_v4_client"
    for name, text in {**TREE, **changes}.items():
        if text is not None:
            (package / name).parent.mkdir(parents=True, exist_ok=True)
            (package / name).write_text(text, encoding="utf-8")
    return root, package


def test_a_tree_with_everything_passes(tmp_path: Path) -> None:
    assert problems(*build(tmp_path)) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"api/auth/logout.py": None},
            "src/facade/core.py:3: `from tmdb_v4_client.api.auth import logout` would break: "
            "the new tmdb_v4_client.api.auth has no logout",
        ),
        (
            {"api/auth/logout.py": "def sync(*, client, body):\n    return None\n"},
            "src/facade/core.py:3: `from tmdb_v4_client.api.auth import logout` would break: "
            "logout has no attribute 'sync_detailed'",
        ),
        (
            {"models/logout_body.py": "class LogoutBody:\n    token: str\n"},
            "src/facade/core.py:4: `from tmdb_v4_client.models import LogoutBody` would break: "
            "LogoutBody has no field 'access_token'",
        ),
        (
            {"models/logout_response_200.py": "class LogoutResponse200:\n    success: bool\n    from_dict = None\n"},
            "src/facade/core.py:4: `from tmdb_v4_client.models import LogoutResponse200` would break: "
            "LogoutResponse200 has no field 'status_message'",  # read through _string_field's getattr
        ),
        (
            {"client.py": "class AuthenticatedClient:\n    token: str\n"},
            "src/facade/core.py:2: `from tmdb_v4_client import AuthenticatedClient` would break: "
            "AuthenticatedClient has no field 'base_url'",
        ),
        (
            {"models/__init__.py": "from .logout_body import LogoutBody\n"},
            "src/facade/core.py:4: `from tmdb_v4_client.models import LogoutResponse200` would break: "
            "the new tmdb_v4_client.models has no LogoutResponse200",
        ),
    ],
    ids=["module-gone", "function-gone", "keyword-gone", "getattr-field-gone", "alias-gone", "model-gone"],
)
def test_each_kind_of_use_is_looked_up(tmp_path: Path, changes: dict[str, str | None], expected: str) -> None:
    assert problems(*build(tmp_path, **changes)) == [expected]
