"""The README's "Checking your gradients" example prints the failure report its comment shows.

(tests/test_readme.py runs every block of the README; this checks what this one prints.)
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Checking your gradients"


def section_example() -> str:
    """The Python block of the README section on checking gradients."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    found = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert found is not None, f"the README section {SECTION!r} shows no Python example"
    return found[1]


def shown_output(code: str) -> str:
    """The comment lines that end the block: the printed report, wrapped."""
    lines = code.rstrip("\n").splitlines()
    shown: list[str] = []
    while lines and lines[-1].startswith("# "):
        shown.insert(0, lines.pop().removeprefix("# "))
    assert shown, "the example does not show what it prints"
    return " ".join(shown)


def test_the_readme_example_prints_the_report_it_shows() -> None:
    code = section_example()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "readme"})
    assert out.getvalue().strip() == shown_output(code)
