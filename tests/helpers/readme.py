"""The README's fenced code blocks, with the marker comment before each and the section it is in.

A marker is an HTML comment on the line just before the opening fence (invisible on GitHub):

- ``<!-- README sketch: WHY -->``: the block is not run, on purpose; the README test reports
  it as skipped with WHY (a synopsis, a command that installs or runs forever);
- a marker naming ``run by tests/...py``: that test file runs the block (it finds it by the
  marker's text), and the README test checks the file exists and holds the marker;
- any other block is run by the README test, by its language (tests/product/test_readme.py).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import ROOT

README = ROOT / "README.md"
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_MARKER = re.compile(r"^\s*<!-- README (?P<text>.*?) -->\s*$")
_SKETCH = re.compile(r"^sketch: (?P<why>.+)$")
_RUN_BY = re.compile(r"\brun by (?P<path>tests/\S+\.py)\b")


@dataclass(frozen=True)
class Block:
    """One fenced code block of the README."""

    line: int
    """The line number of its opening fence."""
    language: str
    """The first word of its info string ("python", "sh"...), "" when untagged."""
    code: str
    marker: str | None
    """The marker comment just before it, whole, or None."""
    section: str

    @property
    def sketch(self) -> str | None:
        """Why the block is not run, when its marker says it is a sketch."""
        found = _SKETCH.match(self._marker_text)
        return found["why"] if found else None

    @property
    def run_by(self) -> Path | None:
        """The test file that runs the block, when its marker names one."""
        found = _RUN_BY.search(self._marker_text)
        return ROOT / found["path"] if found else None

    @property
    def _marker_text(self) -> str:
        found = _MARKER.match(self.marker or "")
        return found["text"] if found else ""

    @property
    def name(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.section.lower()).strip("-")
        return f"{slug}-line{self.line}-{self.language or 'text'}"


def blocks(path: Path = README) -> list[Block]:
    """Every fenced block of `path`, in order (CommonMark fences: ``` or ~~~, indented up to 3 spaces)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    section = "top"
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = _FENCE.match(line)
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = next((at for at in range(index + 1, len(lines)) if closing.match(lines[at])), len(lines))
        body = "\n".join(text[indent:] if text[:indent].isspace() else text for text in lines[index + 1 : end])
        before = next((lines[at] for at in range(index - 1, -1, -1) if lines[at].strip()), "")
        found.append(
            Block(
                line=index + 1,
                language=opening["info"].strip().split(" ")[0] if opening["info"].strip() else "",
                code=textwrap.dedent(body) + "\n",
                marker=before.strip() if _MARKER.match(before) else None,
                section=section,
            )
        )
        index = end + 1
    return found


def block_after(marker: str) -> Block:
    """The block whose marker is `marker` (for the tests that run one themselves)."""
    matching = [block for block in blocks() if block.marker == marker]
    assert len(matching) == 1, f"{len(matching)} README blocks have the marker {marker!r}"
    return matching[0]
