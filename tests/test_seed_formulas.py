"""The seed article's hand-derived gradients, reproduced by autograd for any weights."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import microgradnet as mg

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def hand_gradients(w1: np.ndarray, w2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The article's formulas, with s' = s(1 - s) for a sigmoid output s."""
    h = sigmoid(X @ w1)
    y_hat = sigmoid(h @ w2)
    delta = -2 * (Y - y_hat) * y_hat * (1 - y_hat)
    return X.T @ (delta @ w2.T * h * (1 - h)), h.T @ delta


weights = st.floats(-5, 5, allow_nan=False, allow_subnormal=False)


@given(arrays(np.float64, (3, 4), elements=weights), arrays(np.float64, (4, 1), elements=weights))
def test_autograd_equals_the_hand_derived_gradients(w1: np.ndarray, w2: np.ndarray) -> None:
    t1, t2 = mg.tensor(w1, requires_grad=True), mg.tensor(w2, requires_grad=True)
    y_hat = ((mg.tensor(X) @ t1).sigmoid() @ t2).sigmoid()
    ((mg.tensor(Y) - y_hat) ** 2).sum().backward()
    g1, g2 = hand_gradients(w1, w2)
    np.testing.assert_allclose(t1.grad, g1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t2.grad, g2, rtol=1e-12, atol=1e-12)


def test_tensor_only_example_fits_xor_for_twenty_seeds() -> None:
    from examples.seed_network_tensors import train

    for seed in range(20):
        assert np.abs(train(seed) - Y).max() < 0.05, seed
