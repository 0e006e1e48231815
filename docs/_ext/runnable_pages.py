"""Run the Python code of documentation pages and compare what it prints with the page.

A page's ```` ```python ```` blocks run in order, in one namespace, in the current directory
(figures the code writes land there). A block that prints must be followed directly by a
```` ```text ```` block holding exactly what it prints (trailing spaces and blank lines aside);
a block that prints nothing must not be. Other fences (``console``, ``{code-block}``) are shown
but not run.

The test suite runs every page with `check_page`; the documentation build runs the tutorial in
``docs/_generated`` so that its figures come from the very code the pages show.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]

_FENCE = re.compile(r"^```(?P<lang>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.S | re.M)


@dataclass(frozen=True)
class Block:
    """One ```` ```python ```` block, the output the page shows for it, and where it starts."""

    code: str
    expected: str | None
    line: int


def python_blocks(text: str) -> list[Block]:
    """The page's Python blocks, each with the ```` ```text ```` block right after it, if any."""
    fences = list(_FENCE.finditer(text))
    blocks = []
    for i, fence in enumerate(fences):
        if fence.group("lang").strip() != "python":
            continue
        expected = None
        if i + 1 < len(fences):
            after = fences[i + 1]
            between = text[fence.end() : after.start()]
            if after.group("lang").strip() == "text" and not between.strip():
                expected = after.group("body")
        line = text.count("\n", 0, fence.start()) + 1
        blocks.append(Block(fence.group("body"), expected, line))
    return blocks


def _normalized(output: str) -> str:
    return "\n".join(line.rstrip() for line in output.splitlines()).strip("\n")


class PageOutputError(AssertionError):
    """A block printed something other than what its page shows."""


def check_page(path: Path) -> int:
    """Run ``path``'s Python blocks; raise `PageOutputError` at the first differing output.

    Returns the number of blocks run.
    """
    namespace: dict[str, object] = {"__name__": f"docs.{path.stem}"}
    blocks = python_blocks(path.read_text(encoding="utf-8"))
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = compile(block.code, f"{path}:{block.line}", "exec")
            exec(code, namespace)
        printed = _normalized(out.getvalue())
        if block.expected is None:
            if printed:
                raise PageOutputError(
                    f"{path.name}, block at line {block.line} prints\n{printed}\n"
                    "but no ```text block follows it"
                )
            continue
        if printed != _normalized(block.expected):
            raise PageOutputError(
                f"{path.name}, block at line {block.line}: the page shows\n"
                f"{_normalized(block.expected)}\nbut the code prints\n{printed}"
            )
    return len(blocks)


def tutorial_pages() -> list[Path]:
    """The tutorial's chapters, in order."""
    return sorted((DOCS / "tutorial").glob("[0-9]*.md"))


def runnable_pages() -> list[Path]:
    """Every page with Python blocks: the tutorial's chapters, then the other pages."""
    others = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)
    pages = tutorial_pages() + [p for p in others if p not in tutorial_pages()]
    return [p for p in pages if python_blocks(p.read_text(encoding="utf-8"))]
