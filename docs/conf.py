"""Sphinx configuration of microgradnet's documentation (furo theme, MyST Markdown pages).

Before reading the pages, the build draws the graph pictures (``make_images.py``) and runs the
Python code of every page in ``_generated/`` (``_ext/runnable_pages.py``), which checks what the
code prints against the page and leaves there the figures the tutorial's code writes.
"""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path
from typing import Any, Generic

from sphinx.application import Sphinx

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS.parent), str(DOCS), str(DOCS / "_ext")]

import make_images  # noqa: E402 - needs the path above
import runnable_pages  # noqa: E402

import microgradnet  # noqa: E402

project = "microgradnet"
author = "the microgradnet authors"
copyright = "the microgradnet authors"  # noqa: A001 - Sphinx's name
release = version = microgradnet.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "_generated", "_ext", "images"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# Single backquotes in docstrings name Python objects, as in numpy's documentation.
default_role = "py:obj"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False

html_theme = "furo"
html_title = f"microgradnet {release}"
html_static_path: list[str] = []


# Docstrings write plurals as `Tensor`s; reStructuredText wants an escaped space after the quote.
_QUOTED = re.compile(r"(``[^`]+``|`[^`]+`)([A-Za-z0-9]?)")


def _unglued(match: re.Match[str]) -> str:
    quoted, glued = match.groups()
    return f"{quoted}\\ {glued}" if glued else quoted


def _unglue(app: Sphinx, what: str, name: str, obj: object, opts: object, lines: list[str]) -> None:
    """Let a backquoted name be followed directly by letters (`Value`s) in docstrings."""
    lines[:] = [_QUOTED.sub(_unglued, line) for line in lines]


def _public(base: Any) -> list[Any]:
    """``base``, or where it is private (``_Loss``, ``_Declared``), its own public bases."""
    origin = getattr(base, "__origin__", base)
    if not getattr(origin, "__name__", "").startswith("_"):
        return [base]
    return [b for parent in origin.__bases__ if parent is not Generic for b in _public(parent)]


def _public_bases(app: Sphinx, name: str, obj: type, opts: object, bases: list[Any]) -> None:
    """Show a class's public bases: a private one gives way to its own public bases."""
    shown = [b for base in bases for b in _public(base)]
    bases[:] = list(dict.fromkeys(shown)) or [object]


def _generate(app: Sphinx) -> None:
    """Draw the pictures and run every page's code, which writes the tutorial's figures."""
    make_images.main()
    generated = DOCS / "_generated"
    generated.mkdir(exist_ok=True)
    with contextlib.chdir(generated):
        for page in runnable_pages.runnable_pages():
            runnable_pages.check_page(page)


def setup(app: Sphinx) -> dict[str, bool]:
    app.connect("builder-inited", _generate)
    app.connect("autodoc-process-docstring", _unglue)
    app.connect("autodoc-process-bases", _public_bases)
    return {"parallel_read_safe": True}
