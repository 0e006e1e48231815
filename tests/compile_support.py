"""Helpers shared by the tests of `microgradnet.compile`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import microgradnet as mg
from microgradnet import nn


def same_bits(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` (tensors or arrays) hold the same dtype, shape and bytes."""
    a = a.data if isinstance(a, mg.Tensor) else a
    b = b.data if isinstance(b, mg.Tensor) else b
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def twins(make: Callable[[], Any]) -> tuple[Any, Any]:
    """Two copies of whatever ``make()`` builds, from the same seed: one eager, one compiled."""
    mg.manual_seed(0)
    first = make()
    mg.manual_seed(0)
    second = make()
    return first, second


def train_step(model: Any, opt: Any, loss_fn: Any) -> Callable[[Any, Any], Any]:
    """One training step of ``model`` with ``opt`` on the loss ``loss_fn(model(x), y)``."""

    def step(x: Any, y: Any) -> Any:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def one_hot_cross_entropy(logits: Any, y: Any) -> Any:
    """Cross-entropy against one-hot float targets, all in recorded operations
    (`functional.cross_entropy` reads integer labels as numpy data, which a replay would not
    read again)."""
    return -(logits.log_softmax(dim=1) * y).sum() / len(y)


def one_hot(labels: np.ndarray, classes: int = 10, dtype: Any = np.float64) -> mg.Tensor:
    """``labels`` as one-hot rows."""
    return mg.tensor((labels[:, None] == np.arange(classes)).astype(dtype))


def random_batches(
    rng: np.random.Generator, shape: tuple[int, ...], make_y: Any, dtype: Any = np.float64
) -> Iterator[tuple[mg.Tensor, Any]]:
    """Endless batches of normal inputs of ``shape`` with targets ``make_y(x)``."""
    while True:
        x = rng.normal(size=shape).astype(dtype)
        yield mg.tensor(x), make_y(x)


def mnist_mlp() -> nn.Module:
    """Workload C's network: 784-256-10 in float32."""
    return nn.Sequential(
        nn.Linear(784, 256, dtype=np.float32),
        nn.ReLU(),
        nn.Linear(256, 10, dtype=np.float32),
    )


def small_cnn(activation: Callable[[], nn.Module] = nn.ReLU) -> nn.Module:
    """Two convolutions (the second strided) on 16x16 images, ``activation`` after the second."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Conv2d(4, 8, 3, stride=2, padding=1),
        activation(),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 10),
    )


def seed_step() -> tuple[nn.Module, Any, Callable[[Any, Any], Any]]:
    """A small regression network, its SGD and its (eager) training step."""
    mg.manual_seed(5)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    return model, opt, train_step(model, opt, lambda out, y: ((out - y) ** 2).mean())


def compiled_predictions(count: int) -> tuple[nn.Module, Any, list[Any], list[Any]]:
    """`seed_step`'s model, compiled as an inference function, the inputs it was called on
    (``count`` of shape (2, 3), the i-th filled with i) and its outputs, under `no_grad`."""
    model, _, _ = seed_step()
    predict = mg.compile(model)
    xs = [mg.tensor(np.full((2, 3), float(i))) for i in range(count)]
    with mg.no_grad():
        outs = [predict(x) for x in xs]
    return model, predict, xs, outs


def moons_mlp() -> tuple[nn.Module, list[Any], Callable[[Any, Any], Any]]:
    """Workload B: micrograd's moons MLP, its parameters and its loss (a mean hinge loss plus
    1e-4 times the squared parameters)."""
    model = nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)
    )
    params = list(model.parameters())

    def loss(score: Any, y: Any) -> Any:
        return (1 - y * score).relu().mean() + 1e-4 * sum((p * p).sum() for p in params)

    return model, params, loss


def moons_labels(x: np.ndarray) -> mg.Tensor:
    """A label of +-1 for each point: the sign of its quadrant."""
    return mg.tensor(np.sign(x[:, :1] * x[:, 1:]))
