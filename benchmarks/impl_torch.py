"""PyTorch (CPU, one thread), for reference: the workloads with torch tensors and autograd.

Imported only when torch is installed; nothing else in the suite needs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .workloads import Factory, Problem

torch.set_num_threads(1)


class _Trainer:
    """Plain SGD on ``params`` of the loss ``forward()`` returns."""

    def __init__(self, p: Problem) -> None:
        self.lr = p.lr
        self.params = [torch.tensor(w, requires_grad=True) for w in p.weights]
        self.x, self.y = torch.tensor(p.x), torch.tensor(p.y)
        self.loss: Any = None

    def forward(self) -> torch.Tensor:
        raise NotImplementedError

    def step(self) -> None:
        loss = self.forward()
        loss.backward()
        with torch.no_grad():
            for q in self.params:
                q -= self.lr * q.grad  # type: ignore[operator]
                q.grad = None
        self.loss = loss

    def result(self) -> list[np.ndarray]:
        return [t.detach().numpy() for t in (self.loss, *self.params)]


class SeedNetwork(_Trainer):
    def forward(self) -> torch.Tensor:
        w1, w2 = self.params
        out = torch.sigmoid(torch.sigmoid(self.x @ w1) @ w2)
        return ((self.y - out) ** 2).sum()


class MoonsMLP(_Trainer):
    def __init__(self, p: Problem) -> None:
        super().__init__(p)
        self.alpha = p.extra["alpha"]

    def forward(self) -> torch.Tensor:
        w1, b1, w2, b2, w3, b3 = self.params
        h = torch.relu(self.x @ w1 + b1)
        h = torch.relu(h @ w2 + b2)
        reg = sum((q * q).sum() for q in self.params)
        return torch.relu(1 - self.y * (h @ w3 + b3)).mean() + self.alpha * reg


class MnistMLP(_Trainer):
    def __init__(self, p: Problem) -> None:
        super().__init__(p)
        self.labels = torch.tensor(p.extra["labels"])

    def forward(self) -> torch.Tensor:
        w1, b1, w2, b2 = self.params
        logits = torch.relu(self.x @ w1 + b1) @ w2 + b2
        return torch.nn.functional.cross_entropy(logits, self.labels)


class Elementwise:
    def __init__(self, p: Problem) -> None:
        self.a = torch.tensor(p.x, requires_grad=True)
        self.b = torch.tensor(p.weights[0], requires_grad=True)
        self.g = torch.tensor(p.y)
        self.z: Any = None

    def step(self) -> None:
        a, b = self.a, self.b
        a.grad = b.grad = None
        z = a * b
        z.backward(self.g)
        self.z = z

    def result(self) -> list[np.ndarray]:
        return [t.detach().numpy() for t in (self.z, self.a.grad, self.b.grad)]  # type: ignore[union-attr]


class MnistCNN(_Trainer):
    def __init__(self, p: Problem) -> None:
        super().__init__(p)
        self.labels = torch.tensor(p.extra["labels"])

    def forward(self) -> torch.Tensor:
        f = torch.nn.functional
        w1, b1, w2, b2, w3, b3 = self.params
        h = f.max_pool2d(torch.relu(f.conv2d(self.x, w1, b1, padding=1)), 2)
        h = f.max_pool2d(torch.relu(f.conv2d(h, w2, b2, padding=1)), 2)
        return f.cross_entropy(h.reshape(len(h), -1) @ w3 + b3, self.labels)


TRAINERS: dict[str, Factory] = {
    "A": SeedNetwork,
    "B": MoonsMLP,
    "C": MnistMLP,
    "D": Elementwise,
    "E": MnistCNN,
}
