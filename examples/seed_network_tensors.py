"""The seed article's network written with `Tensor` operations alone: no `nn`, no optimizer.

Two layers of sigmoid neurons without bias, the sum of squared errors, and plain gradient descent
with learning rate 1 for 1500 iterations. Nobody derives a gradient by hand: ``backward()`` does.

Run it: ``python examples/seed_network_tensors.py``.
"""

from __future__ import annotations

import numpy as np

import microgradnet as mg

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def train(seed: int = 0, iterations: int = 1500, lr: float = 1.0) -> np.ndarray:
    """Train from weights uniform on [0, 1) drawn with ``seed``; return the four predictions."""
    rng = np.random.default_rng(seed)
    w1 = mg.tensor(rng.random((3, 4)), requires_grad=True)
    w2 = mg.tensor(rng.random((4, 1)), requires_grad=True)
    x, y = mg.tensor(X), mg.tensor(Y)
    for _ in range(iterations):
        h = (x @ w1).sigmoid()  # feedforward: the hidden layer
        y_hat = (h @ w2).sigmoid()  # and the output
        loss = ((y - y_hat) ** 2).sum()  # sum of squared errors
        w1.grad = w2.grad = None
        loss.backward()  # backpropagation, automatically
        with mg.no_grad():
            w1 -= lr * w1.grad
            w2 -= lr * w2.grad
    with mg.no_grad():
        return (((x @ w1).sigmoid() @ w2).sigmoid()).numpy()


def main() -> None:
    """Train once and print each prediction beside its target."""
    predictions = train()
    print("prediction  target")
    for p, t in zip(predictions[:, 0], Y[:, 0]):
        print(f"{p:10.4f}  {t:6.0f}")


if __name__ == "__main__":
    main()
