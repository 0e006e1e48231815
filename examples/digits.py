"""Handwritten digits: a 64-64-10 ReLU network trained with Adam on scikit-learn's 8x8 digits.

The 1,797 images ship with scikit-learn (no download): ``pip install 'microgradnet[examples]'``.
Pixels are scaled to [0, 1]; a fifth of the images, drawn at random, is held out for testing.

Run it: ``python examples/digits.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_digits
from tqdm import tqdm

import microgradnet as mg
from microgradnet import nn
from microgradnet.data import batches
from microgradnet.nn import functional as F  # noqa: N812 - PyTorch's convention


def load_split(
    test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training images, training labels, test images, test labels (images flattened to 64)."""
    digits = load_digits()
    x, y = digits.data / 16.0, digits.target
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = round(test_fraction * len(y))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """The fraction of images whose highest logit is the right digit."""
    model.eval()
    with mg.no_grad():
        logits = model(mg.tensor(x)).numpy()
    model.train()
    return float(np.mean(logits.argmax(axis=1) == y))


@dataclass(frozen=True)
class DigitsResult:
    """Mean training loss of each epoch and accuracies after training."""

    losses: list[float]
    train_accuracy: float
    test_accuracy: float


def main(
    epochs: int = 20, batch_size: int = 32, lr: float = 1e-2, seed: int = 0, progress: bool = True
) -> DigitsResult:
    """Train for ``epochs`` epochs of shuffled mini-batches; print and return the results."""
    x_train, y_train, x_test, y_test = load_split(seed=seed)
    mg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = mg.optim.Adam(model.parameters(), lr=lr)
    n_batches = -(-len(y_train) // batch_size)
    losses = []
    for epoch in range(1, epochs + 1):
        total = 0.0
        bar = tqdm(
            batches(x_train, y_train, batch_size=batch_size, shuffle=True),
            total=n_batches,
            desc=f"epoch {epoch:2d}/{epochs}",
            disable=not progress,
            leave=False,
        )
        for xb, yb in bar:
            loss = F.cross_entropy(model(mg.tensor(xb)), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        losses.append(total / len(y_train))
        if progress:
            tqdm.write(f"epoch {epoch:2d}: mean loss {losses[-1]:.4f}")
    result = DigitsResult(
        losses, accuracy(model, x_train, y_train), accuracy(model, x_test, y_test)
    )
    print(
        f"train accuracy {result.train_accuracy:.1%}, test accuracy {result.test_accuracy:.1%} "
        f"({len(y_test)} test images)"
    )
    return result


if __name__ == "__main__":
    main()
