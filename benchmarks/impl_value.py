"""microgradnet `Value`s: one node per scalar, as in micrograd.

A: the seed network built from Values, one `weighted_sum` node per neuron (no bias).
B: `nn.MLP` with its weights set to the shared initial ones (biases included).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microgradnet import Value, nn
from microgradnet.ops.linalg import weighted_sum

from .workloads import Factory, Problem


class _Trainer:
    """Plain SGD on the Values in ``self.params``; reported in the shapes of ``weights``."""

    def __init__(self, p: Problem, params: list[Value]) -> None:
        self.lr, self.params = p.lr, params
        self.shapes = [w.shape for w in p.weights]
        self.loss: Any = None

    def forward(self) -> Value:
        raise NotImplementedError

    def step(self) -> None:
        loss = self.forward()
        loss.backward()
        for q in self.params:
            q.data -= self.lr * q.grad
            q.grad = 0.0
        self.loss = loss

    def result(self) -> list[np.ndarray]:
        flat = np.array([q.data for q in self.params])
        parts = np.split(flat, np.cumsum([int(np.prod(s)) for s in self.shapes])[:-1])
        return [np.asarray(self.loss.data), *(a.reshape(s) for a, s in zip(parts, self.shapes))]


class SeedNetwork(_Trainer):
    def __init__(self, p: Problem) -> None:
        w1, w2 = p.weights
        self.w1 = [[Value(w) for w in row] for row in w1.T.tolist()]  # one list per neuron
        self.w2 = [Value(w) for w in w2[:, 0].tolist()]
        params = [self.w1[j][i] for i in range(3) for j in range(4)] + self.w2
        super().__init__(p, params)
        self.x, self.y = p.x.tolist(), p.y[:, 0].tolist()

    def forward(self) -> Value:
        loss: Any = 0.0
        for xs, target in zip(self.x, self.y):
            hidden = [weighted_sum(w, xs).sigmoid() for w in self.w1]
            err = target - weighted_sum(self.w2, hidden).sigmoid()
            loss = loss + err * err
        return loss  # type: ignore[no-any-return]


class MoonsMLP(_Trainer):
    def __init__(self, p: Problem) -> None:
        self.model = nn.MLP(2, [16, 16, 1])
        params: list[Value] = []
        for layer, w, b in zip(self.model.layers, p.weights[::2], p.weights[1::2]):
            for j, neuron in enumerate(layer.neurons):
                for q, v in zip([*neuron.w, neuron.b], [*w[:, j], b[j]]):
                    q.data = float(v)
            params += [n.w[i] for i in range(len(w)) for n in layer.neurons]
            params += [n.b for n in layer.neurons]
        super().__init__(p, params)
        self.x, self.y, self.alpha = p.x.tolist(), p.y[:, 0].tolist(), p.extra["alpha"]

    def forward(self) -> Value:
        scores = [self.model(xs) for xs in self.x]
        hinge = [(1 - y * s).relu() for y, s in zip(self.y, scores)]
        reg = sum(q * q for q in self.params)
        return sum(hinge) * (1.0 / len(hinge)) + self.alpha * reg  # type: ignore[no-any-return]


TRAINERS: dict[str, Factory] = {"A": SeedNetwork, "B": MoonsMLP}
