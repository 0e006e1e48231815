"""`summary`: layer tables checked against hand-counted parameters and shapes."""

from __future__ import annotations

import numpy as np

import microgradnet as mg
from microgradnet import nn
from microgradnet.demo import X, seed_network
from microgradnet.viz import summary


def test_seed_network():
    table = seed_network(0).summary(mg.tensor(X))  # Module.summary delegates to viz.summary
    rows = [(r.path, r.depth, r.output_shape, r.trainable, r.frozen) for r in table.rows]
    assert rows == [
        ("", 0, "(4, 1)", 0, 0),
        ("0", 1, "(4, 4)", 3 * 4, 0),  # 3 inputs to 4 hidden neurons, no bias
        ("1", 1, "(4, 4)", 0, 0),
        ("2", 1, "(4, 1)", 4 * 1, 0),
        ("3", 1, "(4, 1)", 0, 0),
    ]
    assert (table.total, table.trainable, table.frozen) == (16, 16, 0)
    assert table.param_bytes == 16 * 8
    # outputs: (4,4) twice and (4,1) twice, float64; the model's own output is the last layer's
    assert table.output_bytes == (16 + 16 + 4 + 4) * 8
    text = str(table)
    assert "Total parameters: 16" in text and "Parameter memory: 128 B" in text
    assert "  (0) Linear(in_features=3, out_features=4, bias=False)" in text
    html = table._repr_html_()
    assert html.startswith('<table class="microgradnet-summary">') and "<td" in html


def test_tensor_mlp_with_a_frozen_layer():
    mg.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 3)
    )
    model[0].weight.requires_grad = False
    model[0].bias.requires_grad = False
    table = summary(model, mg.tensor(np.zeros((5, 10))))
    shapes = [r.output_shape for r in table.rows]
    assert shapes == ["(5, 3)", "(5, 32)", "(5, 32)", "(5, 32)", "(5, 32)", "(5, 3)"]
    assert [(r.trainable, r.frozen) for r in table.rows] == [
        (0, 0),
        (0, 10 * 32 + 32),
        (0, 0),
        (32 * 32 + 32, 0),
        (0, 0),
        (32 * 3 + 3, 0),
    ]
    assert table.frozen == 352 and table.trainable == 1056 + 99 and table.total == 1507


def test_value_mlp_counts_every_neuron():
    mg.manual_seed(0)
    model = nn.MLP(2, [16, 16, 1])
    table = summary(model, [0.5, -1.0])
    assert table.total == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1 == 337
    by_path = {r.path: r for r in table.rows}
    assert by_path["layers.0"].output_shape == "16 x ()"
    assert by_path["layers.2"].output_shape == "()"
    assert by_path[""].output_shape == "()"
    assert by_path["layers.1.neurons.3"].trainable == 17  # its 16 weights w.0..w.15 and b
    assert by_path["layers.1.neurons.3"].depth == 4
    assert table.param_bytes == 337 * 8


class Conv2d(nn.Module):
    """A small valid, stride-1 convolution written with tensor operations (no Conv op yet)."""

    def __init__(self, c_in: int, c_out: int, k: int) -> None:
        super().__init__()
        self.k = k
        self.weight = nn.Parameter(np.full((c_out, c_in, k, k), 0.1))
        self.bias = nn.Parameter(np.zeros(c_out))

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        n, c, h, w = x.shape
        k, oh, ow = self.k, h - self.k + 1, w - self.k + 1
        patches = [x[:, :, i : i + oh, j : j + ow] for i in range(k) for j in range(k)]
        cols = mg.stack(patches, 2).reshape(n, c * k * k, oh * ow)
        out = self.weight.reshape(self.weight.shape[0], c * k * k) @ cols
        return out.reshape(n, -1, oh, ow) + self.bias.reshape(1, -1, 1, 1)


class Flatten(nn.Module):
    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return x.reshape(x.shape[0], -1)


def test_cnn():
    mg.manual_seed(0)
    model = nn.Sequential(
        Conv2d(3, 8, 3),
        nn.ReLU(),
        Conv2d(8, 16, 3),
        nn.ReLU(),
        Flatten(),
        nn.Linear(16 * 4 * 4, 10),
    )
    table = summary(model, mg.tensor(np.ones((2, 3, 8, 8))))
    assert [r.output_shape for r in table.rows] == [
        "(2, 10)",
        "(2, 8, 6, 6)",
        "(2, 8, 6, 6)",
        "(2, 16, 4, 4)",
        "(2, 16, 4, 4)",
        "(2, 256)",
        "(2, 10)",
    ]
    conv1, conv2, linear = 8 * 3 * 3 * 3 + 8, 16 * 8 * 3 * 3 + 16, 256 * 10 + 10
    assert [r.trainable for r in table.rows] == [0, conv1, 0, conv2, 0, 0, linear]
    assert table.total == conv1 + conv2 + linear == 3962
    # the modules run normally afterwards: their forward is the class's again
    assert "forward" not in vars(model[0])
    assert model(mg.tensor(np.ones((1, 3, 8, 8)))).shape == (1, 10)


def test_a_module_that_did_not_run_shows_a_dash():
    class Holder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.used = nn.Linear(2, 2)
            self.spare = nn.Linear(2, 5)

        def forward(self, x: mg.Tensor) -> mg.Tensor:
            return self.used(x)

    table = summary(Holder(), mg.tensor([[1.0, 2.0]]))
    assert [r.output_shape for r in table.rows] == ["(1, 2)", "(1, 2)", "-"]
    assert table.total == 6 + 15
