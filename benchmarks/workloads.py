"""The benchmark problems: data, initial weights and hyperparameters, shared by every
implementation.

Weights are stored in the hand-written layout: ``W`` of shape ``(inputs, outputs)``, ``b`` of
shape ``(outputs,)``. Every implementation starts from copies of the same arrays.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True)
class Problem:
    """One workload's fixed inputs: ``x``, ``y`` and the initial ``weights`` (in layer order)."""

    x: np.ndarray
    y: np.ndarray
    weights: tuple[np.ndarray, ...]
    lr: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)

    def initial(self) -> list[np.ndarray]:
        """Fresh copies of the initial weights."""
        return [w.copy() for w in self.weights]


class Trainer(Protocol):
    """One implementation set up on one problem."""

    def step(self) -> None:
        """One timed unit of work (a training iteration, or one op forward and backward)."""

    def result(self) -> list[np.ndarray]:
        """What is compared with the hand-written numpy: the last loss (or output) and the
        weights (or gradients), in the hand-written layout."""


Factory = Callable[[Problem], Trainer]


def _uniform(rng: np.random.Generator, fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape)


def seed_network(dtype: Any = np.float64) -> Problem:
    """A: the 3-4-1 sigmoid network on XOR-like data, summed squared error, learning rate 1."""
    rng = np.random.default_rng(1)
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=dtype)
    y = np.array([[0], [1], [1], [0]], dtype=dtype)
    w1 = rng.uniform(-1.0, 1.0, (3, 4)).astype(dtype)
    w2 = rng.uniform(-1.0, 1.0, (4, 1)).astype(dtype)
    return Problem(x, y, (w1, w2), lr=1.0)


def _moons(n: int, rng: np.random.Generator, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles, labels -1 and 1 (micrograd's demo data)."""
    half = n // 2
    angles = np.concatenate([np.linspace(0, np.pi, n - half), np.linspace(0, np.pi, half)])
    upper = np.arange(n) < n - half
    x = np.where(upper, np.cos(angles), 1 - np.cos(angles))
    y = np.where(upper, np.sin(angles), 0.5 - np.sin(angles))
    points = np.stack([x, y], axis=1) + rng.normal(0.0, noise, (n, 2))
    return points, np.where(upper, -1.0, 1.0)[:, None]


def moons_mlp(dtype: Any = np.float64) -> Problem:
    """B: micrograd's 2-16-16-1 ReLU MLP on 100 moons points, hinge loss plus L2, SGD."""
    rng = np.random.default_rng(2)
    x, y = _moons(100, rng)
    sizes = [2, 16, 16, 1]
    weights: list[np.ndarray] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        weights += [_uniform(rng, fan_in, (fan_in, fan_out)), _uniform(rng, fan_in, (fan_out,))]
    cast = [w.astype(dtype) for w in weights]
    return Problem(x.astype(dtype), y.astype(dtype), tuple(cast), lr=0.1, extra={"alpha": 1e-4})


def mnist_mlp(dtype: Any = np.float32) -> Problem:
    """C: an MNIST-sized 784-256-10 ReLU MLP, one batch of 128, cross-entropy, SGD."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0.0, 1.0, (128, 784)).astype(dtype)
    labels = rng.integers(0, 10, 128)
    weights = (
        _uniform(rng, 784, (784, 256)),
        _uniform(rng, 784, (256,)),
        _uniform(rng, 256, (256, 10)),
        _uniform(rng, 256, (10,)),
    )
    one_hot = (labels[:, None] == np.arange(10)).astype(dtype)
    cast = tuple(w.astype(dtype) for w in weights)
    return Problem(x, one_hot, cast, lr=0.01, extra={"labels": labels})


def mnist_cnn(dtype: Any = np.float32) -> Problem:
    """E: a 2-layer CNN on a batch of 64 MNIST-sized images: conv 1->8 3x3 (padding 1), ReLU,
    max-pool 2, conv 8->16 3x3 (padding 1), ReLU, max-pool 2, linear 784->10, cross-entropy, SGD.

    Convolution weights are stored as PyTorch's ``(C_out, C_in, kh, kw)``.
    """
    rng = np.random.default_rng(5)
    x = rng.uniform(0.0, 1.0, (64, 1, 28, 28)).astype(dtype)
    labels = rng.integers(0, 10, 64)
    weights = (
        _uniform(rng, 9, (8, 1, 3, 3)),
        _uniform(rng, 9, (8,)),
        _uniform(rng, 72, (16, 8, 3, 3)),
        _uniform(rng, 72, (16,)),
        _uniform(rng, 784, (784, 10)),
        _uniform(rng, 784, (10,)),
    )
    one_hot = (labels[:, None] == np.arange(10)).astype(dtype)
    cast = tuple(w.astype(dtype) for w in weights)
    return Problem(x, one_hot, cast, lr=0.05, extra={"labels": labels})


def elementwise(dtype: Any = np.float64) -> Problem:
    """D: ``z = a * b`` on two 4x4 arrays, backward from the gradient ``y`` (no training)."""
    rng = np.random.default_rng(4)
    a, b, g = (rng.normal(size=(4, 4)).astype(dtype) for _ in range(3))
    return Problem(a, g, (b,))


@dataclass(frozen=True)
class Workload:
    """A named problem, its default dtype, and speed targets: for an implementation, the largest
    median as a multiple of the hand-written numpy's (``"x"``) or in seconds (``"s"``)."""

    key: str
    title: str
    make: Callable[..., Problem]
    dtype: Any
    targets: dict[str, tuple[float, str]]


WORKLOADS = {
    w.key: w
    for w in (
        Workload(
            "A",
            "seed network 3-4-1, 1 iteration",
            seed_network,
            np.float64,
            {"tensor": (3.0, "x"), "value": (15.0, "x"), "compiled": (1.0, "x")},
        ),
        Workload(
            "B",
            "moons MLP 2-16-16-1, 1 SGD step",
            moons_mlp,
            np.float64,
            {"tensor": (3.0, "x"), "value": (2700.0, "x"), "compiled": (1.0, "x")},
        ),
        Workload(
            "C",
            "MNIST MLP 784-256-10, batch 128, f32",
            mnist_mlp,
            np.float32,
            {"tensor": (1.10, "x"), "compiled": (1.0, "x")},
        ),
        Workload(
            "D", "4x4 mul, forward + backward", elementwise, np.float64, {"tensor": (4.0, "x")}
        ),
        Workload(
            "E",
            "MNIST CNN 2 conv + linear, batch 64, f32",
            mnist_cnn,
            np.float32,
            {"tensor": (1.5, "x"), "nn": (1.5, "x")},
        ),
    )
}
