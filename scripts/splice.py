"""Edit a YAML spec in place: turn the old document into the new one by replacing or inserting
only the entries that differ, so every other line keeps its bytes (hand edits, comments,
quoting, the supplied page's layout).

The entries edited are the spec's units of import: top-level keys; under ``paths`` each path
item and, within it, each operation and path-level field; under ``components`` each kind and,
within it, each component; the ``tags`` list item by item. A new entry goes where canonical
order puts it (paths sorted, methods in OpenAPI order, components by kind then name). A
block written in flow style (``{...}``) is rewritten whole, in block style.

New text is either copied from the source document's own lines (when those lines read back
as exactly the value imported, under YAML 1.1 and 1.2) or written by scripts.yamlio.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from scripts import yamlio

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TOP_LEVEL_ORDER = (
    "openapi",
    "info",
    "jsonSchemaDialect",
    "servers",
    "security",
    "tags",
    "paths",
    "webhooks",
    "components",
)
PATH_ITEM_ORDER = ("$ref", "summary", "description", "servers", "parameters", *HTTP_METHODS)
COMPONENT_KINDS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
)
# The mappings whose entries are edited one by one (deeper values are replaced whole).
_CONTAINERS = {(), ("paths",), ("components",)}


def _in_containers(path: tuple[Any, ...]) -> bool:
    return path in _CONTAINERS or (len(path) == 2 and path[0] in ("paths", "components"))


def sort_key(path: tuple[Any, ...], key: Any) -> tuple[int, str]:
    """Where `key` goes among the entries of the mapping at `path`, in canonical order."""
    order: tuple[str, ...] = ()
    if path == ():
        order = TOP_LEVEL_ORDER
    elif path == ("components",):
        order = COMPONENT_KINDS
    elif len(path) == 2 and path[0] == "paths":
        order = PATH_ITEM_ORDER
    if order:
        return (order.index(key) if key in order else len(order), str(key))
    return (0, str(key))


@dataclass(frozen=True)
class Entry:
    """One key of a block mapping and the lines its entry spans."""

    key: Any
    node: yaml.Node  # the value
    start: int  # the key's line (0-based)
    end: int  # one past its last line, trailing blank lines and shallower comments excluded
    column: int


class SpliceError(Exception):
    """The spec's text could not be edited in place (a bug, or YAML this editor does not handle)."""


def _is_trailing_filler(line: str, column: int) -> bool:
    stripped = line.strip()
    if not stripped:
        return True
    return stripped.startswith("#") and len(line) - len(line.lstrip()) <= column


def entries(node: yaml.MappingNode, lines: list[str], limit: int) -> list[Entry]:
    """The entries of a block mapping whose text ends before line `limit`."""
    found: list[Entry] = []
    pairs = node.value
    for index, (key_node, value_node) in enumerate(pairs):
        start = key_node.start_mark.line
        end = pairs[index + 1][0].start_mark.line if index + 1 < len(pairs) else limit
        column = key_node.start_mark.column
        while end - 1 > start and _is_trailing_filler(lines[end - 1], column):
            end -= 1
        found.append(Entry(_key(key_node), value_node, start, max(end, start + 1), column))
    return found


def _key(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == yamlio.STR else yamlio.load(node.value)
    raise SpliceError(f"line {node.start_mark.line + 1}: a complex mapping key, which this editor does not handle")


def _block_mapping(node: yaml.Node | None) -> bool:
    return isinstance(node, yaml.MappingNode) and not node.flow_style and bool(node.value)


def _block_sequence(node: yaml.Node | None) -> bool:
    return isinstance(node, yaml.SequenceNode) and not node.flow_style and bool(node.value)


def find(root: yaml.Node | None, lines: list[str], keys: tuple[Any, ...]) -> Entry | None:
    """The entry at `keys` (a path of mapping keys from the root), if every level is a block mapping."""
    node, limit, entry = root, len(lines), None
    for key in keys:
        if not _block_mapping(node):
            return None
        assert isinstance(node, yaml.MappingNode)
        entry = next((e for e in entries(node, lines, limit) if e.key == key), None)
        if entry is None:
            return None
        node, limit = entry.node, entry.end
    return entry


def indented(text_lines: list[str], shift: int) -> list[str] | None:
    """Lines moved right (shift > 0) or left; None if a line is not indented enough to move left."""
    if shift >= 0:
        return [(" " * shift + line) if line.strip() else line for line in text_lines]
    moved = []
    for line in text_lines:
        if line.strip() and not line.startswith(" " * -shift):
            return None
        moved.append(line[-shift:] if line.strip() else line)
    return moved


Render = Callable[[tuple[Any, ...], Any, int], list[str]]
"""render(path of the entry, value, column) -> the entry's lines (key line included)."""


def fresh_entry(path: tuple[Any, ...], value: Any, column: int) -> list[str]:
    """An entry written by scripts.yamlio at `column`; checked to read back as `value`."""
    text = yamlio.dump({path[-1]: value})
    yamlio.check_round_trip(text, {path[-1]: value}, "/".join(map(str, path)))
    shifted = indented(text.splitlines(keepends=True), column)
    assert shifted is not None
    return shifted


class _Editor:
    def __init__(self, text: str, render: Render) -> None:
        self.lines = text.splitlines(keepends=True)
        if self.lines and not self.lines[-1].endswith("\n"):
            self.lines[-1] += "\n"
        self.root = yamlio.compose(text)
        self.render = render
        self.edits: list[tuple[int, int, int, int, list[str]]] = []  # start, priority, seq, end, lines

    def edit(self, start: int, end: int, new_lines: list[str]) -> None:
        self.edits.append((start, 1 if end > start else 0, len(self.edits), end, new_lines))

    def container(self, path: tuple[Any, ...], value: Any, column: int) -> list[str]:
        """A new mapping entry whose children are rendered one by one (so each may keep its source lines)."""
        if not (_in_containers(path) and isinstance(value, dict) and value):
            return self.render(path, value, column)
        key_line = yamlio.dump({path[-1]: None}).rstrip() + "\n"
        lines = [" " * column + key_line]
        for key in sorted(value, key=lambda k: sort_key(path, k)):
            lines += self.container((*path, key), value[key], column + 2)
        return lines

    def mapping(self, path: tuple[Any, ...], node: yaml.MappingNode, limit: int, old: Any, new: Any, col: int) -> None:
        present = entries(node, self.lines, limit)
        column = present[0].column if present else col
        by_key = {entry.key: entry for entry in present}
        for entry in present:
            if entry.key not in new:
                self.edit(entry.start, entry.end, [])
        for key in sorted(new, key=lambda k: sort_key(path, k)):
            value, found = new[key], by_key.get(key)
            if found is None:
                self.insert(path, present, key, self.container((*path, key), value, column))
            elif old.get(key) != value:
                self.change((*path, key), found, old.get(key), value)

    def change(self, path: tuple[Any, ...], entry: Entry, old: Any, new: Any) -> None:
        if _in_containers(path) and isinstance(old, dict) and isinstance(new, dict) and _block_mapping(entry.node):
            assert isinstance(entry.node, yaml.MappingNode)
            self.mapping(path, entry.node, entry.end, old, new, entry.column + 2)
        elif path == ("tags",) and self.sequence_insert(entry, old, new):
            return
        else:
            self.edit(entry.start, entry.end, self.container(path, new, entry.column))

    def insert(self, path: tuple[Any, ...], present: list[Entry], key: Any, new_lines: list[str]) -> None:
        after = [entry for entry in present if sort_key(path, entry.key) > sort_key(path, key)]
        if after:
            line = after[0].start
            above = self.lines[line - 1] if line > 0 else ""
            while line > 0 and above.lstrip().startswith("#") and len(above) - len(above.lstrip()) == after[0].column:
                line -= 1  # a comment right above an entry, at its indentation, belongs to it
                above = self.lines[line - 1] if line > 0 else ""
        else:
            line = present[-1].end if present else len(self.lines)
        self.edit(line, line, new_lines)

    def sequence_insert(self, entry: Entry, old: Any, new: Any) -> bool:
        """Insert the new items of a block list whose old items all stay, in order; False if it is not that."""
        if not (_block_sequence(entry.node) and isinstance(old, list) and isinstance(new, list)):
            return False
        if [item for item in new if item in old] != old or len(new) - len(old) != len([i for i in new if i not in old]):
            return False
        assert isinstance(entry.node, yaml.SequenceNode)
        items = entry.node.value
        first_line = self.lines[items[0].start_mark.line]
        dash = first_line.index("-")
        starts = [item.start_mark.line for item in items] + [entry.end]
        position = 0
        for item in new:
            if item in old:
                position += 1
                continue
            text = yamlio.dump([item])
            yamlio.check_round_trip(text, [item], "tags")
            shifted = indented(text.splitlines(keepends=True), dash - text.index("-"))
            assert shifted is not None
            self.edit(starts[position], starts[position], shifted)
        return True

    def result(self) -> str:
        lines = list(self.lines)
        for start, _, _, end, new_lines in sorted(self.edits, reverse=True):
            lines[start:end] = new_lines
        return "".join(lines)


def splice(text: str, old: dict[str, Any], new: dict[str, Any], render: Render = fresh_entry) -> str:
    """`text` (which reads as `old`) edited to read as `new`, changing only the entries that differ."""
    editor = _Editor(text, render)
    if not isinstance(editor.root, yaml.MappingNode) or editor.root.flow_style:
        raise SpliceError("the spec is not a block mapping at the top level")
    editor.mapping((), editor.root, len(editor.lines), old, new, 0)
    result = editor.result()
    if yamlio.load(result) != new:
        raise SpliceError("the edited spec does not read back as the intended document; report this as a bug")
    return result
