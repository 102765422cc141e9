"""The one YAML reader and writer of the spec tooling.

Reading: the YAML 1.2 core schema, the YAML openapi-python-client's ruamel.yaml reads. ``NO``,
``yes``, ``on``, ``12:30`` and ``2024-01-01`` are strings; ``1e3`` is a float; ``0755`` is the
integer 755. libyaml's parser (PyYAML's ``CParser``, when PyYAML was built with it) does the
parsing, so a 3.5 MB spec reads in about half a second instead of the 4.5 s of a pure-Python
reader. A mapping with a duplicate key is an error, not a silent "last one wins".

Writing: ruamel.yaml's round-trip emitter in the documentation pages' layout (mappings
indented by 2, sequences by 4 with the dash at 2, lines never wrapped). A string is written
plain only when every common reader reads that plain text back as the same string: YAML 1.1
(PyYAML's ``safe_load``, for which ``NO`` is false and ``12:30`` is 750), the YAML 1.2 core
schema (this reader) and ruamel.yaml; anything else is quoted. A string of several lines is
a literal block (``|``) where YAML allows one. ``check_round_trip`` proves a written text
reads back as what was written under both YAML 1.1 and 1.2.
"""

from __future__ import annotations

import io
import re
from collections.abc import Hashable
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.representer import RoundTripRepresenter

STR = "tag:yaml.org,2002:str"


class YAMLReadError(Exception):
    """The text is not YAML this reader accepts; the message gives the line and column (1-based)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


# --- reading: YAML 1.2 core schema on libyaml ----------------------------------------------------


class CoreResolver(yaml.resolver.BaseResolver):
    """Plain scalars resolved by the YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1023-core-schema)."""


CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


class CoreConstructor(yaml.constructor.SafeConstructor):
    """SafeConstructor with YAML 1.2 numbers and booleans, and no duplicate keys."""

    def construct_yaml_bool(self, node: yaml.ScalarNode) -> bool:
        return str(self.construct_scalar(node)).lower() == "true"

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        value = str(self.construct_scalar(node))
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value, 10)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        value = str(self.construct_scalar(node)).lower()
        if value.endswith(".inf"):
            return float("-inf") if value.startswith("-") else float("inf")
        if value == ".nan":
            return float("nan")
        return float(value)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {key!r} a second time (first on line {seen[key].start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


for _tag, _method in (
    ("tag:yaml.org,2002:bool", CoreConstructor.construct_yaml_bool),
    ("tag:yaml.org,2002:int", CoreConstructor.construct_yaml_int),
    ("tag:yaml.org,2002:float", CoreConstructor.construct_yaml_float),
):
    CoreConstructor.add_constructor(_tag, _method)  # type: ignore[type-var]

# libyaml's parser where PyYAML was built with it (pip wheels are), else the same in pure Python.
_BaseLoader: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


class CoreLoader(_BaseLoader, CoreConstructor, CoreResolver):  # type: ignore[misc]
    """A PyYAML loader for the YAML 1.2 core schema: the base loader's parser, this module's constructor, resolver."""


def _read_error(exc: yaml.YAMLError) -> YAMLReadError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return YAMLReadError(f"invalid YAML: {problem}")
    return YAMLReadError(f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}", mark.line + 1)


def load(text: str) -> Any:
    """Parse YAML text under the YAML 1.2 core schema; raises YAMLReadError."""
    try:
        return yaml.load(text, Loader=CoreLoader)  # noqa: S506 (CoreLoader constructs plain data only)
    except yaml.YAMLError as exc:
        raise _read_error(exc) from None


def compose(text: str) -> yaml.Node | None:
    """The node tree of YAML text, with line and column marks (for editing the text in place)."""
    try:
        return yaml.compose(text, Loader=CoreLoader)
    except yaml.YAMLError as exc:
        raise _read_error(exc) from None


def load_yaml11(text: str) -> Any:
    """Parse YAML text as PyYAML's safe_load does (YAML 1.1), the reader most tools use."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)


# --- writing ---------------------------------------------------------------------------------------

_YAML11 = yaml.resolver.Resolver()
_CORE = CoreResolver()
# Never plain, though some readers would take them: an indicator first, or a key/comment lookalike inside.
_RISKY_START = tuple("?:-#,[]{}&*!|>'\"%@`=<~ \t")


def plain_is_safe(value: str) -> bool:
    """True when `value`, written as a plain scalar, reads back as this string under YAML 1.1 and 1.2."""
    if not value or value.startswith(_RISKY_START) or value != value.strip() or "\n" in value:
        return False
    if ": " in value or " #" in value or value.endswith(":"):
        return False
    node_kind = yaml.nodes.ScalarNode
    tags = [resolver.resolve(node_kind, value, (True, False)) for resolver in (_YAML11, _CORE)]  # type: ignore[no-untyped-call]
    return all(tag == STR for tag in tags)


class _SpecRepresenter(RoundTripRepresenter):
    """Round-trip representer that quotes every string a YAML 1.1 or 1.2 reader could take for something else."""


# Line breaks other than "\n" (YAML 1.1 reads NEL and the Unicode separators as breaks; a literal block
# would turn "\r\n" into "\n"): such strings are written double-quoted, with escapes.
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")


def _represent_str(representer: RoundTripRepresenter, value: str) -> Any:
    if _OTHER_BREAKS.search(value) or not value.replace("\n", "").isprintable():
        style: str | None = '"'  # escapes: control characters, tabs, and line breaks other than "\n"
    elif "\n" in value.rstrip("\n"):
        style = "|"  # the emitter falls back to quotes where a literal block cannot hold it
    elif plain_is_safe(value):
        style = None
    else:
        style = "'"  # ... and to double quotes where single ones cannot
    return representer.represent_scalar(STR, value, style=style)


_SpecRepresenter.add_representer(str, _represent_str)


def writer() -> YAML:
    """The emitter every spec fragment is written with."""
    handler = YAML(typ="rt", pure=True)
    handler.Representer = _SpecRepresenter
    handler.indent(mapping=2, sequence=4, offset=2)
    handler.width = 1 << 16  # never wrap a long scalar (tokens in examples are long)
    return handler


def dump(data: Any) -> str:
    """`data` (plain dicts, lists and scalars) as block YAML in the pages' layout."""
    out = io.StringIO()
    writer().dump(data, out)
    return out.getvalue()


def check_round_trip(text: str, expected: Any, where: str) -> None:
    """Raise AssertionError unless `text` reads back as `expected` under YAML 1.2 and YAML 1.1."""
    for name, reader in (("YAML 1.2", load), ("YAML 1.1", load_yaml11)):
        if reader(text) != expected:
            raise AssertionError(f"{where}: the written YAML reads back differently under {name}; report this as a bug")
