"""What a drawing shows, before any DOT: the graph's values in order, their roles, and where each
one sits among a model's modules.

The walk is iterative (no recursion, so graphs of any depth draw) and deterministic: the same
graph gives the same order, hence the same node ids and byte-identical DOT.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine import Node, topological_order

INPUT, PARAMETER, INTERMEDIATE, OUTPUT = "input", "parameter", "intermediate", "output"


@dataclass
class Walk:
    """The values ``root`` depends on, inputs first and ``root`` last.

    Attributes
    ----------
    values : list of Node
        Every value, each after the inputs of the operation that made it.
    index : dict
        ``id(value)`` to its position in ``values``.
    consumers : list of list of int
        For each value, the positions of the values made by operations that read it (each
        operation once, even when it reads the value twice).
    """

    values: list[Node] = field(default_factory=list)
    index: dict[int, int] = field(default_factory=dict)
    consumers: list[list[int]] = field(default_factory=list)

    @property
    def n_ops(self) -> int:
        """The number of operations: one per value that an operation made."""
        return sum(1 for v in self.values if v._ctx is not None)

    @property
    def n_edges(self) -> int:
        """Edges of the full drawing: one per input of each operation, one to each output."""
        return sum(len(v._ctx.parents) + 1 for v in self.values if v._ctx is not None)


def nodes_in_order(roots: Sequence[Node]) -> list[Node]:
    """Every node that ``roots`` depend on through ``_ctx.parents``, each after its inputs.

    The engine's one graph traversal, `topological_order`, following every input: iterative
    (graphs of any depth) and deterministic (a depth-first post-order, inputs in the order the
    operation reads them), so the same graph gives the same order, node ids and DOT text.

    Examples
    --------
    >>> from microgradnet import Value
    >>> a = Value(2.0, label="a")
    >>> [v.data for v in nodes_in_order([a * a + 1.0])]
    [2.0, 4.0, 1.0, 5.0]
    """
    return topological_order(roots, every=True)


def walk(root: Node) -> Walk:
    """The values ``root`` depends on (`nodes_in_order`), indexed, with each one's consumers.

    Examples
    --------
    >>> from microgradnet import Value
    >>> a = Value(2.0, label="a")
    >>> w = walk(a * a + 1.0)
    >>> [v.data for v in w.values], w.consumers[0]
    ([2.0, 4.0, 1.0, 5.0], [1])
    """
    if not isinstance(root, Node):
        raise TypeError(f"draw_graph: expected a Tensor or a Value, got a {type(root).__name__}")
    out = Walk(values=nodes_in_order([root]))
    out.index = {id(v): i for i, v in enumerate(out.values)}
    out.consumers = [[] for _ in out.values]
    for i, v in enumerate(out.values):
        if v._ctx is not None:
            for p in dict.fromkeys(out.index[id(p)] for p in v._ctx.parents):
                out.consumers[p].append(i)
    return out


def label_of(node: Node) -> str | None:
    """A node's own label (a `Value`'s ``label``, a `Tensor`'s ``name``), or None if it has none.

    The one place `microgradnet.viz` reads labels.
    """
    text = getattr(node, "label", None) or getattr(node, "name", None)
    return text if isinstance(text, str) and text else None


def roles(w: Walk, params: dict[int, str] | None) -> list[str]:
    """Each value's role: the output, parameters, inputs and constants, intermediate results.

    With a model (``params``: ``id`` of each parameter to its dotted name) its parameters are the
    parameters and every other leaf is an input; without one, a leaf that requires grad is a
    parameter.
    """
    result = []
    last = len(w.values) - 1
    for i, v in enumerate(w.values):
        if i == last:
            result.append(OUTPUT)
        elif v._ctx is not None:
            result.append(INTERMEDIATE)
        elif (id(v) in params) if params is not None else v.requires_grad:
            result.append(PARAMETER)
        else:
            result.append(INPUT)
    return result


def ancestors(path: str) -> Iterator[str]:
    """``path`` and the paths of the modules around it, innermost first, ending with the model
    itself (``''``).

    Examples
    --------
    >>> list(ancestors("layers.0.weight"))
    ['layers.0.weight', 'layers.0', 'layers', '']
    """
    while path:
        yield path
        path = path.rpartition(".")[0]
    yield ""


class ModuleMap:
    """A model's modules by identity, their paths and titles, and which of them are collapsed.

    Parameters
    ----------
    model : Module
        Anything with ``named_modules()`` and ``named_parameters()``.
    collapse : collection of str, or int
        Module paths to draw as single boxes, or a depth: every module that many levels below the
        model (``1``: its children).
    """

    def __init__(self, model: Any, collapse: Collection[str] | int) -> None:
        self.order: list[str] = []
        self.paths: dict[int, str] = {}
        self.modules: dict[str, Any] = {}
        for path, module in model.named_modules():
            self.order.append(path)
            self.paths[id(module)] = path
            self.modules[path] = module
        self.params: dict[int, str] = {id(p): name for name, p in model.named_parameters()}
        self.collapsed = self._resolve(collapse)

    def _resolve(self, collapse: Collection[str] | int) -> set[str]:
        if isinstance(collapse, bool) or not isinstance(collapse, int | Collection):
            raise TypeError(
                f"draw_graph: collapse must be module paths or a depth, not {collapse!r}"
            )
        if isinstance(collapse, int):
            if collapse < 0:
                raise ValueError(f"draw_graph: collapse depth must be >= 0, not {collapse}")
            return {p for p in self.order if depth(p) == collapse}
        paths = {collapse} if isinstance(collapse, str) else set(collapse)
        unknown = sorted(paths - set(self.modules))
        if unknown:
            known = ", ".join(repr(p) for p in self.order[:8])
            raise ValueError(
                f"draw_graph: collapse names {unknown}, which are not modules of the model; "
                f"its module paths are {known}{', ...' if len(self.order) > 8 else ''}"
            )
        return paths

    def box(self, path: str) -> str | None:
        """The outermost collapsed module containing the module at ``path`` (or it), if any."""
        found = None
        for p in ancestors(path):
            if p in self.collapsed and p in self.modules:
                found = p
        return found


def depth(path: str) -> int:
    """How many levels a module path lies below the model (``''``: 0, ``layers.0``: 2)."""
    return 0 if not path else path.count(".") + 1


def scopes(w: Walk, modules: ModuleMap) -> list[str | None]:
    """The module path in which each value is drawn, or None for outside the model.

    A value made inside a module's forward belongs to that module. A parameter belongs to the
    innermost module around it that ran operations (a neuron rather than the list holding its
    weights). A single number read by a single operation (the ``2`` of ``2 * x``, an input of a
    neuron) goes where that operation is; other inputs stay outside, where the data comes from.
    """
    result: list[str | None] = [None] * len(w.values)
    active: set[str] = set()
    for i, v in enumerate(w.values):
        if v._ctx is not None:
            scope = getattr(v._ctx, "_scope", None)
            path = None if scope is None else modules.paths.get(id(scope))
            result[i] = path
            if path is not None:
                active.update(ancestors(path))
    for i, v in enumerate(w.values):
        if v._ctx is not None:
            continue
        name = modules.params.get(id(v))
        if name is not None:
            owner = name.rpartition(".")[0]
            result[i] = next((p for p in ancestors(owner) if p in active), owner)
        elif len(w.consumers[i]) == 1 and (v.holds_float or v.data.size == 1):
            result[i] = result[w.consumers[i][0]]
    return result
