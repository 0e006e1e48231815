"""Drawings of computation graphs, the backpropagation explorer, and model summaries.

`draw_graph` turns everything an output depends on into a `graphviz.Digraph`: a record per value
(name, data, gradient; for a tensor also shape and dtype) and a small node per operation, coloured
by role, with NaN or infinity in red and zero gradients in grey. Given the model, parameters carry
their dotted names and each module's operations sit in a cluster, or in a single box with
``collapse``. `to_dot` gives the DOT text; `render` writes a picture in the format of the file's
suffix. SVG works without Graphviz's ``dot`` program too: through WebAssembly Graphviz
(``microgradnet[svg]``) or a small pure-Python layout, so notebooks show drawings from the default
install. `explore` writes a web page that steps through the forward and the backward pass;
`summary` tabulates a model's layers, output shapes and parameters.

``mg.viz`` loads on first use; ``import microgradnet`` alone does not load Graphviz.

>>> from microgradnet import Value
>>> from microgradnet.viz import to_dot
>>> x = Value(3.0, label="x")
>>> dot = to_dot(x * x, legend=False)
>>> dot.count("->")  # x to mul (twice: x * x reads x twice), mul to its output
3
"""

from .draw import DEFAULT_MAX_NODES, draw_graph, render, to_dot
from .draw_dot import draw_dot
from .explore import Explorer, explore
from .pictures import Drawing, GraphvizNotFound, svg_without_dot
from .summary import Summary, summary

__all__ = [
    "DEFAULT_MAX_NODES",
    "Drawing",
    "Explorer",
    "GraphvizNotFound",
    "Summary",
    "draw_dot",
    "draw_graph",
    "explore",
    "render",
    "summary",
    "svg_without_dot",
    "to_dot",
]
