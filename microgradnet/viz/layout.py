"""SVG without Graphviz: a small layered layout in pure Python, for drawings up to `MAX_NODES`.

The default install has no Graphviz program (``dot`` is a system package, and the WebAssembly
build is an optional extra), yet a notebook cell ending in a drawing should show a picture. This
module lays out the DOT text that the ``graphviz`` package writes (one statement per line): nodes
go into ranks by longest path from the inputs, each rank is ordered by the mean position of its
neighbours with module clusters kept together, and edges are drawn as curves. The result is
rougher than ``dot``'s (edges may cross nodes, a cluster's box may overlap a neighbour), but it
is readable for the graphs people draw in notebooks and needs nothing beyond the standard library.
Its SVG is shaped like Graphviz's (a ``<g class="node">`` with a ``<title>`` per node, one
``<text>`` per line), so the explorer works on either.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

#: The most nodes the pure-Python layout takes; bigger drawings need Graphviz.
MAX_NODES = 2000

_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|<.*>|[^\s\]]+)')
_NODE = re.compile(r'^(\w+|"(?:[^"\\]|\\.)*")(?:\s+\[(.*)\])?$')
_EDGE = re.compile(r'^(\w+|"(?:[^"\\]|\\.)*")\s+->\s+(\w+|"(?:[^"\\]|\\.)*")(?:\s+\[(.*)\])?$')
_POINTS = 72.0
_LINE = 1.25  # line height, in font sizes
_CHAR = 0.52  # mean character width of Helvetica, in font sizes


class UnsupportedDot(ValueError):  # noqa: N818 - reads like graphviz.ExecutableNotFound
    """DOT text outside the subset that the ``graphviz`` package writes and this layout reads."""


@dataclass
class _Node:
    name: str
    attrs: dict[str, str]
    clusters: tuple[str, ...]
    lines: list[list[str]] = field(default_factory=list)  # fields, each a list of lines
    w: float = 0.0
    h: float = 0.0
    x: float = 0.0
    y: float = 0.0
    rank: int = 0


@dataclass
class _Graph:
    attrs: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, _Node] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    clusters: dict[str, dict[str, str]] = field(default_factory=dict)


def _unquote(text: str) -> str:
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if text.startswith("<"):
        raise UnsupportedDot("HTML-like labels need Graphviz")
    return text


def _attrs(text: str | None) -> dict[str, str]:
    return {k: _unquote(v) for k, v in _ATTR.findall(text or "")}


def parse(source: str) -> _Graph:
    """Read the DOT text the ``graphviz`` package writes: statements one per line."""
    g = _Graph()
    defaults: list[dict[str, str]] = [{}]
    stack: list[str] = []
    lines = source.strip().splitlines()
    if not lines or not re.match(r"^(strict\s+)?digraph\b.*\{$", lines[0].strip()):
        raise UnsupportedDot("expected a digraph written by the graphviz package")
    for raw in lines[1:]:
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        if m := re.match(r"^subgraph\s+(\w+)\s*\{$", line):
            stack.append(m.group(1))
            g.clusters.setdefault(m.group(1), {})
            defaults.append(dict(defaults[-1]))
        elif line == "}":
            if stack:
                stack.pop()
                defaults.pop()
        elif m := re.match(r"^(graph|node|edge)\s+\[(.*)\]$", line):
            kind, attrs = m.group(1), _attrs(m.group(2))
            if kind == "graph":
                (g.clusters[stack[-1]] if stack else g.attrs).update(attrs)
            else:
                defaults[-1][kind] = defaults[-1].get(kind, "") + " " + m.group(2)
        elif m := _EDGE.match(line):
            attrs = _attrs(defaults[-1].get("edge")) | _attrs(m.group(3))
            tail, head = _unquote(m.group(1)), _unquote(m.group(2))
            for end in (tail, head):
                if end not in g.nodes:
                    clusters = tuple(c for c in stack if c.startswith("cluster"))
                    g.nodes[end] = _Node(end, _attrs(defaults[-1].get("node")), clusters)
            g.edges.append((tail, head, attrs))
        elif m := _NODE.match(line):
            name = _unquote(m.group(1))
            attrs = _attrs(defaults[-1].get("node")) | _attrs(m.group(2))
            if name in g.nodes:
                g.nodes[name].attrs.update(attrs)
            else:
                g.nodes[name] = _Node(
                    name, attrs, tuple(c for c in stack if c.startswith("cluster"))
                )
        else:
            raise UnsupportedDot(f"cannot read the DOT statement {line!r}")
    return g


def _text(label: str) -> list[str]:
    """A DOT string's lines, escapes resolved."""
    out, cur, i = [], "", 0
    while i < len(label):
        c = label[i]
        if c == "\\" and i + 1 < len(label):
            nxt = label[i + 1]
            if nxt in "nlr":
                out.append(cur)
                cur = ""
            else:
                cur += nxt
            i += 2
            continue
        cur += c
        i += 1
    if cur or not out:
        out.append(cur)
    return out


def _record_fields(label: str) -> list[str]:
    """A record label's fields (outer braces dropped), split at unescaped bars."""
    body = label
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    fields, cur, i = [], "", 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            cur += body[i : i + 2]
            i += 2
            continue
        if c == "|":
            fields.append(cur)
            cur = ""
        elif c not in "{}":
            cur += c
        i += 1
    fields.append(cur)
    return fields


def _size(node: _Node) -> None:
    a = node.attrs
    font = float(a.get("fontsize", "14"))
    label = a.get("label", node.name)
    shape = a.get("shape", "ellipse")
    node.lines = [_text(f) for f in _record_fields(label)] if shape == "record" else [_text(label)]
    longest = max(len(line) for f in node.lines for line in f)
    n_lines = sum(len(f) for f in node.lines)
    node.w = longest * font * _CHAR + (10 if shape != "ellipse" else 18)
    node.h = n_lines * font * _LINE + 4 * len(node.lines) + 2
    if shape == "ellipse":
        node.w, node.h = node.w * 1.1, node.h * 1.3
    node.h = max(node.h, float(a.get("height", "0.3")) * _POINTS)


def _ranks(g: _Graph, visible: list[tuple[str, str]]) -> list[list[_Node]]:
    """Longest path from the sources, each source moved down next to its first consumer."""
    incoming: dict[str, list[str]] = {n: [] for n in g.nodes}
    for tail, head in visible:
        incoming[head].append(tail)
    rank: dict[str, int] = {}
    for start in g.nodes:
        stack = [start]
        while stack:
            n = stack[-1]
            if n in rank:
                stack.pop()
                continue
            todo = [p for p in incoming[n] if p not in rank and p not in stack]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            rank[n] = 1 + max((rank[p] for p in incoming[n] if p in rank), default=-1)
    # A source (an input, a parameter) sits just above its first consumer, not at the top.
    consumers: dict[str, list[str]] = {n: [] for n in g.nodes}
    for tail, head in visible:
        consumers[tail].append(head)
    for name in g.nodes:
        if not incoming[name] and consumers[name]:
            rank[name] = max(min(rank[c] for c in consumers[name]) - 1, 0)
    layers: list[list[_Node]] = [[] for _ in range(max(rank.values(), default=0) + 1)]
    for name, node in g.nodes.items():
        node.rank = rank[name]
        layers[node.rank].append(node)
    return layers


def _order(layers: list[list[_Node]], visible: list[tuple[str, str]], g: _Graph) -> None:
    """Barycentre sweeps; a cluster's members stay together in each rank."""
    nbrs: dict[str, list[str]] = {n: [] for n in g.nodes}
    for tail, head in visible:
        nbrs[tail].append(head)
        nbrs[head].append(tail)
    pos = {n.name: float(i) for layer in layers for i, n in enumerate(layer)}
    cluster_index = {c: i for i, c in enumerate(g.clusters)}
    for sweep in range(6):
        rng = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        for r in rng:
            layer = layers[r]
            adj = r - 1 if sweep % 2 == 0 else r + 1
            bary = {}
            for n in layer:
                near = [pos[m] for m in nbrs[n.name] if g.nodes[m].rank == adj]
                bary[n.name] = sum(near) / len(near) if near else pos[n.name]
            groups: dict[tuple[str, ...], list[float]] = {}
            for n in layer:
                for k in range(1, len(n.clusters) + 1):
                    groups.setdefault(n.clusters[:k], []).append(bary[n.name])

            def key(n: _Node, bary: dict[str, float] = bary, groups: dict = groups) -> list:
                parts: list[tuple[float, int, int]] = []
                for k in range(1, len(n.clusters) + 1):
                    vals = groups[n.clusters[:k]]
                    parts.append((sum(vals) / len(vals), 0, cluster_index[n.clusters[k - 1]]))
                parts.append((bary[n.name], 1, 0))
                return parts

            layer.sort(key=key)
            for i, n in enumerate(layer):
                pos[n.name] = float(i)


def _place(layers: list[list[_Node]], g: _Graph, lr: bool) -> None:
    """Coordinates: ranks along the flow, nodes side by side across it, centred on neighbours."""
    sep = float(g.attrs.get("nodesep", "0.25")) * _POINTS
    ranksep = max(float(g.attrs.get("ranksep", "0.5")) * _POINTS, 30.0)
    breadth = (lambda n: n.h) if lr else (lambda n: n.w)
    depth = (lambda n: n.w) if lr else (lambda n: n.h)
    gap = 22.0  # room for cluster borders between neighbours of different clusters
    across: dict[str, float] = {}
    for layer in layers:
        x = 0.0
        for i, n in enumerate(layer):
            if i:
                x += sep + (gap if n.clusters != layer[i - 1].clusters else 0.0)
            across[n.name] = x + breadth(n) / 2
            x += breadth(n)
        shift = x / 2
        for n in layer:
            across[n.name] -= shift
    preds: dict[str, list[str]] = {n: [] for n in g.nodes}
    for tail, head, attrs in g.edges:
        if attrs.get("style") != "invis":
            preds[head].append(tail)
            preds[tail].append(head)
    for layer in layers[1:] + layers[::-1]:
        want = []
        for n in layer:
            near = [across[m] for m in preds[n.name]]
            want.append(sum(near) / len(near) if near else across[n.name])
        xs: list[float] = []
        for i, n in enumerate(layer):
            x = want[i]
            if i:
                prev = layer[i - 1]
                extra = gap if n.clusters != prev.clusters else 0.0
                x = max(x, xs[-1] + (breadth(prev) + breadth(n)) / 2 + sep + extra)
            xs.append(x)
        drift = sum(w - x for w, x in zip(want, xs)) / max(len(xs), 1)
        for n, x in zip(layer, xs):
            across[n.name] = x + drift
    cluster_depth = max((len(n.clusters) for n in g.nodes.values()), default=0)
    along = 0.0
    for layer in layers:
        thick = max((depth(n) for n in layer), default=0.0)
        for n in layer:
            a = along + thick / 2
            n.x, n.y = (a, across[n.name]) if lr else (across[n.name], a)
        along += thick + ranksep + (8 * cluster_depth if lr else 0)


def _style(attrs: dict[str, str], fill_default: str = "none") -> str:
    style = attrs.get("style", "")
    fill = attrs.get("fillcolor", attrs.get("color", "lightgrey")) if "filled" in style else None
    stroke = attrs.get("color", "black")
    width = attrs.get("penwidth", "1")
    dash = ' stroke-dasharray="5,2"' if "dashed" in style else ""
    paint = f'fill="{escape(fill or fill_default)}" stroke="{escape(stroke)}"'
    return f'{paint} stroke-width="{width}"{dash}'


def _texts(lines: list[str], cx: float, top: float, font: float, attrs: dict[str, str]) -> str:
    colour = attrs.get("fontcolor", "black")
    family = attrs.get("fontname", "Helvetica")
    out = []
    for k, line in enumerate(lines):
        y = top + (k + 0.8) * font * _LINE
        out.append(
            f'<text text-anchor="middle" x="{cx:.2f}" y="{y:.2f}" font-family="{escape(family)},'
            f'sans-Serif" font-size="{font:.2f}" fill="{escape(colour)}">{escape(line)}</text>'
        )
    return "".join(out)


def _node_svg(n: _Node, count: int) -> str:
    a = n.attrs
    if "invis" in a.get("style", ""):
        return ""
    font = float(a.get("fontsize", "14"))
    shape = a.get("shape", "ellipse")
    x0, y0 = n.x - n.w / 2, n.y - n.h / 2
    parts = [
        f'<g id="{escape(a.get("id", f"node{count}"))}" class="node">'
        f"<title>{escape(n.name)}</title>"
    ]
    if shape == "ellipse":
        parts.append(
            f'<ellipse {_style(a)} cx="{n.x:.2f}" cy="{n.y:.2f}" '
            f'rx="{n.w / 2:.2f}" ry="{n.h / 2:.2f}"/>'
        )
    elif shape not in ("plaintext", "none", "plain"):
        parts.append(
            f'<rect {_style(a)} x="{x0:.2f}" y="{y0:.2f}" width="{n.w:.2f}" height="{n.h:.2f}"/>'
        )
    total = sum(len(f) * font * _LINE + 4 for f in n.lines)
    top = n.y - total / 2
    for k, lines in enumerate(n.lines):
        if k:
            stroke = escape(a.get("color", "black"))
            parts.append(
                f'<polyline fill="none" stroke="{stroke}" '
                f'points="{x0:.2f},{top:.2f} {x0 + n.w:.2f},{top:.2f}"/>'
            )
        parts.append(_texts(lines, n.x, top + 2, font, a))
        top += len(lines) * font * _LINE + 4
    return "".join(parts) + "</g>"


def _edge_svg(tail: _Node, head: _Node, attrs: dict[str, str], count: int, lr: bool) -> str:
    if attrs.get("style") == "invis":
        return ""
    if lr:
        x1, y1, x2, y2 = tail.x + tail.w / 2, tail.y, head.x - head.w / 2, head.y
        mid = (x2 - x1) / 2
        c1, c2 = (x1 + mid, y1), (x2 - mid, y2)
    else:
        x1, y1, x2, y2 = tail.x, tail.y + tail.h / 2, head.x, head.y - head.h / 2
        mid = (y2 - y1) / 2
        c1, c2 = (x1, y1 + mid), (x2, y2 - mid)
    size = 10 * float(attrs.get("arrowsize", "1"))
    dx, dy = x2 - c2[0], y2 - c2[1]
    norm = math.hypot(dx, dy) or 1.0
    ux, uy = dx / norm, dy / norm
    bx, by = x2 - ux * size, y2 - uy * size
    half = size / 2.5
    tip = (
        f"{x2:.2f},{y2:.2f} {bx - uy * half:.2f},{by + ux * half:.2f} "
        f"{bx + uy * half:.2f},{by - ux * half:.2f}"
    )
    colour = escape(attrs.get("color", "black"))
    width = attrs.get("penwidth", "1")
    ident = escape(attrs.get("id", f"edge{count}"))
    label = ""
    if "label" in attrs:
        font = float(attrs.get("fontsize", "14"))
        label = _texts(
            _text(attrs["label"]), (x1 + x2) / 2 + 4, (y1 + y2) / 2 - font / 2, font, attrs
        )
    return (
        f'<g id="{ident}" class="edge">'
        f"<title>{escape(tail.name)}&#45;&gt;{escape(head.name)}</title>"
        f'<path fill="none" stroke="{colour}" stroke-width="{width}" d="M{x1:.2f},{y1:.2f} '
        f'C{c1[0]:.2f},{c1[1]:.2f} {c2[0]:.2f},{c2[1]:.2f} {bx:.2f},{by:.2f}"/>'
        f'<polygon fill="{colour}" stroke="{colour}" points="{tip}"/>{label}</g>'
    )


def _cluster_boxes(g: _Graph) -> dict[str, tuple[float, float, float, float]]:
    """Each cluster's box around its members and inner clusters, innermost first."""
    boxes: dict[str, list[float]] = {}
    deepest = sorted(
        g.clusters,
        key=lambda c: (
            -max((n.clusters.index(c) for n in g.nodes.values() if c in n.clusters), default=0)
        ),
    )
    for c in deepest:
        members = [
            n
            for n in g.nodes.values()
            if c in n.clusters and "invis" not in n.attrs.get("style", "")
        ]
        if not members:
            continue
        level = members[0].clusters.index(c)
        font = float(g.clusters[c].get("fontsize", "14"))
        pad = 8.0
        x0 = min(n.x - n.w / 2 for n in members) - pad
        x1 = max(n.x + n.w / 2 for n in members) + pad
        y0 = (
            min(n.y - n.h / 2 for n in members)
            - pad
            - font * _LINE * len(_text(g.clusters[c].get("label", "")))
        )
        y1 = max(n.y + n.h / 2 for n in members) + pad
        for inner, box in boxes.items():
            if any(
                c in n.clusters and inner in n.clusters and n.clusters.index(inner) > level
                for n in members
            ):
                x0, y0 = min(x0, box[0] - pad), min(y0, box[1] - pad - font * _LINE)
                x1, y1 = max(x1, box[2] + pad), max(y1, box[3] + pad)
        boxes[c] = [x0, y0, x1, y1]
    return {c: (b[0], b[1], b[2], b[3]) for c, b in boxes.items()}


def svg_from_dot(source: str) -> bytes:
    """Lay out the DOT ``source`` (as the ``graphviz`` package writes it) and return SVG.

    Raises `UnsupportedDot` for DOT it cannot read and for more than `MAX_NODES` nodes.

    Examples
    --------
    >>> svg = svg_from_dot('digraph {\\n\\ta [label=x]\\n\\tb [label=y]\\n\\ta -> b\\n}')
    >>> svg.count(b'class="node"'), svg.count(b'class="edge"')
    (2, 1)
    """
    g = parse(source)
    if len(g.nodes) > MAX_NODES:
        raise UnsupportedDot(
            f"the graph has {len(g.nodes)} nodes; the pure-Python layout takes at most {MAX_NODES}"
        )
    for n in g.nodes.values():
        _size(n)
    lr = g.attrs.get("rankdir", "TB") in ("LR", "RL")
    visible = [(t, h) for t, h, a in g.edges if t != h]
    layers = _ranks(g, visible)
    _order(layers, visible, g)
    _place(layers, g, lr)
    boxes = _cluster_boxes(g)
    xs = [n.x - n.w / 2 for n in g.nodes.values()] + [b[0] for b in boxes.values()]
    ys = [n.y - n.h / 2 for n in g.nodes.values()] + [b[1] for b in boxes.values()]
    xe = [n.x + n.w / 2 for n in g.nodes.values()] + [b[2] for b in boxes.values()]
    ye = [n.y + n.h / 2 for n in g.nodes.values()] + [b[3] for b in boxes.values()]
    m = 8.0
    x0, y0 = min(xs, default=0) - m, min(ys, default=0) - m
    width, height = max(xe, default=0) + m - x0, max(ye, default=0) + m - y0
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}pt" height="{height:.0f}pt" '
        f'viewBox="{x0:.2f} {y0:.2f} {width:.2f} {height:.2f}">\n',
        '<g id="graph0" class="graph"><title>computation</title>\n',
    ]
    order = sorted(boxes, key=lambda c: list(g.clusters).index(c))
    for c in order:
        bx0, by0, bx1, by1 = boxes[c]
        a = g.clusters[c]
        font = float(a.get("fontsize", "14"))
        rounded = ' rx="6"' if "rounded" in a.get("style", "") else ""
        out.append(
            f'<g id="{escape(a.get("id", c))}" class="cluster"><title>{escape(c)}</title>'
            f'<rect {_style(a)}{rounded} x="{bx0:.2f}" y="{by0:.2f}" width="{bx1 - bx0:.2f}" '
            f'height="{by1 - by0:.2f}"/>'
        )
        label = _text(a.get("label", ""))
        if any(label):
            out.append(
                "".join(
                    f'<text x="{bx0 + 6:.2f}" y="{by0 + (k + 1) * font * _LINE:.2f}" '
                    f'font-family="Helvetica,sans-Serif" font-size="{font:.2f}" '
                    f'fill="{escape(a.get("fontcolor", "black"))}">{escape(line)}</text>'
                    for k, line in enumerate(label)
                )
            )
        out.append("</g>\n")
    for k, (tail, head, attrs) in enumerate(g.edges, 1):
        if tail != head:
            out.append(_edge_svg(g.nodes[tail], g.nodes[head], attrs, k, lr) + "\n")
    for k, n in enumerate(g.nodes.values(), 1):
        out.append(_node_svg(n, k) + "\n")
    out.append("</g>\n</svg>\n")
    return "".join(out).encode()
