"""`explore`: a web page that steps through the forward pass and then the backward pass.

The page is one self-contained HTML file: the drawing as SVG, the numbers as JSON, and a small
inline script and style sheet (``explorer.js``, ``explorer.css`` beside this file). It loads
nothing from the network and needs no server; a notebook shows it inline in an ``<iframe>``.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Collection
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..engine import Node
from . import labels
from .dot_writer import write_dot
from .draw import default_rankdir, plan_drawing
from .pictures import pipe
from .replay import replay_backward
from .walk import PARAMETER, ancestors, label_of

# Nothing may load from anywhere: only the page's own inline script and style, and data: URLs.
_POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
#: Arrays with more elements than this show their first elements only, and a summary.
MAX_VALUES = 4096


class Explorer:
    """The page made by `explore`: ``html`` is its text; notebooks show it inline.

    Attributes
    ----------
    html : str
        The complete HTML document.
    steps : list of dict
        One entry per step of the page: ``kind`` (``'start'``, ``'forward'``, ``'seed'`` or
        ``'backward'``), ``node`` (the position of the value in focus, or -1) and ``title``.
    """

    def __init__(self, page: str, steps: list[dict[str, Any]]) -> None:
        self.html = page
        self.steps = steps

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        out = Path(path)
        out.write_text(self.html, encoding="utf-8")
        return out

    def _repr_html_(self) -> str:
        """The page in an ``<iframe>``, so its script and style stay apart from the notebook's."""
        return (
            '<iframe class="microgradnet-explorer" style="width: 100%; height: 640px; '
            'border: 1px solid #ddd" sandbox="allow-scripts" '
            f'srcdoc="{html.escape(self.html, quote=True)}"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<Explorer: {len(self.steps)} steps, {len(self.html):,} characters of HTML>"


def explore(
    output: Node,
    path: str | os.PathLike[str] | None = None,
    model: Any = None,
    *,
    collapse: Collection[str] | int = (),
    max_nodes: int | None = None,
    rankdir: str | None = None,
) -> Explorer:
    """A web page that replays how ``output`` was computed and how its gradients flow back.

    The page shows the graph as `draw_graph` draws it and steps through it: first the forward
    pass, one operation at a time in the order they ran, each value filling in as it is computed;
    then the backward pass in the order the engine runs it (latest operation first), with the
    gradient sent along each edge and the running sum at each value, until every leaf holds its
    gradient. The side panel shows the value in focus in full (shape, dtype, every number).
    Controls: previous and next, a slider, play and pause, the arrow keys (Home and End jump to
    the ends); clicking a module's title folds its cluster.

    The backward pass is replayed with the graph's own derivative rules (see
    `microgradnet.viz.replay`) and changes no ``.grad``. The rules need what the forward pass
    saved, so call `explore` before ``backward()``, or after ``backward(retain_graph=True)``.

    Parameters
    ----------
    output : Tensor or Value
        A single number computed with gradient tracking (a loss).
    path : str or path-like, optional
        Also write the page there (an ``.html`` file).
    model : Module, optional
        Names parameters and groups operations into module clusters, as in `draw_graph`.
    collapse, max_nodes, rankdir
        As in `draw_graph`: modules drawn as boxes (their steps still show in the panel), the
        most nodes to draw, and the direction of flow.

    Returns
    -------
    Explorer
        The page: ``.html``, ``.save(path)``, and shown inline by Jupyter.

    Examples
    --------
    >>> from microgradnet import Value
    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> page = explore((x * w).tanh())
    >>> [step["kind"] for step in page.steps]
    ['start', 'forward', 'forward', 'seed', 'backward', 'backward']
    >>> page.html.startswith("<!DOCTYPE html>")
    True
    """
    if not isinstance(output, Node):
        raise TypeError(f"explore: expected a Tensor or a Value, got a {type(output).__name__}")
    plan = plan_drawing(output, model=model, collapse=collapse, max_nodes=max_nodes)
    replay = replay_backward(plan.w)
    plan.grads = replay.grads
    drawing = write_dot(plan.layout(rankdir=default_rankdir(output, rankdir), ids=True))
    svg = pipe(drawing, "svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]
    steps, data = _page_data(plan, replay)
    title = label_of(output) or "computation"
    page = _page(title, svg, data)
    result = Explorer(page, steps)
    if path is not None:
        result.save(path)
    return result


def _numbers(x: Any) -> dict[str, Any]:
    """An array or number for the page: its values (flat), shape, dtype and a summary."""
    a = np.asarray(x)
    flat = a.reshape(-1)
    shown = flat[:MAX_VALUES]
    if shown.dtype.kind == "b":
        shown = shown.astype(np.int64)
    values = [v if not isinstance(v, float) or math.isfinite(v) else str(v) for v in shown.tolist()]
    return {
        "values": values,
        "shape": list(a.shape),
        "size": int(flat.size),
        "summary": labels.summary(float(x) if isinstance(x, float) else a),
    }


def _name(plan: Any, i: int) -> str:
    v = plan.w.values[i]
    own = None if plan.modules is None else plan.modules.params.get(id(v))
    own = own or label_of(v)
    if own:
        return own
    if v._ctx is not None:
        return f"{v._ctx.name} result"
    return "parameter" if plan.roles[i] == PARAMETER else "input"


def _clusters(plan: Any, i: int) -> list[str]:
    """The ids of the module clusters around value ``i``'s drawing, outermost first."""
    if plan.modules is None or plan.scope[i] is None:
        return []
    order = plan.modules.order
    found = [
        f"cluster_m{order.index(p)}"
        for p in ancestors(plan.scope[i])
        if p in plan.modules.modules and p not in plan.modules.collapsed
    ]
    return found[::-1]


def _page_data(plan: Any, replay: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The steps, and what the page's script needs: every value, edge and arrival."""
    w = plan.w
    forward = sorted(
        (i for i, v in enumerate(w.values) if v._ctx is not None),
        key=lambda i: w.values[i]._ctx._seq,
    )
    steps: list[dict[str, Any]] = [
        {"kind": "start", "node": -1, "title": "the inputs and parameters, before any operation"}
    ]
    appears = [0] * len(w.values)
    for i in forward:
        op = w.values[i]._ctx
        args = ", ".join(_name(plan, w.index[id(p)]) for p in op.parents)
        extra = op.extra_repr()
        appears[i] = len(steps)
        steps.append(
            {
                "kind": "forward",
                "node": i,
                "title": f"{op.name}({args}{', ' + extra if extra else ''})",
            }
        )
    root = len(w.values) - 1
    steps.append(
        {"kind": "seed", "node": root, "title": "the output's gradient with respect to itself is 1"}
    )
    arrivals: list[list[dict[str, Any]]] = [[] for _ in steps]
    for i, step in zip(replay.order, replay.arrivals):
        steps.append(
            {
                "kind": "backward",
                "node": i,
                "title": f"{w.values[i]._ctx.name} sends the gradient of {_name(plan, i)} to "
                "its inputs",
            }
        )
        arrivals.append(
            [
                {
                    "target": a.target,
                    "input": a.input,
                    "edge": plan.edge_ids.get((a.op, a.input)),
                    "grad": _numbers(a.grad),
                    "total": _numbers(a.total),
                }
                for a in step
            ]
        )
    nodes = []
    for i, v in enumerate(w.values):
        ctx = v._ctx
        boxed = plan.box[i] is not None
        nodes.append(
            {
                "name": _name(plan, i),
                "element": plan._value_id(i),
                "op": None if ctx is None else plan._op_id(i),
                "opName": None if ctx is None else ctx.name,
                "inputs": [] if ctx is None else [w.index[id(p)] for p in ctx.parents],
                "inEdges": []
                if ctx is None
                else [plan.edge_ids.get((i, j)) for j in range(len(ctx.parents))],
                "outEdge": None if ctx is None else plan.edge_ids.get((i, -1)),
                "role": plan.roles[i],
                "dtype": "float (Value)" if v.holds_float else str(v.data.dtype),
                "requiresGrad": bool(v.requires_grad),
                "appears": appears[i],
                "data": _numbers(v.data),
                "fields": not boxed,
                "gradField": not boxed and plan.show_grad and plan.grads[i] is not None,
                "clusters": _clusters(plan, i),
            }
        )
    data = {
        "steps": steps,
        "nodes": nodes,
        "arrivals": arrivals,
        "seed": _numbers(replay.seed),
        "clusters": sorted({c for n in nodes for c in n["clusters"]}),
    }
    return steps, data


def _page(title: str, svg: str, data: dict[str, Any]) -> str:
    here = resources.files(__package__)
    script = (here / "explorer.js").read_text(encoding="utf-8")
    style = (here / "explorer.css").read_text(encoding="utf-8")
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>microgradnet explorer: {html.escape(title)}</title>
<style>
{style}</style>
</head>
<body>
<div id="bar">
<button id="first" title="first step (Home)">first</button>
<button id="prev" title="previous step (left arrow)">&#x25C0; prev</button>
<button id="play" title="play or pause (space)">play</button>
<button id="next" title="next step (right arrow)">next &#x25B6;</button>
<button id="last" title="last step (End)">last</button>
<input id="slider" type="range" min="0" value="0" aria-label="step">
<span id="counter"></span>
<span id="phase"></span>
</div>
<div id="main">
<div id="graph">
{svg}
</div>
<aside id="panel"></aside>
</div>
<script id="explorer-data" type="application/json">{payload}</script>
<script>
{script}</script>
</body>
</html>
"""
