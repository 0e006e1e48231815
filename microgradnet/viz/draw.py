"""`draw_graph` and `to_dot`: a computation graph as a Graphviz drawing.

Each value is a record (its name, for a tensor its shape and dtype, its data and its gradient);
each operation a small ellipse between its inputs and its output. Colours give the roles, red
flags NaN or infinity, grey a gradient that is exactly zero.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from ..engine import Node
from . import labels
from .dot_writer import write_dot
from .drawing_plan import DrawingPlan, PlannedCluster, PlannedEdge, PlannedNode
from .pictures import Drawing, pipe
from .walk import (
    INPUT,
    INTERMEDIATE,
    OUTPUT,
    PARAMETER,
    ModuleMap,
    Walk,
    ancestors,
    depth,
    label_of,
    roles,
    scopes,
    walk,
)

#: The most nodes a drawing may have unless ``max_nodes`` says otherwise.
DEFAULT_MAX_NODES = 5000
#: Above this many nodes, ``dot`` gets one round of network simplex per phase (``nslimit``):
#: long chains such as a sum over a batch otherwise take it minutes instead of a second.
LARGE_DRAWING = 300

_FONT = "Helvetica"
_STYLE: dict[str, dict[str, str]] = {
    INPUT: {"fillcolor": "#dcebf8", "color": "#5b86b0"},
    PARAMETER: {"fillcolor": "#fde3bf", "color": "#c47a12"},
    INTERMEDIATE: {"fillcolor": "#ffffff", "color": "#8a8a8a"},
    OUTPUT: {"fillcolor": "#d3efd3", "color": "#3b8f3b", "penwidth": "2"},
    "op": {
        "shape": "ellipse",
        "fillcolor": "#efefef",
        "color": "#a0a0a0",
        "fontsize": "9",
        "margin": "0.04,0.02",
        "height": "0.3",
    },
    "module": {"shape": "box3d", "fillcolor": "#e4dcf2", "color": "#76609e"},
    "nonfinite": {"fillcolor": "#fde2e2", "color": "#d62728", "fontcolor": "#b2181b"},
    "zero": {"fillcolor": "#f5f5f5", "color": "#c2c2c2", "fontcolor": "#9b9b9b"},
}
_LEGEND = (
    (INPUT, "input or constant"),
    (PARAMETER, "parameter"),
    (INTERMEDIATE, "intermediate result"),
    (OUTPUT, "output"),
    ("op", "operation"),
    ("nonfinite", "NaN or infinity"),
    ("zero", "zero gradient"),
)
# Clusters darken a little with each level of nesting.
_CLUSTER_FILLS = ("#f9f7fc", "#f1edf8", "#e9e3f3", "#e1d9ef")


def draw_graph(
    root: Node,
    *,
    model: Any = None,
    rankdir: str | None = None,
    show_data: bool = True,
    show_grad: bool = True,
    max_nodes: int | None = None,
    collapse: Collection[str] | int = (),
    grad_edges: bool = False,
    shapes: bool = False,
    legend: bool = False,
) -> Drawing:
    """Draw everything ``root`` depends on as a Graphviz graph.

    Parameters
    ----------
    root : Tensor or Value
        The output whose graph to draw (a loss, usually after ``backward()`` so that gradients
        show).
    model : Module, optional
        Names parameters by their dotted paths (``layers.0.weight``) and groups the operations
        each module ran into a cluster titled with its path and class, nested as the modules are.
    rankdir : {'TB', 'LR', 'BT', 'RL'}, optional
        The direction in which the computation flows; by default top to bottom for tensors
        (records stack their fields, so a layer of tensors stays narrow) and left to right for
        `Value`s, as micrograd draws them.
    show_data, show_grad : bool
        Show each value's data, and its gradient where one is kept (every `Value`; leaf tensors
        and tensors that ``retain_grad()``).
    max_nodes : int, optional
        Refuse (`ValueError`) to draw more nodes than this; None means `DEFAULT_MAX_NODES`
        (5000), which stops an accidental drawing of a huge graph. Pass a larger number to draw
        one anyway, or ``collapse`` modules.
    collapse : collection of str, or int
        Modules drawn as single boxes, with all they contain: their paths (``('layers.0',)``),
        or a depth (``1``: each child of the model). Needs ``model``.
    grad_edges : bool
        Make each edge as wide as the norm of the gradient of the value at its end (relative to
        the largest), to show where gradient flows.
    shapes : bool
        Write the shape of each tensor on the edges that carry it.
    legend : bool
        Add a legend of the colours (they are listed below).

    Returns
    -------
    Drawing
        A `graphviz.Digraph`: ``.source`` is the DOT text, ``.pipe(format='svg')`` and
        ``.render()`` make pictures, and notebooks show it inline.

    Notes
    -----
    Colours: blue records are inputs and constants, orange ones parameters, white ones
    intermediate results, the green one the output, grey ellipses operations. A record holding
    NaN or infinity is red; one whose gradient is exactly zero is grey. Module clusters are
    titled with the module's path, class and parameter count.

    A drawing of more than `LARGE_DRAWING` (300) nodes asks ``dot`` for a quicker, rougher
    layout (``nslimit=1``), so that a collapsed model over a batch lays out in seconds.

    Examples
    --------
    >>> from microgradnet import Value
    >>> from microgradnet.viz import draw_graph
    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> y = (x * w).tanh()
    >>> y.backward()
    >>> drawing = draw_graph(y, legend=False)
    >>> 'v0 [label="x|data 2|grad -7.373e-05"' in drawing.source
    True
    """
    plan = plan_drawing(
        root,
        model=model,
        collapse=collapse,
        max_nodes=max_nodes,
        show_data=show_data,
        show_grad=show_grad,
    )
    return write_dot(
        plan.layout(
            rankdir=default_rankdir(root, rankdir),
            grad_edges=grad_edges,
            shapes=shapes,
            legend=legend,
        )
    )


def default_rankdir(root: Node, rankdir: str | None) -> str:
    """``rankdir``, checked; by default ``'TB'`` for tensors and ``'LR'`` for `Value`s."""
    if rankdir is None:
        return "LR" if isinstance(root, Node) and root.holds_float else "TB"
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'TB', 'LR', 'BT' or 'RL', not {rankdir!r}")
    return rankdir


def plan_drawing(
    root: Node,
    *,
    model: Any,
    collapse: Collection[str] | int,
    max_nodes: int | None,
    show_data: bool = True,
    show_grad: bool = True,
    grads: list[Any] | None = None,
) -> _Plan:
    """Walk ``root``'s graph and place every value; refuse more than ``max_nodes`` nodes.

    ``grads`` replaces the gradients read from the values (the explorer passes those of its own
    backward pass).
    """
    w = walk(root)
    modules = None if model is None else ModuleMap(model, collapse)
    if modules is None and collapse not in ((), [], set()):
        raise ValueError("draw_graph: collapse needs model= to know the modules")
    plan = _Plan(w, modules, show_data=show_data, show_grad=show_grad, grads=grads)
    limit = DEFAULT_MAX_NODES if max_nodes is None else max_nodes
    if plan.n_nodes > limit:
        hint = (
            "pass collapse= (module paths, or a depth such as 1) to draw modules as boxes"
            if modules is not None
            else "pass model= and collapse= to draw modules as boxes"
        )
        raise ValueError(
            f"draw_graph: the graph has {plan.n_nodes} nodes, more than max_nodes={limit}; "
            f"{hint}, or a larger max_nodes"
        )
    return plan


def to_dot(root: Node, **options: Any) -> str:
    """The DOT text of `draw_graph` (same options); needs no Graphviz program.

    Examples
    --------
    >>> from microgradnet import Value
    >>> to_dot(Value(1.0) + 2.0, legend=False).splitlines()[0]
    'digraph computation {'
    """
    source: str = draw_graph(root, **options).source
    return source


def render(
    root: Node | graphviz.Digraph,
    path: str | os.PathLike[str],
    format: str | None = None,  # noqa: A002 - graphviz's name
    **options: Any,
) -> Path:
    """Write a picture of ``root``'s graph (or of a drawing) to ``path``; return the path.

    The format comes from the file's suffix (``g.png`` is a PNG); a path without one gets
    ``.svg`` (or ``.<format>``). SVG always works (through ``dot``, the WebAssembly Graphviz of
    ``microgradnet[svg]``, or the pure-Python layout); other formats need Graphviz's ``dot`` and
    raise `GraphvizNotFound`, saying how to install it, where it is missing.

    Parameters
    ----------
    root : Tensor, Value or graphviz.Digraph
        What to draw: an output (drawn with `draw_graph` and ``options``) or a finished drawing.
    path : str or path-like
        The file to write.
    format : str, optional
        ``'svg'``, ``'png'``, ``'pdf'``, or any other format ``dot`` knows; when given, it must
        agree with the suffix of ``path``.
    **options
        Passed to `draw_graph`.

    Raises
    ------
    ValueError
        For a format Graphviz does not know, or one that contradicts the suffix.
    GraphvizNotFound
        For a format other than SVG where ``dot`` is not installed.
    """
    out = Path(path)
    suffix = out.suffix[1:].lower()
    if format is not None and suffix and format.lower() != suffix:
        raise ValueError(
            f"render: format={format!r} does not match the suffix of {out.name!r}; "
            "drop format= (the suffix decides) or change the file name"
        )
    fmt = (format or suffix or "svg").lower()
    if fmt not in graphviz.FORMATS:
        raise ValueError(
            f"render: cannot write {out.name!r}: {fmt!r} is not a Graphviz output format "
            "(svg, png, pdf, jpg, ...)"
        )
    if not suffix:
        out = out.with_name(f"{out.name}.{fmt}")
    if isinstance(root, graphviz.Digraph):
        if options:
            raise TypeError(f"render: options {sorted(options)} apply only when drawing a node")
        drawing = root
    else:
        drawing = draw_graph(root, **options)
    out.write_bytes(pipe(drawing, fmt))
    return out


def _grad_of(v: Node) -> Any:
    """The gradient a drawing can show for ``v``, or None where none is kept."""
    if v.holds_float:
        return v.grad if v.requires_grad else None
    return None if v.grad is None else v.grad.data


def _finite(x: Any) -> bool:
    """Whether a number or every element of an array is finite."""
    if isinstance(x, float):
        return math.isfinite(x)
    return bool(np.all(np.isfinite(x)))


def _zero(x: Any) -> bool:
    """Whether a number or every element of an array is exactly zero."""
    if isinstance(x, float):
        return x == 0.0
    return not np.any(x)


class _Plan:
    """Where each value and operation goes, and how it looks: `layout` gives the `DrawingPlan`
    that `write_dot` turns into DOT."""

    def __init__(
        self,
        w: Walk,
        modules: ModuleMap | None,
        *,
        show_data: bool,
        show_grad: bool,
        grads: list[Any] | None = None,
    ):
        self.w = w
        self.modules = modules
        self.show_data = show_data
        self.show_grad = show_grad
        self.roles = roles(w, None if modules is None else modules.params)
        self.grads = [_grad_of(v) for v in w.values] if grads is None else grads
        #: With ``ids``, the DOT id of the edge drawn for input ``j`` of the op making value
        #: ``i`` (``j = -1``: the op to its output), keyed ``(i, j)``; None inside a box.
        self.edge_ids: dict[tuple[int, int], str | None] = {}
        self.ids = False
        self.nonfinite = [
            not _finite(v.data) or (g is not None and not _finite(g))
            for v, g in zip(w.values, self.grads)
        ]
        known_zero = [g is not None and _zero(g) for g in self.grads]
        any_gradient = any(g is not None and not z for g, z in zip(self.grads, known_zero))
        # Before any backward every gradient is zero: grey only once some gradient is not.
        self.zero = [z and any_gradient for z in known_zero]
        n = len(w.values)
        self.scope: list[str | None] = [None] * n if modules is None else scopes(w, modules)
        self.box: list[str | None] = [None] * n
        if modules is not None and modules.collapsed:
            self.box = [None if s is None else modules.box(s) for s in self.scope]
        boxes = {b for b in self.box if b is not None}
        shown = sum(1 + (v._ctx is not None) for v, b in zip(w.values, self.box) if b is None)
        self.n_nodes = shown + len(boxes)

    # -- nodes ----------------------------------------------------------------------------
    def _value_fields(self, i: int) -> tuple[str, ...]:
        v = self.w.values[i]
        name = None if self.modules is None else self.modules.params.get(id(v))
        name = name or label_of(v)
        fields = [name] if name else []
        if not v.holds_float:
            fields.append(f"{v.shape} {v.data.dtype}")
        if self.show_data:
            fields.append("data " + labels.summary(v.data))
        if self.show_grad and self.grads[i] is not None:
            fields.append("grad " + labels.summary(self.grads[i]))
        return tuple(fields or [""])

    def _value_style(self, i: int) -> dict[str, str]:
        style = dict(_STYLE[self.roles[i]])
        if self.nonfinite[i]:
            style.update(_STYLE["nonfinite"])
        elif self.zero[i]:
            style.update(_STYLE["zero"])
        return style

    def _op_text(self, i: int) -> str:
        op = self.w.values[i]._ctx
        assert op is not None
        extra = op.extra_repr()
        return op.name + (f"\n{extra}" if extra else "")

    def _box_text(self, path: str) -> str:
        assert self.modules is not None
        members = [i for i, b in enumerate(self.box) if b == path]
        n_ops = sum(1 for i in members if self.w.values[i]._ctx is not None)
        title = _title(path, self.modules)
        return f"{title}\n{n_ops} operations"

    # -- ids --------------------------------------------------------------------------------
    def _value_id(self, i: int) -> str:
        b = self.box[i]
        return f"v{i}" if b is None else self._box_id(b)

    def _op_id(self, i: int) -> str:
        b = self.box[i]
        return f"o{i}" if b is None else self._box_id(b)

    def _box_id(self, path: str) -> str:
        assert self.modules is not None
        return f"m{self.modules.order.index(path)}"

    # -- the plan ---------------------------------------------------------------------------
    def layout(
        self,
        *,
        rankdir: str,
        grad_edges: bool = False,
        shapes: bool = False,
        legend: bool = False,
        ids: bool = False,
    ) -> DrawingPlan:
        """Every node, cluster and edge with its looks; ``ids`` gives each an SVG id."""
        self.ids = ids
        plan = DrawingPlan(
            name="computation",
            graph_attr={
                "rankdir": rankdir,
                "fontname": _FONT,
                "fontsize": "11",
                "nodesep": "0.25",
                "ranksep": "0.35",
            },
            node_attr={
                "shape": "record",
                "style": "filled",
                "fontname": _FONT,
                "fontsize": "10",
                "height": "0.3",
            },
            edge_attr={"color": "#666666", "arrowsize": "0.6"},
            vertical=rankdir in ("LR", "RL"),
        )
        if self.n_nodes > LARGE_DRAWING:
            plan.graph_attr.update(nslimit="1", nslimit1="1")
        if legend:
            plan.legend = self._legend()
        clusters = self._clusters()

        def nodes_in(path: str | None) -> list[PlannedNode]:
            return plan.nodes if path is None else clusters[path].nodes

        for i, v in enumerate(self.w.values):
            if self.box[i] is not None:
                continue
            where = nodes_in(self.scope[i] if self.scope[i] in clusters else None)
            where.append(
                PlannedNode(
                    f"v{i}", self._value_fields(i), self._value_style(i) | self._id(f"v{i}")
                )
            )
            if v._ctx is not None:
                where.append(
                    PlannedNode(f"o{i}", self._op_text(i), _STYLE["op"] | self._id(f"o{i}"))
                )
        for path in dict.fromkeys(b for b in self.box if b is not None):
            style = dict(_STYLE["module"])
            if any(n for n, b in zip(self.nonfinite, self.box) if b == path):
                style.update(_STYLE["nonfinite"], shape="box3d")
            box = self._box_id(path)
            nodes_in(self._enclosing_cluster(path)).append(
                PlannedNode(box, self._box_text(path), style | self._id(box))
            )
        plan.clusters = self._nest(clusters)
        plan.edges = self._edges(grad_edges, shapes)
        return plan

    def _id(self, name: str) -> dict[str, str]:
        return {"id": name} if self.ids else {}

    def _enclosing_cluster(self, path: str) -> str | None:
        """The module cluster a collapsed module's box sits in (None: the top level)."""
        return path.rpartition(".")[0] if path else None

    def _clusters(self) -> dict[str, PlannedCluster]:
        """An empty cluster for every module that holds something drawn (or holds one that
        does), keyed by path."""
        if self.modules is None:
            return {}
        used: set[str] = set()
        for s, b in zip(self.scope, self.box):
            start = s if b is None else self._enclosing_cluster(b)
            if start is not None:
                used.update(_ancestors_in(start, self.modules))
        result: dict[str, PlannedCluster] = {}
        for k, path in enumerate(self.modules.order):
            if path in used and path not in self.modules.collapsed:
                result[path] = PlannedCluster(
                    f"cluster_m{k}",
                    {
                        "label": _title(path, self.modules),
                        "style": "rounded,filled",
                        "color": "#9d8fc0",
                        "fillcolor": _CLUSTER_FILLS[min(depth(path), len(_CLUSTER_FILLS) - 1)],
                        "labeljust": "l",
                        "fontsize": "10",
                        "fontcolor": "#4b3b73",
                        "margin": "10",
                    }
                    | self._id(f"cluster_m{k}"),
                )
        return result

    def _nest(self, clusters: dict[str, PlannedCluster]) -> list[PlannedCluster]:
        """Put each cluster inside its parent's, children in model order; the top ones."""
        assert self.modules is not None or not clusters
        paths = [p for p in (self.modules.order if self.modules else []) if p in clusters]
        top: list[PlannedCluster] = []
        for p in paths:
            parent = next((a for a in _ancestors_in(p, self.modules) if a != p), None)
            (top if parent not in clusters else clusters[parent].children).append(clusters[p])
        return top

    def _edges(self, grad_edges: bool, shapes: bool) -> list[PlannedEdge]:
        """Input to operation to output; edges at a collapsed box merge, edges inside one go."""
        norms = [_norm(gr) for gr in self.grads]
        merged: dict[tuple[str, str], float] = {}
        plain: list[tuple[str, str, int]] = []  # the value carried: its index
        for i, v in enumerate(self.w.values):
            if v._ctx is None:
                continue
            op = self._op_id(i)
            pairs = [
                (self._value_id(self.w.index[id(p)]), op, self.w.index[id(p)], j)
                for j, p in enumerate(v._ctx.parents)
            ]
            pairs.append((op, self._value_id(i), i, -1))
            for tail, head, carried, j in pairs:
                if tail == head:
                    self.edge_ids[(i, j)] = None
                elif tail[0] == "m" or head[0] == "m":
                    norm = norms[carried]
                    merged[(tail, head)] = merged.get((tail, head), 0.0) + (norm or 0.0) ** 2
                    self.edge_ids[(i, j)] = f"{tail}_{head}"
                else:
                    self.edge_ids[(i, j)] = f"e{len(plain)}"
                    plain.append((tail, head, carried))
        edges: list[tuple[str, str, float | None, dict[str, str]]] = []
        for k, (tail, head, carried) in enumerate(plain):
            attrs = self._id(f"e{k}")
            value = self.w.values[carried]
            if shapes and not value.holds_float:
                attrs["label"] = " " + "x".join(map(str, value.shape))
                attrs["fontsize"] = "8"
            edges.append((tail, head, norms[carried], attrs))
        for (tail, head), total in merged.items():
            edges.append((tail, head, math.sqrt(total), self._id(f"{tail}_{head}")))
        widest = max((n for _, _, n, _ in edges if n is not None), default=0.0)
        for _, _, norm, attrs in edges:
            if grad_edges and norm is not None and widest > 0:
                attrs["penwidth"] = f"{0.6 + 3.4 * math.sqrt(norm / widest):.2f}"
        return [PlannedEdge(tail, head, attrs) for tail, head, _, attrs in edges]

    def _legend(self) -> PlannedCluster:
        """One row of small swatches, for the colours this drawing uses."""
        legend = PlannedCluster(
            "cluster_legend",
            {
                "label": "legend",
                "style": "rounded",
                "color": "#cccccc",
                "margin": "4",
                "fontsize": "8",
                "rank": "same",
            },
        )
        used = set(self.roles) | {"op"}
        if any(self.nonfinite):
            used.add("nonfinite")
        if any(self.zero):
            used.add("zero")
        items = [(key, text) for key, text in _LEGEND if key in used]
        if any(b is not None for b in self.box):
            items.append(("module", "collapsed module"))
        for k, (key, text) in enumerate(items):
            style = dict(_STYLE[INTERMEDIATE]) | _STYLE[key]
            style.update(fontsize="8", height="0.2", margin="0.04,0.02")
            legend.nodes.append(PlannedNode(f"legend{k}", text, style))
        return legend


def _norm(grad: Any) -> float | None:
    """The size of a gradient (absolute value, or 2-norm of an array); None if not finite."""
    if grad is None:
        return None
    n = abs(grad) if isinstance(grad, float) else float(np.linalg.norm(grad))
    return n if math.isfinite(n) else None


def _title(path: str, modules: ModuleMap) -> str:
    """``0: Linear(in_features=3, ...)`` and, below, its parameter count (when it has any)."""
    module = modules.modules[path]
    text = labels.short_repr(module)
    title = f"{path}: {text}" if path else text
    count = labels.parameter_count(module)
    return f"{title}\n{count:,} parameters" if count else title


def _ancestors_in(path: str, modules: ModuleMap | None) -> list[str]:
    """``path`` and the modules around it that the model has, innermost first."""
    assert modules is not None
    return [p for p in ancestors(path) if p in modules.modules]
