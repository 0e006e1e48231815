"""The DOT text of drawings: counts, names, clusters, collapsing, diagnostics, determinism."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Value, nn
from microgradnet.demo import seed_loss, seed_network
from microgradnet.nn.functional import hinge_loss
from microgradnet.viz import DEFAULT_MAX_NODES, draw_graph, to_dot
from microgradnet.viz.walk import walk

NODE = re.compile(r"^\t+(\w+) \[label=(\"(?:[^\"\\]|\\.)*\"|\w+)(.*)\]$")
EDGE = re.compile(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$")
CLUSTER = re.compile(r"^\t+subgraph (cluster_\w+) \{$")
LABEL = re.compile(r"^\t+graph \[.*?label=(\"(?:[^\"\\]|\\.)*\"|\w+)")


class Parsed:
    """Nodes (id to label and attributes), edges, and each node's enclosing clusters."""

    def __init__(self, dot: str) -> None:
        self.nodes: dict[str, tuple[str, str]] = {}
        self.edges: list[tuple[str, str, str]] = []
        self.clusters: dict[str, str] = {}  # cluster id -> its label
        self.inside: dict[str, tuple[str, ...]] = {}  # node id -> clusters, outermost first
        stack: list[str] = []
        for line in dot.splitlines():
            if m := CLUSTER.match(line):
                stack.append(m.group(1))
            elif line.strip() == "}" and stack:
                stack.pop()
            elif (m := LABEL.match(line)) and stack:
                self.clusters[stack[-1]] = m.group(1).strip('"')
            elif m := EDGE.match(line):
                self.edges.append((m.group(1), m.group(2), m.group(3) or ""))
            elif m := NODE.match(line):
                self.nodes[m.group(1)] = (m.group(2).strip('"'), m.group(3))
                self.inside[m.group(1)] = tuple(stack)

    def graph_nodes(self) -> list[str]:
        return [n for n in self.nodes if not n.startswith("legend")]

    def graph_edges(self) -> list[tuple[str, str, str]]:
        return [e for e in self.edges if not e[0].startswith("legend")]

    def labelled(self, text: str) -> list[str]:
        return [n for n, (label, _) in self.nodes.items() if text in label]


def neuron() -> Value:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    return o


def test_one_node_per_value_and_per_operation_and_one_edge_per_input_and_output():
    o = neuron()
    p = Parsed(to_dot(o))
    w = walk(o)
    assert len(w.values) == 10 and w.n_ops == 5
    values = [n for n in p.graph_nodes() if n.startswith("v")]
    ops = [n for n in p.graph_nodes() if n.startswith("o")]
    assert (len(values), len(ops)) == (10, 5)
    assert len(p.graph_edges()) == w.n_edges == 2 * 4 + 1 + 5
    # every operation reads its inputs and writes its output
    assert sum(1 for t, h, _ in p.edges if h.startswith("o")) == 9
    outputs = {(t, h) for t, h, _ in p.edges if t.startswith("o")}
    assert outputs == {(f"o{i}", f"v{i}") for i in (2, 5, 6, 8, 9)}


def test_value_records_show_label_data_and_grad_like_micrograd():
    p = Parsed(to_dot(neuron()))
    assert p.nodes["v0"][0] == "x1|data 2|grad -1.5"
    assert p.labelled("o|data 0.7071|grad 1")
    ops = {label for n, (label, _) in p.nodes.items() if n.startswith("o")}
    assert ops == {"mul", "add", "tanh"}


def test_a_value_read_twice_has_two_edges_to_its_operation():
    x = Value(3.0)
    p = Parsed(to_dot(x * x, legend=False))
    assert [(t, h) for t, h, _ in p.edges] == [("v0", "o1"), ("v0", "o1"), ("o1", "v1")]


def test_tensor_records_show_shape_dtype_values_of_small_and_summary_of_large_tensors():
    a = mg.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4), requires_grad=True)
    b = mg.tensor([1.0, -2.0], requires_grad=True)
    loss = a.sum() * (b * b).sum()
    loss.backward()
    p = Parsed(to_dot(loss, rankdir="LR"))
    (big,) = p.labelled("(3, 4) float32")
    assert "data min 0  mean 5.5  max 11" in p.nodes[big][0]
    assert "grad min 5  mean 5  max 5" in p.nodes[big][0]
    (small,) = [n for n in p.labelled("(2,) float64") if p.nodes[n][1].count("#fde3bf")]
    assert p.nodes[small][0] == "(2,) float64|data [1, -2]|grad [132, -264]"
    assert p.labelled("sum\\ndim=(0, 1)")  # op parameters from extra_repr


def test_roles_are_coloured_and_the_legend_explains_them():
    x = mg.tensor([1.0, 2.0])
    w = mg.tensor([0.5, 0.5], requires_grad=True)
    loss = (x * w).sum()
    loss.backward()
    p = Parsed(to_dot(loss, legend=True))
    legend = {label: attrs for n, (label, attrs) in p.nodes.items() if n.startswith("legend")}
    assert set(legend) >= {"input or constant", "parameter", "intermediate result", "output"}
    fill = re.compile(r'fillcolor="(#\w+)"')
    colour = {
        role: fill.search(legend[text]).group(1)
        for role, text in [
            ("input", "input or constant"),
            ("param", "parameter"),
            ("mid", "intermediate result"),
            ("out", "output"),
        ]
    }
    assert len(set(colour.values())) == 4
    assert fill.search(p.nodes["v0"][1]).group(1) == colour["input"]
    assert fill.search(p.nodes["v1"][1]).group(1) == colour["param"]
    assert fill.search(p.nodes["v2"][1]).group(1) == colour["mid"]
    assert fill.search(p.nodes["v3"][1]).group(1) == colour["out"]
    assert not Parsed(to_dot(loss)).clusters  # no legend by default
    assert "NaN or infinity" not in legend  # only the colours the drawing uses


def test_model_names_parameters_and_groups_nodes_into_module_clusters():
    model = seed_network(0)
    loss = seed_loss(model)
    loss.backward()
    p = Parsed(to_dot(loss, model=model))
    titles = set(p.clusters.values())
    assert "0: Linear(in_features=3, out_features=4, bias=False)\\n12 parameters" in titles
    assert "2: Linear(in_features=4, out_features=1, bias=False)\\n4 parameters" in titles
    assert "1: Sigmoid()" in titles and "3: Sigmoid()" in titles  # no parameters, no count
    assert "Sequential()\\n16 parameters" in titles
    (w0,) = p.labelled("0.weight")
    assert len(p.labelled("2.weight")) == 1
    root = next(c for c, t in p.clusters.items() if t.startswith("Sequential("))
    layer0 = next(c for c, t in p.clusters.items() if t.startswith("0: "))
    assert p.inside[w0] == (root, layer0)  # nested as the modules are
    # the matmul of layer 0 is in its cluster; the loss is outside the model
    assert any(p.inside[n] == (root, layer0) for n in p.labelled("matmul"))
    assert all(p.inside[n] == () for n in p.labelled("pow"))
    # the input data stays outside, where it comes from
    assert p.inside[p.labelled("(4, 3) float64|data min 0")[0]] == ()


def test_value_mlp_clusters_nest_layer_and_neuron():
    mg.manual_seed(0)
    model = nn.MLP(2, [3, 1])
    score = model([0.5, -1.0])
    score.backward()
    p = Parsed(to_dot(score, model=model))
    (w,) = p.labelled("layers.0.neurons.1.w.0")
    titles = [p.clusters[c] for c in p.inside[w]]
    assert titles[0].startswith("MLP(") and titles[-1].startswith("layers.0.neurons.1: Neuron(")
    assert any(t.startswith("layers.0: Layer(") for t in titles)


def test_collapse_draws_modules_as_boxes_and_merges_their_edges():
    model = seed_network(0)
    loss = seed_loss(model)
    loss.backward()
    full = Parsed(to_dot(loss, model=model, legend=False))
    boxed = Parsed(to_dot(loss, model=model, legend=False, collapse=1))
    boxes = [n for n in boxed.graph_nodes() if n.startswith("m")]
    assert len(boxes) == 4
    title = "0: Linear(in_features=3, out_features=4, bias=False)\\n12 parameters"
    assert boxed.labelled(title + "\\n2 operations")
    # outside the boxes: x, y, and sub, pow and sum with their outputs
    assert len(boxed.graph_nodes()) == 4 + 2 + 3 * 2
    assert len(full.graph_nodes()) > len(boxed.graph_nodes())
    pairs = [(t, h) for t, h, _ in boxed.edges]
    assert len(pairs) == len(set(pairs))  # one edge per pair of box and neighbour
    assert ("m1", "m2") in pairs and ("m2", "m3") in pairs and ("m3", "m4") in pairs
    by_path = Parsed(to_dot(loss, model=model, legend=False, collapse=("0", "2")))
    assert sum(n.startswith("m") for n in by_path.graph_nodes()) == 2
    whole = Parsed(to_dot(loss, model=model, legend=False, collapse=0))
    assert [n for n in whole.graph_nodes() if n.startswith("m")] == ["m0"]
    assert not whole.clusters


def test_collapse_errors_name_the_problem():
    model = seed_network(0)
    loss = seed_loss(model)
    with pytest.raises(ValueError, match=r"'7'.*not modules.*'0', '1'"):
        draw_graph(loss, model=model, collapse=("7",))
    with pytest.raises(ValueError, match="collapse needs model="):
        draw_graph(loss, collapse=1)
    with pytest.raises(ValueError, match="rankdir must be 'TB', 'LR'"):
        draw_graph(loss, rankdir="up")
    with pytest.raises(TypeError, match="expected a Tensor or a Value, got a list"):
        draw_graph([loss])


def test_nan_and_infinity_are_red_and_zero_gradients_grey_only_after_backward():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    unused = mg.tensor([3.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = (x.log() * 0.0).sum() + (unused * 0.0).sum()
    before = Parsed(to_dot(y))
    assert "#d62728" in before.nodes[before.labelled("data [-inf, 0]")[0]][1]
    assert not any("#c2c2c2" in attrs for n, (_, attrs) in before.nodes.items() if n[0] == "v")
    with np.errstate(invalid="ignore"):
        y.backward()
    after = Parsed(to_dot(y))
    (u,) = after.labelled("data [3]")
    assert "#c2c2c2" in after.nodes[u][1] and "grad [0]" in after.nodes[u][0]
    (xs,) = after.labelled("data [0, 1]")
    assert "#d62728" in after.nodes[xs][1]  # its gradient 0 * (1 / 0) is NaN


def test_dead_relu_input_is_greyed():
    a, b = Value(-2.0, label="a"), Value(5.0, label="b")
    out = a.relu() + b
    out.backward()
    p = Parsed(to_dot(out))
    assert "#c2c2c2" in p.nodes[p.labelled("a|")[0]][1]
    assert "#c2c2c2" not in p.nodes[p.labelled("b|")[0]][1]


def test_grad_edges_scale_width_with_the_gradient():
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    out = a * 10.0 + b
    out.backward()
    p = Parsed(to_dot(out, grad_edges=True, legend=False))
    width = re.compile(r"penwidth=([\d.]+)")
    widths = {(t, h): float(m.group(1)) for t, h, a in p.edges if (m := width.search(a))}
    # the constant 10 keeps no gradient, so its edge keeps the default width
    assert len(widths) == len(p.edges) - 1
    (va,) = p.labelled("a|")
    (vb,) = p.labelled("b|")
    into_a_op = next(w for (t, _), w in widths.items() if t == va)
    into_b_op = next(w for (t, _), w in widths.items() if t == vb)
    assert max(widths.values()) == into_a_op == 4.0 and into_b_op < into_a_op
    assert not any("penwidth" in a for _, _, a in Parsed(to_dot(out, legend=False)).edges)


def test_same_graph_gives_byte_identical_dot():
    def build() -> str:
        model = seed_network(3)
        loss = seed_loss(model)
        loss.backward()
        return to_dot(loss, model=model, grad_edges=True)

    first = build()
    assert first == build()
    assert "0x" not in first  # no memory addresses


def test_hostile_names_are_escaped():
    hostile = 'q"uo\\te {brace} |pipe| <angle>\nnewline\\'
    x = Value(1.0, label=hostile)
    p = Parsed(to_dot(x * 2.0, legend=False))
    label = p.nodes["v0"][0]
    assert label.startswith('q\\"uo\\\\te \\{brace\\} \\|pipe\\| \\<angle\\>\\nnewline\\\\|data 1')


def test_deep_graphs_draw_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    assert len(walk(y).values) == 40_001
    dot = to_dot(y, max_nodes=100_000, legend=False)
    assert dot.count("->") == 60_000


def moons_mlp(points: int) -> tuple[nn.MLP, Value]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(points, 2))
    y = np.where(rng.random(points) < 0.5, 1.0, -1.0)
    mg.manual_seed(0)
    model = nn.MLP(2, [16, 16, 1])
    loss = hinge_loss([model(xi.tolist()) for xi in x], y.tolist())
    loss.backward()
    return model, loss


def test_large_value_mlp_draws_collapsed_quickly_and_refuses_uncollapsed():
    model, loss = moons_mlp(100)
    w = walk(loss)
    assert len(w.values) + w.n_ops > 10_000
    start = time.perf_counter()
    p = Parsed(to_dot(loss, model=model, collapse=2))
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, f"drawing took {elapsed:.1f} s"
    assert sum(n.startswith("m") for n in p.graph_nodes()) == 3
    assert len(p.graph_nodes()) < (len(w.values) + w.n_ops) / 10
    with pytest.raises(ValueError) as err:
        draw_graph(loss, model=model)
    message = str(err.value)
    assert f"max_nodes={DEFAULT_MAX_NODES}" in message
    assert f"the graph has {len(w.values) + w.n_ops} nodes" in message
    assert "collapse=" in message
    with pytest.raises(ValueError, match=r"max_nodes=10;"):
        draw_graph(loss, model=model, collapse=2, max_nodes=10)


def test_large_drawings_ask_dot_for_a_quick_layout():
    model, loss = moons_mlp(40)
    assert "nslimit=1" in to_dot(loss, model=model, collapse=2)
    assert "nslimit" not in to_dot(neuron())


def test_tensor_graphs_flow_top_to_bottom_and_value_graphs_left_to_right():
    loss = seed_loss(seed_network(0))
    assert "rankdir=TB" in to_dot(loss)
    assert "rankdir=LR" in to_dot(neuron())
    assert "rankdir=LR" in to_dot(loss, rankdir="LR")


def test_shapes_on_edges_are_an_option():
    model = seed_network(0)
    loss = seed_loss(model)
    shaped = Parsed(to_dot(loss, shapes=True))
    labels = [re.search(r'label="?([^"\]]*)', a).group(1) for _, _, a in shaped.edges]
    assert labels.count(" 4x3") >= 2  # X and the first weight into the matmul
    assert " 4x1" in labels
    assert not any("label" in a for _, _, a in Parsed(to_dot(loss)).edges)
