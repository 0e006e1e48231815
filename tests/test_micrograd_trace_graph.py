"""The drawing code of micrograd's trace_graph.ipynb, written against micrograd's internals
(``_prev``, ``_op``, ``.data``, ``.grad``), runs on microgradnet's values and shows micrograd's
numbers; ``microgradnet.viz.draw_dot`` draws the same picture.

Each example runs the same code on micrograd's classes and on microgradnet's. micrograd's
drawings are stored below (``MICROGRAD``), so the comparison runs without micrograd; where
micrograd is installed, a test checks the stored drawings against micrograd itself.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from graphviz import Digraph

import microgradnet
import microgradnet.nn
import microgradnet.viz

# -- the notebook's code, as a micrograd user has it ------------------------------------------


def trace(root: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
    nodes, edges = set(), set()

    def build(v: Any) -> None:
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root: Any, format: str = "svg", rankdir: str = "LR") -> Digraph:  # noqa: A002
    assert rankdir in ["LR", "TB"]
    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={"rankdir": rankdir})
    for n in nodes:
        label = "{ data %.4f | grad %.4f }" % (n.data, n.grad)  # noqa: UP031 - the notebook's
        dot.node(name=str(id(n)), label=label, shape="record")
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


# -- the examples: the notebook's two, and a neuron written out by hand --------------------------


def simple(Value: Any, Neuron: Any) -> tuple[Any, dict[str, Any]]:  # noqa: N803 - the classes
    """The notebook's first example; the numbers 2 and 1 become constants."""
    x = Value(1.0)
    x2 = x * 2
    s = x2 + 1
    y = s.relu()
    y.backward()
    return y, {"x": x, "x*2": x2, "x*2+1": s, "y": y}


def neuron(Value: Any, Neuron: Any) -> tuple[Any, dict[str, Any]]:  # noqa: N803 - the classes
    """The notebook's "simple 2D neuron": micrograd's Neuron(2) after random.seed(1337)."""
    random.seed(1337)
    n = Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = n(x)
    y.backward()
    (act,) = y._prev
    named = {"w0": n.w[0], "w1": n.w[1], "b": n.b, "x0": x[0], "x1": x[1], "act": act, "y": y}
    return y, named


def by_hand(Value: Any, Neuron: Any) -> tuple[Any, dict[str, Any]]:  # noqa: N803 - the classes
    """A neuron written out with Values only, as in the lecture, squared both ways, then ReLU."""
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    n = x1 * w1 + x2 * w2 + b
    o = (n * n + n**2).relu()
    o.backward()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n, "o": o}


EXAMPLES: dict[str, Callable[[Any, Any], tuple[Any, dict[str, Any]]]] = {
    "simple": simple,
    "neuron": neuron,
    "by_hand": by_hand,
}

# -- reading a drawing back -------------------------------------------------------------------

_ID = r'("[^"]*"|[^\s\]]+)'  # a node's name or a label, quoted or not
_STATEMENT = re.compile(rf"^\t{_ID}(?: -> {_ID})?(?: \[label={_ID})?")


def _unquote(text: str) -> str:
    return text[1:-1] if text.startswith('"') else text


@dataclass
class Drawing:
    """A drawing's records (value nodes), operation nodes and edges, by node name."""

    records: dict[str, str]
    ops: dict[str, str]
    edges: set[tuple[str, str]]

    @classmethod
    def read(cls, dot: Digraph) -> Drawing:
        records, ops, edges = {}, {}, set()
        for line in dot.body:
            match = _STATEMENT.match(line)
            assert match, line
            name, head, label = (None if g is None else _unquote(g) for g in match.groups())
            if head is not None:
                edges.add((name, head))
            elif "shape=record" in line:
                records[name] = label
            else:
                ops[name] = label
        return cls(records, ops, edges)

    def tree(self, name: str) -> tuple[Any, ...]:
        """The value named ``name`` as (record, op, inputs' trees sorted): the structure and
        every number, independent of node names and of the order sets iterate in."""
        op_name = next((tail for tail, head in self.edges if head == name), None)
        if op_name is None:
            return (self.records[name], "", ())
        inputs = sorted(self.tree(tail) for tail, head in self.edges if head == op_name)
        return (self.records[name], self.ops[op_name], tuple(inputs))

    def summary(self, root: Any, named: dict[str, Any]) -> dict[str, Any]:
        return {
            "named": {key: self.records[str(id(v))] for key, v in named.items()},
            "records": sorted(self.records.values()),
            "ops": sorted(self.ops.values()),
            "tree": self.tree(str(id(root))),
        }


def drawn(example: str, Value: Any, Neuron: Any) -> dict[str, Any]:  # noqa: N803 - the classes
    root, named = EXAMPLES[example](Value, Neuron)
    return Drawing.read(draw_dot(root)).summary(root, named)


def ours(example: str) -> dict[str, Any]:
    return drawn(example, microgradnet.Value, microgradnet.nn.Neuron)


# -- what micrograd 0.1.0 draws (checked against micrograd below, where it is installed) ---------

MICROGRAD: dict[str, dict[str, Any]] = {
    "simple": {
        "named": {
            "x": "{ data 1.0000 | grad 2.0000 }",
            "x*2": "{ data 2.0000 | grad 1.0000 }",
            "x*2+1": "{ data 3.0000 | grad 1.0000 }",
            "y": "{ data 3.0000 | grad 1.0000 }",
        },
        "records": [
            "{ data 1.0000 | grad 1.0000 }",
            "{ data 1.0000 | grad 2.0000 }",
            "{ data 2.0000 | grad 1.0000 }",
            "{ data 2.0000 | grad 1.0000 }",
            "{ data 3.0000 | grad 1.0000 }",
            "{ data 3.0000 | grad 1.0000 }",
        ],
        "ops": ["*", "+", "ReLU"],
        "tree": (
            "{ data 3.0000 | grad 1.0000 }",
            "ReLU",
            (
                (
                    "{ data 3.0000 | grad 1.0000 }",
                    "+",
                    (
                        ("{ data 1.0000 | grad 1.0000 }", "", ()),
                        (
                            "{ data 2.0000 | grad 1.0000 }",
                            "*",
                            (
                                ("{ data 1.0000 | grad 2.0000 }", "", ()),
                                ("{ data 2.0000 | grad 1.0000 }", "", ()),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    },
    "neuron": {
        "named": {
            "w0": "{ data 0.2355 | grad 1.0000 }",
            "w1": "{ data 0.0665 | grad -2.0000 }",
            "b": "{ data 0.0000 | grad 1.0000 }",
            "x0": "{ data 1.0000 | grad 0.2355 }",
            "x1": "{ data -2.0000 | grad 0.0665 }",
            "act": "{ data 0.1024 | grad 1.0000 }",
            "y": "{ data 0.1024 | grad 1.0000 }",
        },
        "records": [
            "{ data -0.1331 | grad 1.0000 }",
            "{ data -2.0000 | grad 0.0665 }",
            "{ data 0.0000 | grad 1.0000 }",
            "{ data 0.0665 | grad -2.0000 }",
            "{ data 0.1024 | grad 1.0000 }",
            "{ data 0.1024 | grad 1.0000 }",
            "{ data 0.2355 | grad 1.0000 }",
            "{ data 0.2355 | grad 1.0000 }",
            "{ data 0.2355 | grad 1.0000 }",
            "{ data 1.0000 | grad 0.2355 }",
        ],
        "ops": ["*", "*", "+", "+", "ReLU"],
        "tree": (
            "{ data 0.1024 | grad 1.0000 }",
            "ReLU",
            (
                (
                    "{ data 0.1024 | grad 1.0000 }",
                    "+",
                    (
                        (
                            "{ data -0.1331 | grad 1.0000 }",
                            "*",
                            (
                                ("{ data -2.0000 | grad 0.0665 }", "", ()),
                                ("{ data 0.0665 | grad -2.0000 }", "", ()),
                            ),
                        ),
                        (
                            "{ data 0.2355 | grad 1.0000 }",
                            "+",
                            (
                                ("{ data 0.0000 | grad 1.0000 }", "", ()),
                                (
                                    "{ data 0.2355 | grad 1.0000 }",
                                    "*",
                                    (
                                        ("{ data 0.2355 | grad 1.0000 }", "", ()),
                                        ("{ data 1.0000 | grad 0.2355 }", "", ()),
                                    ),
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    },
    "by_hand": {
        "named": {
            "x1": "{ data 2.0000 | grad -10.5765 }",
            "x2": "{ data 0.0000 | grad 3.5255 }",
            "w1": "{ data -3.0000 | grad 7.0510 }",
            "w2": "{ data 1.0000 | grad 0.0000 }",
            "b": "{ data 6.8814 | grad 3.5255 }",
            "n": "{ data 0.8814 | grad 3.5255 }",
            "o": "{ data 1.5536 | grad 1.0000 }",
        },
        "records": [
            "{ data -3.0000 | grad 7.0510 }",
            "{ data -6.0000 | grad 3.5255 }",
            "{ data -6.0000 | grad 3.5255 }",
            "{ data 0.0000 | grad 3.5255 }",
            "{ data 0.0000 | grad 3.5255 }",
            "{ data 0.7768 | grad 1.0000 }",
            "{ data 0.7768 | grad 1.0000 }",
            "{ data 0.8814 | grad 3.5255 }",
            "{ data 1.0000 | grad 0.0000 }",
            "{ data 1.5536 | grad 1.0000 }",
            "{ data 1.5536 | grad 1.0000 }",
            "{ data 2.0000 | grad -10.5765 }",
            "{ data 6.8814 | grad 3.5255 }",
        ],
        "ops": ["*", "*", "*", "**2", "+", "+", "+", "ReLU"],
        "tree": (
            "{ data 1.5536 | grad 1.0000 }",
            "ReLU",
            (
                (
                    "{ data 1.5536 | grad 1.0000 }",
                    "+",
                    (
                        (
                            "{ data 0.7768 | grad 1.0000 }",
                            "*",
                            (
                                (
                                    "{ data 0.8814 | grad 3.5255 }",
                                    "+",
                                    (
                                        (
                                            "{ data -6.0000 | grad 3.5255 }",
                                            "+",
                                            (
                                                (
                                                    "{ data -6.0000 | grad 3.5255 }",
                                                    "*",
                                                    (
                                                        ("{ data -3.0000 | grad 7.0510 }", "", ()),
                                                        ("{ data 2.0000 | grad -10.5765 }", "", ()),
                                                    ),
                                                ),
                                                (
                                                    "{ data 0.0000 | grad 3.5255 }",
                                                    "*",
                                                    (
                                                        ("{ data 0.0000 | grad 3.5255 }", "", ()),
                                                        ("{ data 1.0000 | grad 0.0000 }", "", ()),
                                                    ),
                                                ),
                                            ),
                                        ),
                                        ("{ data 6.8814 | grad 3.5255 }", "", ()),
                                    ),
                                ),
                            ),
                        ),
                        (
                            "{ data 0.7768 | grad 1.0000 }",
                            "**2",
                            (
                                (
                                    "{ data 0.8814 | grad 3.5255 }",
                                    "+",
                                    (
                                        (
                                            "{ data -6.0000 | grad 3.5255 }",
                                            "+",
                                            (
                                                (
                                                    "{ data -6.0000 | grad 3.5255 }",
                                                    "*",
                                                    (
                                                        ("{ data -3.0000 | grad 7.0510 }", "", ()),
                                                        ("{ data 2.0000 | grad -10.5765 }", "", ()),
                                                    ),
                                                ),
                                                (
                                                    "{ data 0.0000 | grad 3.5255 }",
                                                    "*",
                                                    (
                                                        ("{ data 0.0000 | grad 3.5255 }", "", ()),
                                                        ("{ data 1.0000 | grad 0.0000 }", "", ()),
                                                    ),
                                                ),
                                            ),
                                        ),
                                        ("{ data 6.8814 | grad 3.5255 }", "", ()),
                                    ),
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    },
}


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_stored_drawings_are_micrograd_s(example: str) -> None:
    micrograd_engine = pytest.importorskip("micrograd.engine")
    micrograd_nn = pytest.importorskip("micrograd.nn")
    assert drawn(example, micrograd_engine.Value, micrograd_nn.Neuron) == MICROGRAD[example]


# -- microgradnet against micrograd --------------------------------------------------------------


def test_a_neuron_written_with_values_draws_exactly_as_in_micrograd() -> None:
    # same structure, same op labels, same data and gradients on every record
    assert ours("by_hand") == MICROGRAD["by_hand"]


def _constants_without_gradient(tree: tuple[Any, ...], keep: set[str]) -> tuple[Any, ...]:
    """``tree`` with the gradient of each leaf whose record is not in ``keep`` shown as 0."""
    record, op, inputs = tree
    if not op and record not in keep:
        record = re.sub(r"grad \S+ }", "grad 0.0000 }", record)
    return (record, op, tuple(sorted(_constants_without_gradient(t, keep) for t in inputs)))


def test_the_notebook_s_first_example_draws_micrograd_s_numbers() -> None:
    mine, theirs = ours("simple"), MICROGRAD["simple"]
    assert mine["named"] == theirs["named"]  # x, x * 2, x * 2 + 1 and the output
    assert mine["ops"] == theirs["ops"] == ["*", "+", "ReLU"]
    # the numbers 2 and 1 are constants here: same data, but no gradient (micrograd gives them one)
    assert theirs["tree"] != mine["tree"]
    keep = {theirs["named"]["x"]}
    assert mine["tree"] == _constants_without_gradient(theirs["tree"], keep)


def test_the_notebook_s_neuron_draws_micrograd_s_numbers_with_one_adder() -> None:
    mine, theirs = ours("neuron"), MICROGRAD["neuron"]
    # the weights random.seed(1337) gives, the inputs, the weighted sum, the output: all the same
    assert mine["named"] == theirs["named"]
    assert mine["ops"] == ["ReLU", "weighted_sum"]
    assert theirs["ops"] == ["*", "*", "+", "+", "ReLU"]
    # micrograd's extra records are the products w_i * x_i and the partial sum b + w0 * x0
    extra = Counter(theirs["records"]) - Counter(mine["records"])
    assert not Counter(mine["records"]) - Counter(theirs["records"])
    assert sum(extra.values()) == 3

    # the adder reads exactly micrograd's leaves
    def leaves(tree: tuple[Any, ...]) -> list[str]:
        record, op, inputs = tree
        return [record] if not op else [leaf for t in inputs for leaf in leaves(t)]

    (adder,) = mine["tree"][2]
    assert [t[0] for t in adder[2]] == sorted(leaves(theirs["tree"]))


@pytest.mark.parametrize("example", EXAMPLES)
def test_viz_draw_dot_draws_what_the_notebook_draws(example: str) -> None:
    root, _ = EXAMPLES[example](microgradnet.Value, microgradnet.nn.Neuron)
    notebook = Drawing.read(draw_dot(root, format="png", rankdir="TB"))
    drawing = microgradnet.viz.draw_dot(root, format="png", rankdir="TB")
    ours_read = Drawing.read(drawing)
    assert ours_read.records == notebook.records
    assert ours_read.ops == notebook.ops
    assert ours_read.edges == notebook.edges
    assert (drawing.format, drawing.graph_attr) == ("png", {"rankdir": "TB"})


def test_prev_and_op_read_as_micrograd_s() -> None:
    Value = microgradnet.Value
    a, b = Value(2.0), Value(-3.0)
    assert (a._op, a._prev) == ("", set())
    labels = {
        "+": a + b,
        "*": a * b,
        "**2": a**2,
        "**-1": a**-1,
        "**0.5": a**0.5,
        "ReLU": a.relu(),
        "tanh": a.tanh(),
        "exp": a.exp(),
        # one node here, built from + and * in micrograd
        "-": a - b,
        "/": a / b,
        "neg": -a,
        # micrograd has no such operation
        "**": a**b,
        "sigmoid": a.sigmoid(),
        "log": a.log(),
        "abs": abs(b),
        "weighted_sum": microgradnet.nn.Neuron(1, nonlin=False)([a]),
    }
    assert {label: v._op for label, v in labels.items()} == {label: label for label in labels}
    assert (a * b)._prev == {a, b} and (a * a)._prev == {a}  # a set: a read twice is there once
    const = (a + 1)._prev - {a}
    assert [v.data for v in const] == [1.0]
    c = Value(2.0)
    assert c != a and len({a, c, a}) == 2 and hash(a) == hash(a)  # by identity, not by data
