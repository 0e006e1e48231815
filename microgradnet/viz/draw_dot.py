"""`draw_dot`: micrograd's drawing of a `Value` graph, with micrograd's signature and look.

For the richer drawings (names of parameters, modules as clusters, colours by role, tensors) use
`draw_graph`; this one draws what micrograd's lecture draws, so its figures can be remade as they
are.
"""

from __future__ import annotations

from typing import cast

import graphviz

from ..engine import topological_order
from ..value import Value


def draw_dot(root: Value, format: str = "svg", rankdir: str = "LR") -> graphviz.Digraph:  # noqa: A002 - micrograd's name
    """Draw ``root`` and every `Value` it depends on, as micrograd's ``draw_dot`` does.

    Each value is a record ``{ data 3.0000 | grad 1.0000 }`` (``{ a | data ... | grad ... }``,
    the lecture's look, once any value in the graph has a label); each value an operation made
    has a small node before it holding the operation's label, its ``_op`` (``+``, ``*``,
    ``ReLU``, ...), with an edge from each input's record to it and one from it to the result.
    Numbers show four decimals. The nodes are named as micrograd names them: ``str(id(value))``
    for a record and that name followed by ``_op`` for its operation. The records come root
    first, then depth first (the engine's one traversal, `topological_order`, in preorder), so
    the same graph gives the same DOT text.

    Parameters
    ----------
    root : Value
        The value to draw, usually a loss or a neuron's output.
    format : str
        The output format that ``render`` and ``pipe`` of the result produce ('svg', 'png', ...).
    rankdir : {'LR', 'TB'}
        Left to right (inputs on the left) or top to bottom.

    Returns
    -------
    graphviz.Digraph
        The drawing; in a notebook it shows itself, ``render(name)`` writes a file (that needs
        Graphviz's ``dot`` program; `microgradnet.viz.render` draws SVG without it).

    Examples
    --------
    >>> from microgradnet import Value
    >>> from microgradnet.viz import draw_dot
    >>> x = Value(1.0)
    >>> y = (x * 2 + 1).relu()
    >>> y.backward()
    >>> dot = draw_dot(y)
    >>> type(dot).__name__, dot.graph_attr["rankdir"]
    ('Digraph', 'LR')
    >>> sum("shape=record" in line for line in dot.body)  # x, 2, x * 2, 1, x * 2 + 1 and y
    6
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"draw_dot: expected a Value, got a {type(root).__name__}; "
            "for tensors use microgradnet.viz.draw_graph"
        )
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"draw_dot: rankdir must be 'LR' or 'TB', not {rankdir!r}")
    # The root first, depth first; a Value's graph holds only Values.
    nodes = cast("list[Value]", topological_order([root], every=True, preorder=True))
    # x * x reads x twice: one edge, as in micrograd
    edges = [(x, v) for v in nodes if v._ctx is not None for x in dict.fromkeys(v._ctx.parents)]
    labelled = any(v.label for v in nodes)
    dot = graphviz.Digraph(format=format, graph_attr={"rankdir": rankdir})
    for v in nodes:
        uid = str(id(v))
        fields = [_escape(v.label)] if labelled else []
        fields += [f"data {v.data:.4f}", f"grad {v.grad:.4f}"]
        dot.node(name=uid, label="{ " + " | ".join(fields) + " }", shape="record")
        if v._op:
            dot.node(name=uid + v._op, label=v._op)
            dot.edge(uid + v._op, uid)
    for child, v in edges:
        dot.edge(str(id(child)), str(id(v)) + v._op)
    return dot


def _escape(text: str) -> str:
    """``text`` as one field of a Graphviz record: its structural characters escaped."""
    return "".join("\\" + c if c in '{}|<>"\\' else c for c in text)
