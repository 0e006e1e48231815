"""B written as micrograd's users write it: a neuron is ``sum((wi * xi for ...), b)`` over scalar
Values, the loss is the demo's hinge loss plus L2, the update ``p.data -= lr * p.grad``.

The same code runs on microgradnet's `Value` (``value-mg``; ``value-mg-nogc`` with the cycle
collector paused during each step, as for micrograd below) and, when it is installed, on
micrograd's own (``micrograd``; ``micrograd-nogc`` runs each step with the cycle collector off,
so the reference cycles its graph leaves are collected outside the timed steps). micrograd is
not a dependency: ``pip install micrograd`` to compare.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Sequence
from typing import Any

import numpy as np

import microgradnet

from .workloads import Factory, Problem


class Neuron:
    def __init__(self, value: Any, w: Sequence[float], b: float, nonlin: bool) -> None:
        self.w = [value(wi) for wi in w]
        self.b = value(b)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Any]) -> Any:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act


class Layer:
    def __init__(self, value: Any, w: np.ndarray, b: np.ndarray, nonlin: bool) -> None:
        self.neurons = [Neuron(value, w[:, j].tolist(), float(b[j]), nonlin) for j in range(len(b))]

    def __call__(self, x: Sequence[Any]) -> Any:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out


class MLP:
    def __init__(self, value: Any, weights: Sequence[np.ndarray]) -> None:
        pairs = list(zip(weights[::2], weights[1::2]))
        self.layers = [Layer(value, w, b, i < len(pairs) - 1) for i, (w, b) in enumerate(pairs)]

    def __call__(self, x: Sequence[Any]) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x


class MoonsDemo:
    """One full-batch step of micrograd's moons demo, its weights set to the shared ones."""

    collect = True  # whether the cycle collector may run during a step

    def __init__(self, p: Problem, value: Any) -> None:
        self.model = MLP(value, p.weights)
        self.shapes = [w.shape for w in p.weights]
        # In the hand-written layout: each layer's weights by input then neuron, then biases.
        self.params = [
            q
            for layer in self.model.layers
            for q in [n.w[i] for i in range(len(layer.neurons[0].w)) for n in layer.neurons]
            + [n.b for n in layer.neurons]
        ]
        self.x, self.y = p.x.tolist(), p.y[:, 0].tolist()
        self.lr, self.alpha = p.lr, p.extra["alpha"]
        self.loss: Any = None

    def step(self) -> None:
        paused = not self.collect and gc.isenabled()
        if paused:
            gc.disable()
        try:
            scores = [self.model(x) for x in self.x]
            losses = [(1 + -yi * si).relu() for yi, si in zip(self.y, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = self.alpha * sum(q * q for q in self.params)
            loss = data_loss + reg_loss
            for q in self.params:
                q.grad = 0.0
            loss.backward()
            for q in self.params:
                q.data -= self.lr * q.grad
            self.loss = loss
        finally:
            if paused:
                gc.enable()

    def result(self) -> list[np.ndarray]:
        flat = np.array([q.data for q in self.params])
        parts = np.split(flat, np.cumsum([int(np.prod(s)) for s in self.shapes])[:-1])
        return [np.asarray(self.loss.data), *(a.reshape(s) for a, s in zip(parts, self.shapes))]


class _NoCollector(MoonsDemo):
    collect = False

    def settle(self) -> None:
        """Free the reference cycles of the last steps' graphs (untimed)."""
        gc.collect()


TRAINERS: dict[str, dict[str, Factory]] = {
    "value-mg": {"B": lambda p: MoonsDemo(p, microgradnet.Value)},
    # The same steps with the cycle collector paused, as micrograd-nogc runs: the collector's
    # scans of the live graph (it has no cycles to find) are left out of the timed steps.
    "value-mg-nogc": {"B": lambda p: _NoCollector(p, microgradnet.Value)},
}
with contextlib.suppress(ImportError):
    from micrograd.engine import Value as _MicrogradValue

    TRAINERS["micrograd"] = {"B": lambda p: MoonsDemo(p, _MicrogradValue)}
    TRAINERS["micrograd-nogc"] = {"B": lambda p: _NoCollector(p, _MicrogradValue)}
