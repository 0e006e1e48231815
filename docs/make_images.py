"""Draw the pictures of the documentation into ``docs/images/``.

Three graphs: micrograd's single tanh neuron on `Value`s, the seed article's network on tensors
(one cluster per layer), and a 2-16-16-1 `Value` MLP's hinge loss over moons-like points with each
layer collapsed into a box. SVG always (through the WebAssembly fallback where Graphviz's ``dot``
is missing); PNG too when ``dot`` is installed.

Run it: ``python docs/make_images.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from microgradnet import Value, manual_seed, nn
from microgradnet.demo import seed_loss, seed_network
from microgradnet.nn.functional import hinge_loss
from microgradnet.viz import Drawing, draw_graph, render

IMAGES = Path(__file__).resolve().parent / "images"


def neuron() -> Drawing:
    """micrograd's neuron: ``o = tanh(x1 * w1 + x2 * w2 + b)``, after ``o.backward()``."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return draw_graph(o)


def seed() -> Drawing:
    """The seed network's sum of squared errors, after one backward pass."""
    model = seed_network(0)
    loss = seed_loss(model)
    loss.backward()
    return draw_graph(loss, model=model, rankdir="TB")


def moons(points: int = 6) -> Drawing:
    """A 2-16-16-1 ReLU MLP's mean hinge loss over ``points`` two-moons points, layers collapsed."""
    rng = np.random.default_rng(0)
    angle = rng.uniform(0.0, np.pi, points)
    label = np.where(np.arange(points) % 2 == 0, 1.0, -1.0)
    x = np.stack([np.cos(angle) + (label < 0), np.sin(angle) * label - 0.25 * (label < 0)], 1)
    manual_seed(0)
    model = nn.MLP(2, [16, 16, 1])
    loss = hinge_loss([model(xi.tolist()) for xi in x], label.tolist())
    loss.backward()
    return draw_graph(loss, model=model, collapse=2, grad_edges=True)


def main() -> None:
    """Write every picture as SVG, and as PNG where ``dot`` is installed."""
    IMAGES.mkdir(exist_ok=True)
    formats = ["svg", "png"] if shutil.which("dot") else ["svg"]
    for name, make in (("value_neuron", neuron), ("seed_network", seed), ("moons_mlp", moons)):
        drawing = make()
        for fmt in formats:
            print("wrote", render(drawing, IMAGES / f"{name}.{fmt}", format=fmt))


if __name__ == "__main__":
    main()
