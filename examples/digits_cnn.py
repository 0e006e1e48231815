"""Handwritten digits with a small convolutional network: two Conv2d-BatchNorm2d-ReLU-MaxPool2d
stages and a Linear classifier, trained with Adam on scikit-learn's 8x8 digits.

The 1,797 images ship with scikit-learn (no download): ``pip install 'microgradnet[examples]'``.
Pixels are scaled to [0, 1]; a fifth of the images (359), drawn at random with ``seed``, is held
out for testing. Twelve epochs of mini-batches of 32, the learning rate falling from 3e-3 to 0 on
a cosine (`CosineAnnealingLR`).

Measured test accuracy after the full run, seeds 0 to 4 (``seed`` drives both the
split and the initial weights): 98.9%, 99.2%, 98.9%, 98.9%, 99.2%; about 3 s per run on two
shared cores. The 64-64-10 network of ``examples/digits.py`` reaches about 97%.

Run it: ``python examples/digits_cnn.py`` (``--epochs N``, ``--seed S``).
"""

from __future__ import annotations

import argparse
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
    """Training images, training labels, test images, test labels; images as (N, 1, 8, 8)."""
    digits = load_digits()
    x, y = digits.images[:, None] / 16.0, digits.target
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = round(test_fraction * len(y))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def digits_cnn() -> nn.Sequential:
    """The network: (N, 1, 8, 8) -> 16 maps of 4x4 -> 32 maps of 2x2 -> 10 logits."""
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """The fraction of images whose highest logit is the right digit (batch norm in eval mode)."""
    model.eval()
    with mg.no_grad():
        logits = model(mg.tensor(x)).numpy()
    model.train()
    return float(np.mean(logits.argmax(axis=1) == y))


@dataclass(frozen=True)
class DigitsCNNResult:
    """Mean training loss of each epoch, and test accuracy after each epoch."""

    losses: list[float]
    test_accuracies: list[float]
    train_accuracy: float

    @property
    def test_accuracy(self) -> float:
        """The test accuracy at the end of training."""
        return self.test_accuracies[-1]


def main(
    epochs: int = 12,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
    max_batches: int | None = None,
) -> DigitsCNNResult:
    """Train for ``epochs`` epochs; print and return the results.

    ``max_batches`` stops each epoch after that many mini-batches: a shortcut for quick runs.
    """
    x_train, y_train, x_test, y_test = load_split(seed=seed)
    mg.manual_seed(seed)
    model = digits_cnn()
    optimizer = mg.optim.Adam(model.parameters(), lr=lr)
    schedule = mg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    n_batches = -(-len(y_train) // batch_size)
    if max_batches is not None:
        n_batches = min(n_batches, max_batches)
    losses, test_accuracies = [], []
    for epoch in range(1, epochs + 1):
        total, seen = 0.0, 0
        bar = tqdm(
            batches(x_train, y_train, batch_size=batch_size, shuffle=True),
            total=n_batches,
            desc=f"epoch {epoch:2d}/{epochs}",
            disable=not progress,
            leave=False,
        )
        for i, (xb, yb) in enumerate(bar):
            if i == n_batches:
                break
            loss = F.cross_entropy(model(mg.tensor(xb)), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, seen = total + loss.item() * len(yb), seen + len(yb)
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        bar.close()
        schedule.step()
        losses.append(total / seen)
        test_accuracies.append(accuracy(model, x_test, y_test))
        if progress:
            tqdm.write(
                f"epoch {epoch:2d}: mean loss {losses[-1]:.4f}, "
                f"test accuracy {test_accuracies[-1]:.1%}"
            )
    result = DigitsCNNResult(losses, test_accuracies, accuracy(model, x_train, y_train))
    print(
        f"train accuracy {result.train_accuracy:.1%}, test accuracy {result.test_accuracy:.1%} "
        f"({len(y_test)} test images)"
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(epochs=args.epochs, seed=args.seed)
