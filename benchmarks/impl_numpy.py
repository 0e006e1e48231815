"""The floor: each workload's forward and backward pass written by hand in numpy."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

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
        grads = [self.x.T @ d_z1, d_z1.sum(0), h1.T @ d_z2, d_z2.sum(0), h2.T @ d_s, d_s.sum(0)]
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


def _conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 3x3 convolution with padding 1 as im2col and one batched product; returns the output
    and the columns ``(B, C * 9, H * W)`` for the backward pass."""
    n, c, h, wd = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = sliding_window_view(padded, (3, 3), axis=(2, 3))  # (B, C, H, W, 3, 3)
    cols = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * 9, h * wd)
    out = w.reshape(len(w), -1) @ cols + b[:, None]
    return out.reshape(n, len(w), h, wd), cols


def _conv3x3_weight_grad(d_out: np.ndarray, cols: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    n, co = d_out.shape[:2]
    return (d_out.reshape(n, co, -1) @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(shape)


def _conv3x3_input_grad(d_out: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The gradient of `_conv3x3` in its input: columns added back, one offset at a time."""
    n, co, h, wd = d_out.shape
    c = w.shape[1]
    d_cols = (w.reshape(co, -1).T @ d_out.reshape(n, co, -1)).reshape(n, c, 3, 3, h, wd)
    padded = np.zeros((n, c, h + 2, wd + 2), dtype=d_out.dtype)
    for i in range(3):
        for j in range(3):
            padded[:, :, i : i + h, j : j + wd] += d_cols[:, :, i, j]
    return padded[:, :, 1:-1, 1:-1]


def _pool2(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling, stride 2; returns the maxima and the index (0-3) of each in its window
    (the first of ties)."""
    n, c, h, w = z.shape
    win = (
        z.reshape(n, c, h // 2, 2, w // 2, 2)
        .transpose(0, 1, 2, 4, 3, 5)
        .reshape(n, c, h // 2, w // 2, 4)
    )
    pick = win.argmax(axis=-1)
    return np.take_along_axis(win, pick[..., None], -1)[..., 0], pick


def _pool2_grad(g: np.ndarray, pick: np.ndarray) -> np.ndarray:
    n, c, h, w = g.shape
    win = np.zeros((n, c, h, w, 4), dtype=g.dtype)
    np.put_along_axis(win, pick[..., None], g[..., None], -1)
    return win.reshape(n, c, h, w, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, 2 * h, 2 * w)


class MnistCNN:
    """E: two 3x3 convolutions (im2col) with ReLU and 2x2 max pooling, a linear layer,
    cross-entropy of log-softmax against one-hot ``y``."""

    def __init__(self, p: Problem) -> None:
        self.x, self.y, self.lr = p.x, p.y, p.lr
        self.params = p.initial()
        self.loss: Any = None

    def step(self) -> None:
        w1, b1, w2, b2, w3, b3 = self.params
        z1, cols1 = _conv3x3(self.x, w1, b1)
        p1, pick1 = _pool2(np.maximum(z1, 0))
        z2, cols2 = _conv3x3(p1, w2, b2)
        p2, pick2 = _pool2(np.maximum(z2, 0))
        flat = p2.reshape(len(p2), -1)
        logits = flat @ w3 + b3
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        n = len(logits)
        self.loss = -((shifted - np.log(total)) * self.y).sum() / n
        d_logits = (e / total - self.y) / n
        d_z2 = _pool2_grad((d_logits @ w3.T).reshape(p2.shape), pick2) * (z2 > 0)
        d_z1 = _pool2_grad(_conv3x3_input_grad(d_z2, w2), pick1) * (z1 > 0)
        grads = [
            _conv3x3_weight_grad(d_z1, cols1, w1.shape),
            d_z1.sum(axis=(0, 2, 3)),
            _conv3x3_weight_grad(d_z2, cols2, w2.shape),
            d_z2.sum(axis=(0, 2, 3)),
            flat.T @ d_logits,
            d_logits.sum(0),
        ]
        for q, g in zip(self.params, grads):
            q -= self.lr * g

    def result(self) -> list[np.ndarray]:
        return [np.asarray(self.loss), *self.params]


TRAINERS: dict[str, Factory] = {
    "A": SeedNetwork,
    "B": MoonsMLP,
    "C": MnistMLP,
    "D": Elementwise,
    "E": MnistCNN,
}
