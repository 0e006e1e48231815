"""Every Python code block of the README runs, in order, in one namespace."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_examples_run() -> None:
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert blocks, "the README shows no Python example"
    namespace: dict[str, object] = {"__name__": "readme"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    assert "dout/dw1=" in out.getvalue()
