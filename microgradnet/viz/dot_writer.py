"""`write_dot`: a `DrawingPlan` as a Graphviz drawing (its ``.source`` is the DOT text)."""

from __future__ import annotations

import graphviz

from . import labels
from .drawing_plan import DrawingPlan, PlannedCluster, PlannedNode
from .pictures import Drawing


def write_dot(plan: DrawingPlan) -> Drawing:
    """The drawing of ``plan``: legend, top-level nodes, clusters, then edges.

    Examples
    --------
    >>> from microgradnet.viz.drawing_plan import DrawingPlan, PlannedEdge, PlannedNode
    >>> plan = DrawingPlan("g", {}, {}, {}, vertical=False)
    >>> plan.nodes.append(PlannedNode("a", ("x", "data 1"), {}))
    >>> plan.edges.append(PlannedEdge("a", "a", {"label": "self"}))
    >>> for line in write_dot(plan).source.splitlines():
    ...     print(line.strip())
    digraph g {
    a [label="{x|data 1}"]
    a -> a [label=self]
    }
    """
    g = Drawing(
        name=plan.name,
        graph_attr=plan.graph_attr,
        node_attr=plan.node_attr,
        edge_attr=plan.edge_attr,
    )
    if plan.legend is not None:
        g.subgraph(_cluster(plan.legend, plan.vertical))
    for node in plan.nodes:
        _node(g, node, plan.vertical)
    for cluster in plan.clusters:
        g.subgraph(_cluster(cluster, plan.vertical))
    for edge in plan.edges:
        g.edge(edge.tail, edge.head, **_escaped(edge.attrs))
    return g


def _node(g: graphviz.Digraph, node: PlannedNode, vertical: bool) -> None:
    if isinstance(node.label, tuple):
        text = labels.record_text(list(node.label), vertical)
    else:
        text = labels.plain_text(node.label)
    g.node(node.id, text, **node.attrs)


def _cluster(cluster: PlannedCluster, vertical: bool) -> graphviz.Digraph:
    sub = graphviz.Digraph(name=cluster.name, graph_attr=_escaped(cluster.attrs))
    for node in cluster.nodes:
        _node(sub, node, vertical)
    for child in cluster.children:
        sub.subgraph(_cluster(child, vertical))
    return sub


def _escaped(attrs: dict[str, str]) -> dict[str, str]:
    """``attrs`` with its ``label``, if any, escaped as plain text."""
    return {k: labels.plain_text(v) if k == "label" else v for k, v in attrs.items()}
