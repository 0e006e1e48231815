"""Draw the pictures of the documentation into ``docs/_generated/images/`` (not tracked).

Four graphs: micrograd's single tanh neuron on `Value`s, the seed article's network on tensors
(one cluster per layer), a 2-16-16-1 `Value` MLP's hinge loss over moons-like points with each
layer collapsed into a box, and the loss of ``examples/char_gpt.py``'s GPT, its first block opened
into collapsed parts and its second collapsed whole. SVG always (through a fallback where
Graphviz's ``dot`` is missing); PNG too when ``dot`` is installed. The documentation build runs
it, and leaves tracked files alone.

``python docs/make_images.py --readme`` also refreshes the one tracked picture,
``docs/images/seed_network.svg`` (the README's and the front page's), writing it only when its
bytes change.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

from microgradnet import Value, manual_seed, nn
from microgradnet.demo import seed_loss, seed_network
from microgradnet.nn.functional import hinge_loss
from microgradnet.viz import Drawing, draw_graph
from microgradnet.viz.pictures import pipe

DOCS = Path(__file__).resolve().parent
if str(DOCS.parent) not in sys.path:  # examples/ is in the repository, not in the package
    sys.path.insert(0, str(DOCS.parent))
#: Where the build writes its pictures (ignored by git).
IMAGES = DOCS / "_generated" / "images"
#: The tracked picture of the README, refreshed only on request.
README_PICTURE = DOCS / "images" / "seed_network.svg"


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
    return draw_graph(loss, model=model)


def moons(points: int = 4) -> Drawing:
    """A 2-16-16-1 ReLU MLP's mean hinge loss over ``points`` two-moons points, layers collapsed."""
    rng = np.random.default_rng(0)
    angle = rng.uniform(0.0, np.pi, points)
    label = np.where(np.arange(points) % 2 == 0, 1.0, -1.0)
    x = np.stack([np.cos(angle) + (label < 0), np.sin(angle) * label - 0.25 * (label < 0)], 1)
    manual_seed(0)
    model = nn.MLP(2, [16, 16, 1])
    loss = hinge_loss([model(xi.tolist()) for xi in x], label.tolist())
    loss.backward()
    return draw_graph(loss, model=model, collapse=2, grad_edges=True, rankdir="TB")


def char_gpt() -> Drawing:
    """The GPT of ``examples/char_gpt.py`` at its full size on two windows of eight characters;
    the first block's norms, attention and MLP are boxes, the second block one box."""
    from examples.char_gpt import GPT, Corpus, GPTConfig, windows

    corpus = Corpus.from_text("def add(x, y):\n    return x + y\n", val_fraction=0.0)
    manual_seed(0)
    model = GPT(GPTConfig(corpus.vocab_size))
    loss = model.loss(*windows(corpus.train, np.array([0, 16]), 8))
    loss.backward()
    parts = [f"blocks.0.{name}" for name in ("ln_1", "attn", "ln_2", "mlp")]
    return draw_graph(loss, model=model, collapse=[*parts, "blocks.1", "ln_f"], rankdir="TB")


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it already holds exactly that."""
    if path.exists() and path.read_bytes() == data:
        return
    path.write_bytes(data)
    print("wrote", path)


def main(readme: bool = False) -> None:
    """Write every picture as SVG, and as PNG where ``dot`` is installed; with ``readme``, also
    the README's tracked picture."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    formats = ["svg", "png"] if shutil.which("dot") else ["svg"]
    for name, make in (
        ("value_neuron", neuron),
        ("seed_network", seed),
        ("moons_mlp", moons),
        ("char_gpt", char_gpt),
    ):
        drawing = make()
        for fmt in formats:
            _write(IMAGES / f"{name}.{fmt}", pipe(drawing, fmt))
    if readme:
        _write(README_PICTURE, pipe(seed(), "svg"))


if __name__ == "__main__":
    main(readme="--readme" in sys.argv[1:])
