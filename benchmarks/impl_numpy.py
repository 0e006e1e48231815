"""The floor: each workload's forward and backward pass written by hand in numpy."""

from __future__ import annotations

from typing import Any

import numpy as np

from .workloads import Factory, Problem


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))  # type: ignore[no-any-return]


class SeedNetwork:
    """A: ``sigmoid(sigmoid(x @ w1) @ w2)``, summed squared error."""

    def __init__(self, p: Problem) -> None:
        self.x, self.y, self.lr = p.x, p.y, p.lr
        self.w1, self.w2 = p.initial()
        self.loss: Any = None

    def step(self) -> None:
        x, w1, w2 = self.x, self.w1, self.w2
        h = _sigmoid(x @ w1)
        out = _sigmoid(h @ w2)
        err = out - self.y
        self.loss = (err * err).sum()
        d_out = 2 * err * out * (1 - out)
        d_h = (d_out @ w2.T) * h * (1 - h)
        w2 -= self.lr * (h.T @ d_out)
        w1 -= self.lr * (x.T @ d_h)

    def result(self) -> list[np.ndarray]:
        return [np.asarray(self.loss), self.w1, self.w2]


class MoonsMLP:
    """B: ReLU MLP, mean hinge loss ``relu(1 - y * score)`` plus ``alpha * sum(p ** 2)``."""

    def __init__(self, p: Problem) -> None:
        self.x, self.y, self.lr, self.alpha = p.x, p.y, p.lr, p.extra["alpha"]
        self.params = p.initial()
        self.loss: Any = None

    def step(self) -> None:
        w1, b1, w2, b2, w3, b3 = self.params
        z1 = self.x @ w1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ w2 + b2
        h2 = np.maximum(z2, 0)
        margin = 1 - self.y * (h2 @ w3 + b3)
        alpha = self.alpha
        self.loss = np.maximum(margin, 0).mean() + alpha * sum((q * q).sum() for q in self.params)
        d_s = np.where(margin > 0, -self.y, 0) / len(margin)
        d_z2 = (d_s @ w3.T) * (z2 > 0)
        d_z1 = (d_z2 @ w2.T) * (z1 > 0)
        grads = [
            self.x.T @ d_z1, d_z1.sum(0), h1.T @ d_z2, d_z2.sum(0), h2.T @ d_s, d_s.sum(0)
        ]
        for q, g in zip(self.params, grads):
            q -= self.lr * (g + 2 * alpha * q)

    def result(self) -> list[np.ndarray]:
        return [np.asarray(self.loss), *self.params]


class MnistMLP:
    """C: ReLU MLP, mean cross-entropy of log-softmax against one-hot ``y``."""

    def __init__(self, p: Problem) -> None:
        self.x, self.y, self.lr = p.x, p.y, p.lr
        self.params = p.initial()
        self.loss: Any = None

    def step(self) -> None:
        w1, b1, w2, b2 = self.params
        z1 = self.x @ w1 + b1
        h = np.maximum(z1, 0)
        logits = h @ w2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        n = len(logits)
        self.loss = -((shifted - np.log(total)) * self.y).sum() / n
        d_logits = (e / total - self.y) / n
        d_z1 = (d_logits @ w2.T) * (z1 > 0)
        grads = [self.x.T @ d_z1, d_z1.sum(0), h.T @ d_logits, d_logits.sum(0)]
        for q, g in zip(self.params, grads):
            q -= self.lr * g

    def result(self) -> list[np.ndarray]:
        return [np.asarray(self.loss), *self.params]


class Elementwise:
    """D: ``z = a * b`` and the gradients ``y * b`` and ``y * a``."""

    def __init__(self, p: Problem) -> None:
        self.a, self.g, (self.b,) = p.x, p.y, p.weights
        self.out: list[np.ndarray] = []

    def step(self) -> None:
        a, b, g = self.a, self.b, self.g
        self.out = [a * b, g * b, g * a]

    def result(self) -> list[np.ndarray]:
        return self.out


TRAINERS: dict[str, Factory] = {"A": SeedNetwork, "B": MoonsMLP, "C": MnistMLP, "D": Elementwise}
