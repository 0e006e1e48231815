"""micrograd's demo: a 2-16-16-1 ReLU network separates two interleaved half moons.

Trained twice on the same 100 points from the same initial weights: once as micrograd does, a
network of `Value`s (`nn.MLP`, about 65,000 scalar graph nodes per step), and once as a `Tensor`
network (`nn.Sequential` of `Linear` and `ReLU`, a few dozen nodes per step). Loss: micrograd's
hinge loss plus an L2 penalty; SGD with micrograd's learning rate ``1 - 0.9 * k / 100``.

Run it: ``python examples/moons.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

import microgradnet as mg
from microgradnet import nn
from microgradnet.nn import functional as F  # noqa: N812 - PyTorch's convention

ALPHA = 1e-4  # the L2 penalty's weight


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles of ``n`` points in all, with Gaussian noise, shuffled.

    Returns the points, shape (n, 2), and their labels, -1 (upper moon) or 1 (lower moon).
    """
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n - n_upper)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    points = np.concatenate([upper, lower]) + rng.normal(0.0, noise, (n, 2))
    labels = np.concatenate([-np.ones(n_upper), np.ones(n - n_upper)])
    order = rng.permutation(n)
    return points[order], labels[order]


def value_mlp(seed: int) -> nn.MLP:
    """micrograd's model: ``MLP(2, [16, 16, 1])`` of Values, ReLU hidden layers, linear score."""
    mg.manual_seed(seed)
    return nn.MLP(2, [16, 16, 1])


def tensor_mlp_like(model: nn.MLP) -> nn.Sequential:
    """The same network as a `Tensor` model, with copies of ``model``'s weights."""
    layers: list[nn.Module] = []
    for layer in model.layers:
        neurons = list(layer.neurons)
        linear = nn.Linear(neurons[0].nin, len(neurons))
        with mg.no_grad():
            linear.weight.copy_(np.array([[w.data for w in n.w] for n in neurons]))
            linear.bias.copy_(np.array([n.b.data for n in neurons]))
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def value_loss(model: nn.MLP, x: np.ndarray, y: np.ndarray) -> tuple[mg.Value, float]:
    """The hinge loss plus the L2 penalty over all points, and the accuracy, as micrograd."""
    scores = [model(row) for row in x.tolist()]
    loss = F.hinge_loss(scores, y.tolist()) + ALPHA * sum(p * p for p in model.parameters())
    accuracy = float(np.mean([(s.data > 0) == (t > 0) for s, t in zip(scores, y)]))
    return loss, accuracy


def tensor_loss(model: nn.Sequential, x: np.ndarray, y: np.ndarray) -> tuple[mg.Tensor, float]:
    """The same loss and accuracy, computed on whole arrays."""
    scores = model(mg.tensor(x)).reshape(-1)
    penalty = sum((p * p).sum() for p in model.parameters())
    loss = F.hinge_loss(scores, mg.tensor(y)) + ALPHA * penalty
    return loss, float(np.mean((scores.numpy() > 0) == (y > 0)))


def train(model: Any, loss_fn: Any, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
    """micrograd's loop: full-batch SGD, learning rate ``1 - 0.9 * k / 100`` at step ``k``.

    Returns the training accuracy before each step and after the last.
    """
    optimizer = mg.optim.SGD(model.parameters(), lr=1.0)
    schedule = mg.optim.lr_scheduler.LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / 100)
    accuracies = []
    for _ in range(steps):
        loss, accuracy = loss_fn(model, x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        accuracies.append(accuracy)
    with mg.no_grad():
        accuracies.append(loss_fn(model, x, y)[1])
    return accuracies


def decision_boundary(
    model: nn.Sequential, x: np.ndarray, y: np.ndarray, width: int = 64, height: int = 24
) -> str:
    """An ASCII picture: '.' where the model scores below 0, ' ' above; points as 'o' (label
    -1) and 'x' (label 1)."""
    (x0, y0), (x1, y1) = x.min(axis=0) - 0.3, x.max(axis=0) + 0.3
    xs, ys = np.linspace(x0, x1, width), np.linspace(y1, y0, height)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    with mg.no_grad():
        scores = model(mg.tensor(grid)).numpy().reshape(height, width)
    canvas = np.where(scores < 0, ".", " ").astype("<U1")
    cols = np.rint((x[:, 0] - x0) / (x1 - x0) * (width - 1)).astype(int)
    rows = np.rint((y1 - x[:, 1]) / (y1 - y0) * (height - 1)).astype(int)
    canvas[rows, cols] = np.where(y > 0, "x", "o")
    return "\n".join("".join(row) for row in canvas)


@dataclass(frozen=True)
class MoonsResult:
    """Training accuracy after each step (and at the start), and seconds spent, per model."""

    value_accuracy: list[float]
    tensor_accuracy: list[float]
    value_seconds: float
    tensor_seconds: float
    picture: str


def main(
    n_points: int = 100, steps: int = 100, seed: int = 1, value_points: int | None = None
) -> MoonsResult:
    """Train both networks on ``n_points`` moons for ``steps`` steps; print and return results.

    ``value_points`` trains the Value network on only the first that many points (the Tensor
    network always sees all of them): a shortcut for quick runs.
    """
    x, y = make_moons(n_points, noise=0.1, seed=seed)
    model = value_mlp(seed)
    twin = tensor_mlp_like(model)
    start = time.perf_counter()
    value_acc = train(model, value_loss, x[:value_points], y[:value_points], steps)
    value_seconds = time.perf_counter() - start
    start = time.perf_counter()
    tensor_acc = train(twin, tensor_loss, x, y, steps)
    tensor_seconds = time.perf_counter() - start
    picture = decision_boundary(tensor_mlp_like(model), x, y)
    print(f"Value MLP:  accuracy {value_acc[-1]:.0%} after {steps} steps ({value_seconds:.1f} s)")
    print(f"Tensor MLP: accuracy {tensor_acc[-1]:.0%} after {steps} steps ({tensor_seconds:.2f} s)")
    print("decision boundary of the Value MLP ('.': score < 0; o: label -1, x: label 1):")
    print(picture)
    return MoonsResult(value_acc, tensor_acc, value_seconds, tensor_seconds, picture)


if __name__ == "__main__":
    main()
