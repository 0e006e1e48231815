"""The explorer's steps and numbers (without a browser), its errors, and the lazy ``mg.viz``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Value, nn
from microgradnet.demo import seed_loss, seed_network
from microgradnet.viz import Explorer, explore
from microgradnet.viz.replay import replay_backward
from microgradnet.viz.walk import nodes_in_order, walk


def page_data(page: Explorer) -> dict:
    found = re.search(
        r'<script id="explorer-data" type="application/json">(.*?)</script>', page.html, re.S
    )
    assert found is not None
    return json.loads(found.group(1).replace("<\\/", "</"))


def test_forward_steps_follow_execution_and_backward_the_engine_order():
    model = seed_network(0)
    loss = seed_loss(model)
    page = explore(loss, model=model)
    values = nodes_in_order([loss])
    kinds = [s["kind"] for s in page.steps]
    n_ops = sum(v._ctx is not None for v in values)
    assert kinds == ["start"] + ["forward"] * n_ops + ["seed"] + ["backward"] * n_ops
    forward = [values[s["node"]]._ctx._seq for s in page.steps if s["kind"] == "forward"]
    backward = [values[s["node"]]._ctx._seq for s in page.steps if s["kind"] == "backward"]
    assert forward == sorted(forward) and backward == sorted(forward, reverse=True)
    assert page.steps[1]["title"] == "permute(0.weight, dims=(1, 0))"


def test_replayed_gradients_equal_the_engines_and_leave_grad_alone():
    model = seed_network(1)
    loss = seed_loss(model)
    w = walk(loss)
    replay = replay_backward(w)
    assert all(p.grad is None for p in model.parameters())  # the replay wrote nothing
    for v in w.values:
        if v._ctx is not None:
            v.retain_grad()
    loss.backward()
    for v, g in zip(w.values, replay.grads):
        if v.requires_grad:
            np.testing.assert_array_equal(g, v.grad)
        else:
            assert g is None


def test_arrivals_carry_running_sums():
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    y = (a * b + a).tanh() * a
    replay = replay_backward(walk(y))
    y.backward()
    w = walk(y)
    sums: dict[int, float] = {}
    for step in replay.arrivals:
        for arrival in step:
            sums[arrival.target] = sums.get(arrival.target, 0.0) + arrival.grad
            assert arrival.total == sums[arrival.target]
    assert sums[w.index[id(a)]] == a.grad and sums[w.index[id(b)]] == b.grad


def test_page_is_self_contained_and_its_numbers_are_exact(tmp_path: Path):
    model = seed_network(0)
    loss = seed_loss(model)
    page = explore(loss, tmp_path / "seed.html", model=model)
    text = (tmp_path / "seed.html").read_text(encoding="utf-8")
    assert text == page.html
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert not re.search(r"(src|href)=\"(?!data:)", text)  # nothing loaded from anywhere
    assert "http://" not in text.replace("http://www.w3.org/", "")
    assert "https://" not in text
    data = page_data(page)
    values = nodes_in_order([loss])
    for node, v in zip(data["nodes"], values):
        assert node["data"]["values"] == v.data.reshape(-1).tolist()
        assert node["data"]["shape"] == list(v.shape)
    loss.backward()
    weight = model[0].weight
    last = [a for step in data["arrivals"] for a in step if values[a["target"]] is weight][-1]
    assert last["total"]["values"] == weight.grad.reshape(-1).tolist()
    assert last["edge"] is not None and f'id="{last["edge"]}"' in page.html


def test_non_finite_numbers_reach_the_page_as_text():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = (x.log() * 2.0).sum()
        data = page_data(explore(y))
    assert data["nodes"][1]["data"]["values"][0] == "-inf"


def test_notebooks_show_the_page_in_an_iframe():
    page = explore(Value(2.0, label="x") * 3.0)
    shown = page._repr_html_()
    assert shown.startswith('<iframe class="microgradnet-explorer"')
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in shown and "<script" not in shown
    assert repr(page).startswith("<Explorer: 4 steps")  # start, mul, seed, mul


def test_collapse_and_max_nodes_work_as_in_drawings():
    mg.manual_seed(0)
    model = nn.MLP(2, [16, 16, 1])
    score = model([0.5, -1.0])
    with pytest.raises(ValueError, match=r"max_nodes=100; pass collapse="):
        explore(score, model=model, max_nodes=100)
    page = explore(score, model=model, collapse=2)
    data = page_data(page)
    assert sum(s["kind"] == "backward" for s in page.steps) == walk(score).n_ops
    assert {n["element"] for n in data["nodes"]} >= {"m2", "m20", "m38"}  # the layers' boxes
    assert 'id="m2"' in page.html


def test_errors_say_what_to_do():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"explore: the output has shape \(2,\).*\.sum\(\)"):
        explore(x * 2.0)
    with pytest.raises(RuntimeError, match="does not require grad"):
        explore(mg.tensor([1.0]) * 2.0)
    with pytest.raises(TypeError, match="expected a Tensor or a Value, got a list"):
        explore([x])  # type: ignore[arg-type]
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"explore: .*retain_graph=True"):
        explore(y)
    z = (x * x).sum()
    z.backward(retain_graph=True)
    assert len(explore(z).steps) == 1 + 2 + 1 + 2


def test_mg_viz_loads_on_first_use():
    code = (
        "import sys, microgradnet as mg\n"
        "assert 'microgradnet.viz' not in sys.modules and 'graphviz' not in sys.modules\n"
        "d = mg.viz.draw_graph(mg.Value(1.0) * 2.0)\n"
        "assert 'microgradnet.viz' in sys.modules\n"
        "try:\n"
        "    mg.vizz\n"
        "except AttributeError as err:\n"
        "    print(err)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "module 'microgradnet' has no attribute 'vizz'"
