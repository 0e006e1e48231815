"""microgradnet `Tensor`s: the workloads written with Tensor operations, and with `nn` modules,
`nn.functional` losses and `optim.SGD`."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import microgradnet as mg
from microgradnet import nn
from microgradnet.nn import functional

from .workloads import Factory, Problem


class _Trainer:
    """Plain SGD on ``params`` of the loss ``forward()`` returns; weights reported as stored."""

    def __init__(self, p: Problem, params: Sequence[mg.Tensor]) -> None:
        self.lr = p.lr
        self.params = list(params)
        self.loss: Any = None

    def forward(self) -> mg.Tensor:
        raise NotImplementedError

    def step(self) -> None:
        loss = self.forward()
        loss.backward()
        with mg.no_grad():
            for q in self.params:
                q -= self.lr * q.grad
                q.grad = None
        self.loss = loss

    def result(self) -> list[np.ndarray]:
        return [self.loss.data, *(q.data for q in self.params)]


def _leaves(p: Problem) -> list[mg.Tensor]:
    return [mg.tensor(w, requires_grad=True) for w in p.weights]


class SeedNetwork(_Trainer):
    def __init__(self, p: Problem) -> None:
        super().__init__(p, _leaves(p))
        self.x, self.y = mg.tensor(p.x), mg.tensor(p.y)

    def forward(self) -> mg.Tensor:
        w1, w2 = self.params
        out = ((self.x @ w1).sigmoid() @ w2).sigmoid()
        return ((self.y - out) ** 2).sum()


def _hinge_l2(score: mg.Tensor, y: mg.Tensor, params: Sequence[mg.Tensor], alpha: float) -> Any:
    """micrograd's loss: mean hinge loss plus ``alpha`` times the sum of squared parameters."""
    reg = sum((q * q).sum() for q in params)
    return (1 - y * score).relu().mean() + alpha * reg


class MoonsMLP(_Trainer):
    def __init__(self, p: Problem) -> None:
        super().__init__(p, _leaves(p))
        self.x, self.y, self.alpha = mg.tensor(p.x), mg.tensor(p.y), p.extra["alpha"]

    def forward(self) -> mg.Tensor:
        w1, b1, w2, b2, w3, b3 = self.params
        h = (self.x @ w1 + b1).relu()
        h = (h @ w2 + b2).relu()
        return _hinge_l2(h @ w3 + b3, self.y, self.params, self.alpha)  # type: ignore[no-any-return]


class MnistMLP(_Trainer):
    def __init__(self, p: Problem) -> None:
        super().__init__(p, _leaves(p))
        self.x, self.y = mg.tensor(p.x), mg.tensor(p.y)

    def forward(self) -> mg.Tensor:
        w1, b1, w2, b2 = self.params
        logits = (self.x @ w1 + b1).relu() @ w2 + b2
        return -(logits.log_softmax(axis=1) * self.y).sum() / len(self.x)


class Elementwise:
    def __init__(self, p: Problem) -> None:
        self.a = mg.tensor(p.x, requires_grad=True)
        self.b = mg.tensor(p.weights[0], requires_grad=True)
        self.g = p.y
        self.z: Any = None

    def step(self) -> None:
        a, b = self.a, self.b
        a.grad = b.grad = None
        z = a * b
        z.backward(self.g)
        self.z = z

    def result(self) -> list[np.ndarray]:
        return [self.z.data, self.a.grad.data, self.b.grad.data]


# -------------------------------------------------------------------------------- nn + optim


class _ModuleTrainer:
    """``model`` trained by `optim.SGD` on ``loss(model(x))``; Linear weights reported transposed
    into the hand-written layout."""

    def __init__(self, p: Problem, model: nn.Module, loss: Callable[[Any], mg.Tensor]) -> None:
        params = [q for q in model.parameters() if isinstance(q, mg.Tensor)]
        with mg.no_grad():
            for q, w in zip(params, p.weights):
                q.copy_(w.T)
        self.model, self.loss_fn, self.x = model, loss, mg.tensor(p.x)
        self.opt = mg.optim.SGD(params, lr=p.lr)
        self.loss: Any = None

    def step(self) -> None:
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.x))
        loss.backward()
        self.opt.step()
        self.loss = loss

    def result(self) -> list[np.ndarray]:
        return [self.loss.data, *(q.data.T for q in self.model.parameters())]


def _mlp(sizes: Sequence[int], act: Callable[[], nn.Module], last: bool, **kw: Any) -> nn.Module:
    """Linear layers of ``sizes`` with ``act`` between them (and after the last when ``last``)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(n_in, n_out, **kw))
        if last or i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def seed_network_nn(p: Problem) -> _ModuleTrainer:
    model = _mlp([3, 4, 1], nn.Sigmoid, last=True, bias=False)
    y = mg.tensor(p.y)
    return _ModuleTrainer(p, model, lambda out: functional.mse_loss(out, y, reduction="sum"))


def moons_mlp_nn(p: Problem) -> _ModuleTrainer:
    model = _mlp([2, 16, 16, 1], nn.ReLU, last=False)
    y, alpha = mg.tensor(p.y), p.extra["alpha"]
    params = [q for q in model.parameters() if isinstance(q, mg.Tensor)]
    return _ModuleTrainer(p, model, lambda score: _hinge_l2(score, y, params, alpha))


def mnist_mlp_nn(p: Problem) -> _ModuleTrainer:
    model = _mlp([784, 256, 10], nn.ReLU, last=False, dtype=p.x.dtype)
    labels = p.extra["labels"]
    return _ModuleTrainer(p, model, lambda logits: functional.cross_entropy(logits, labels))


class MnistCNN(_Trainer):
    def __init__(self, p: Problem) -> None:
        super().__init__(p, _leaves(p))
        self.x, self.y = mg.tensor(p.x), mg.tensor(p.y)

    def forward(self) -> mg.Tensor:
        w1, b1, w2, b2, w3, b3 = self.params
        h = functional.max_pool2d(functional.conv2d(self.x, w1, b1, padding=1).relu(), 2)
        h = functional.max_pool2d(functional.conv2d(h, w2, b2, padding=1).relu(), 2)
        logits = h.reshape(len(self.x), -1) @ w3 + b3
        return -(logits.log_softmax(axis=1) * self.y).sum() / len(self.x)


TRAINERS: dict[str, Factory] = {
    "A": SeedNetwork,
    "B": MoonsMLP,
    "C": MnistMLP,
    "D": Elementwise,
    "E": MnistCNN,
}


class _CnnTrainer(_ModuleTrainer):
    """`_ModuleTrainer` for a model whose convolution weights keep PyTorch's layout (only the
    Linear weight is transposed into the hand-written one)."""

    def __init__(self, p: Problem, model: nn.Module, loss: Callable[[Any], mg.Tensor]) -> None:
        # The base copies every weight transposed; transposing the kernels first undoes that.
        kernels_undone = tuple(w.T if w.ndim > 2 else w for w in p.weights)
        super().__init__(dataclasses.replace(p, weights=kernels_undone), model, loss)

    def result(self) -> list[np.ndarray]:
        weights = [np.asarray(q.data) for q in self.model.parameters()]
        return [self.loss.data, *(w.T if w.ndim == 2 else w for w in weights)]


def mnist_cnn_nn(p: Problem) -> _ModuleTrainer:
    dtype = p.x.dtype
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(784, 10, dtype=dtype),
    )
    labels = p.extra["labels"]
    return _CnnTrainer(p, model, lambda logits: functional.cross_entropy(logits, labels))


NN_TRAINERS: dict[str, Factory] = {
    "A": seed_network_nn,
    "B": moons_mlp_nn,
    "C": mnist_mlp_nn,
    "E": mnist_cnn_nn,
}
