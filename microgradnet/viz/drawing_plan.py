"""What a drawing holds, as plain data: nodes, clusters, edges and their colours.

`draw_graph` computes a `DrawingPlan` from a graph; `dot_writer.write_dot` turns it into DOT.
Texts here are raw (the writer escapes them); attributes are Graphviz's names and values.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PlannedNode:
    """One node: its id, its text (a tuple of fields for a record) and its attributes."""

    id: str
    label: str | tuple[str, ...]
    attrs: dict[str, str]


@dataclass
class PlannedCluster:
    """A box around nodes: its name, attributes, nodes and the clusters nested in it."""

    name: str
    attrs: dict[str, str]
    nodes: list[PlannedNode] = field(default_factory=list)
    children: list[PlannedCluster] = field(default_factory=list)


@dataclass
class PlannedEdge:
    """An edge from ``tail`` to ``head`` with its attributes."""

    tail: str
    head: str
    attrs: dict[str, str]


@dataclass
class DrawingPlan:
    """A whole drawing: the defaults, an optional legend, the top-level nodes and clusters,
    and the edges, each in the order they are written; ``vertical`` stacks record fields
    across (for left-to-right drawings)."""

    name: str
    graph_attr: dict[str, str]
    node_attr: dict[str, str]
    edge_attr: dict[str, str]
    vertical: bool
    legend: PlannedCluster | None = None
    nodes: list[PlannedNode] = field(default_factory=list)
    clusters: list[PlannedCluster] = field(default_factory=list)
    edges: list[PlannedEdge] = field(default_factory=list)
