"""The seed article's network, built with `microgradnet.nn` and trained with `microgradnet.optim`.

Three inputs, four hidden sigmoid neurons and one sigmoid output, no biases (the third input is
always 1 and plays the hidden layer's bias), trained on four examples by gradient descent with
learning rate 1 on the sum of squared errors. ``microgradnet demo``, ``microgradnet graph`` and
``examples/seed_network.py`` all use it.

Examples
--------
>>> from microgradnet.demo import train_seed_network
>>> run = train_seed_network(iterations=1500, seed=0)
>>> run.predictions.round(1).ravel().tolist()
[0.0, 1.0, 1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .engine import no_grad
from .nn import Linear, Sequential, Sigmoid, init
from .nn.functional import mse_loss
from .optim import SGD
from .random import manual_seed
from .tensor import Tensor

__all__ = ["X", "Y", "SeedRun", "format_table", "seed_loss", "seed_network", "train_seed_network"]

#: The four training inputs; the last column is always 1.
X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
#: The targets: the exclusive or of the first two inputs.
Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def seed_network(seed: int = 0) -> Sequential:
    """The 3-4-1 sigmoid network without biases, weights uniform on [0, 1) drawn after ``seed``.

    Examples
    --------
    >>> seed_network(0)
    Sequential(
      (0): Linear(in_features=3, out_features=4, bias=False)
      (1): Sigmoid()
      (2): Linear(in_features=4, out_features=1, bias=False)
      (3): Sigmoid()
    )
    """
    hidden, output = Linear(3, 4, bias=False), Linear(4, 1, bias=False)
    manual_seed(seed)  # the seed alone decides the weights, whatever Linear's default drew
    for layer in (hidden, output):
        init.uniform_(layer.weight, 0.0, 1.0)
    return Sequential(hidden, Sigmoid(), output, Sigmoid())


def seed_loss(model: Sequential) -> Tensor:
    """The sum of squared errors of ``model`` on the four examples, recorded for backward."""
    inputs, targets = Tensor(X), Tensor(Y)
    inputs.name, targets.name = "X", "y"  # shown in drawings
    loss: Tensor = mse_loss(model(inputs), targets, reduction="sum")
    return loss


@dataclass(frozen=True)
class SeedRun:
    """What `train_seed_network` returns.

    Attributes
    ----------
    model : Sequential
        The trained network.
    losses : list of float
        The loss before each step.
    predictions : numpy.ndarray
        The trained network's outputs for `X`, shape (4, 1).
    """

    model: Sequential
    losses: list[float]
    predictions: np.ndarray


def train_seed_network(
    iterations: int = 1500,
    lr: float = 1.0,
    seed: int = 0,
    progress: Callable[[range], Iterable[int]] | None = None,
) -> SeedRun:
    """Train `seed_network` with `SGD` on `seed_loss`.

    Parameters
    ----------
    iterations : int
        Gradient-descent steps.
    lr : float
        The learning rate.
    seed : int
        The seed of the initial weights.
    progress : callable, optional
        Wraps the range of steps, e.g. in `microgradnet.cli.progress_bar`.
    """
    model = seed_network(seed)
    optimizer = SGD(model.parameters(), lr=lr)
    steps = range(iterations)
    losses = []
    for _ in steps if progress is None else progress(steps):
        optimizer.zero_grad()
        loss = seed_loss(model)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with no_grad():
        predictions = model(Tensor(X)).numpy()
    return SeedRun(model, losses, predictions)


def format_table(predictions: np.ndarray, targets: np.ndarray = Y) -> str:
    """Each example's inputs, prediction and target, one row each.

    Examples
    --------
    >>> print(format_table(np.array([[0.02], [0.97], [0.97], [0.03]])))
    input      prediction  target
    [0 0 1]        0.0200       0
    [0 1 1]        0.9700       1
    [1 0 1]        0.9700       1
    [1 1 1]        0.0300       0
    """
    rows = ["input      prediction  target"]
    for x, p, t in zip(X, predictions.ravel(), targets.ravel()):
        rows.append(f"{np.array2string(x.astype(int)):9}  {p:10.4f}  {t:6.0f}")
    return "\n".join(rows)
