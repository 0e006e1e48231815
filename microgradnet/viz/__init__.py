"""Drawings of computation graphs with Graphviz.

`draw_graph` turns everything an output depends on into a `graphviz.Digraph`: a record per value
(name, data, gradient; for a tensor also shape and dtype) and a small node per operation, coloured
by role, with NaN or infinity in red and zero gradients in grey. Given the model, parameters carry
their dotted names and each module's operations sit in a cluster, or in a single box with
``collapse``. `to_dot` gives the DOT text; `render` writes a picture, falling back to a
WebAssembly Graphviz for SVG where the ``dot`` program is not installed.

Import it explicitly (``import microgradnet.viz``); ``import microgradnet`` does not load Graphviz.

>>> from microgradnet import Value
>>> from microgradnet.viz import to_dot
>>> x = Value(3.0, label="x")
>>> dot = to_dot(x * x, legend=False)
>>> dot.count("->")  # x to mul (twice: x * x reads x twice), mul to its output
3
"""

from .draw import DEFAULT_MAX_NODES, draw_graph, render, to_dot
from .draw_dot import draw_dot
from .pictures import Drawing, GraphvizNotFound, svg_without_dot

__all__ = [
    "DEFAULT_MAX_NODES",
    "Drawing",
    "GraphvizNotFound",
    "draw_dot",
    "draw_graph",
    "render",
    "svg_without_dot",
    "to_dot",
]
