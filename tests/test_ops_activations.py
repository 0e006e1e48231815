"""The activations' derivative rules: against finite differences (first and second order,
float64, kinks avoided), float32 kept, large inputs stable, empty inputs, and PyTorch's
conventions at the kinks. (Their errors, `Value` methods and `nn` modules: test_nn_activations.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from test_ops_gradients import elementwise, gradient_tests, one_axis, one_input

import microgradnet as mg
from microgradnet.autograd import grad
from microgradnet.nn import functional as F  # noqa: N812 - PyTorch users' spelling
from microgradnet.testing.strategies import shapes


def draw_glu(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    dims = len(shape)
    return {"dim": data.draw(st.integers(-dims, dims - 1))}


def even_shapes() -> Any:
    """Shapes of at least one dim whose every side is even, so any dim can be halved."""
    return shapes(min_dims=1, max_side=2).map(lambda s: tuple(2 * n for n in s))


def away(*points: float) -> dict[str, Any]:
    return {"away_from": points, "margin": 0.2, "domain": (-8.0, 8.0)}


CASES = [
    elementwise("gelu", F.gelu, {"domain": (-6.0, 6.0)}),
    elementwise("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), {"domain": (-6.0, 6.0)}),
    elementwise("silu", F.silu, {"domain": (-6.0, 6.0)}),
    elementwise("elu", lambda x: F.elu(x, alpha=1.5), away(0.0)),
    elementwise("selu", F.selu, away(0.0)),
    elementwise("celu", lambda x: F.celu(x, alpha=0.7), away(0.0)),
    elementwise("leaky_relu", lambda x: F.leaky_relu(x, 0.1), away(0.0)),
    elementwise("relu6", F.relu6, away(0.0, 6.0)),
    elementwise("hardtanh", lambda x: F.hardtanh(x, -0.5, 2.0), away(-0.5, 2.0)),
    elementwise("softplus", F.softplus, {"domain": (-6.0, 6.0)}),
    elementwise("softplus_beta", lambda x: F.softplus(x, beta=2.0, threshold=3.0), away(1.5)),
    elementwise("softsign", F.softsign, away(0.0)),  # its second derivative jumps at 0
    elementwise("mish", F.mish, {"domain": (-6.0, 6.0)}),
    elementwise("hardswish", F.hardswish, away(-3.0, 3.0)),
    elementwise("hardsigmoid", F.hardsigmoid, away(-3.0, 3.0)),
    elementwise("logsigmoid", F.logsigmoid, {"domain": (-6.0, 6.0)}),
    elementwise("tanhshrink", F.tanhshrink, {}),
    one_input("softmin", lambda x, axis: F.softmin(x, dim=axis), one_axis),
    one_input("glu", lambda x, dim: F.glu(x, dim), draw_glu, shape=even_shapes()),
]


test_first_order, test_second_order, test_float32_stays_float32 = gradient_tests(CASES)


# ----------------------------------------------------------------------------- stability

BIG = np.array([[1e4, -1e4, 0.5], [-800.0, 800.0, -3.0]])

STABLE: dict[str, Callable[[Any], Any]] = {
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "elu": F.elu,
    "selu": F.selu,
    "celu": lambda x: F.celu(x, alpha=0.5),
    "softplus": F.softplus,
    "softplus_no_threshold": lambda x: F.softplus(x, beta=2.0, threshold=float("inf")),
    "mish": F.mish,
    "logsigmoid": F.logsigmoid,
    "tanhshrink": F.tanhshrink,
    "hardswish": F.hardswish,
    "softmin": lambda x: F.softmin(x, dim=1),
    "glu": lambda x: F.glu(x, dim=0),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(STABLE))
def test_large_inputs_give_finite_values_and_gradients(name: str, dtype: Any) -> None:
    # pytest turns numpy's overflow and invalid-value warnings into errors, so none may occur.
    x = mg.tensor(BIG.astype(dtype), requires_grad=True)
    y = STABLE[name](x)
    weights = np.arange(1, y.numel() + 1, dtype=dtype).reshape(y.shape)
    (g,) = grad((y * weights).sum(), x, create_graph=True)
    (h,) = grad((g * g).sum(), x)
    for arr in (y.data, g.data, h.data):
        assert np.all(np.isfinite(arr))
        assert arr.dtype == dtype


def test_large_inputs_give_the_limits() -> None:
    x = mg.tensor([1e4, -1e4, 800.0, -800.0])
    np.testing.assert_array_equal(F.softplus(x).data, [1e4, 0.0, 800.0, 0.0])
    np.testing.assert_array_equal(F.logsigmoid(x).data, [0.0, -1e4, 0.0, -800.0])
    np.testing.assert_array_equal(F.softplus(x, threshold=1e9).data, [1e4, 0.0, 800.0, 0.0])
    np.testing.assert_array_equal(F.gelu(x).data, [1e4, -0.0, 800.0, -0.0])
    np.testing.assert_array_equal(F.silu(x).data, [1e4, -0.0, 800.0, -0.0])
    np.testing.assert_array_equal(F.mish(x).data, [1e4, -0.0, 800.0, -0.0])
    np.testing.assert_array_equal(F.elu(x).data, [1e4, -1.0, 800.0, -1.0])


def test_small_inputs_keep_their_digits() -> None:
    # log(1 + exp(x)) loses every digit below x = -37; the stable forms do not
    x = mg.tensor([-50.0, -700.0])
    np.testing.assert_allclose(F.softplus(x).data, np.exp([-50.0, -700.0]), rtol=1e-15)
    np.testing.assert_allclose(F.logsigmoid(-x).data, -np.exp([-50.0, -700.0]), rtol=1e-15)
    # gelu through erfc, not 1 + erf, keeps x * Phi(x) far below 0: Phi(-10) = 7.62e-24
    np.testing.assert_allclose(F.gelu(mg.tensor([-10.0])).data, [-7.619853024160527e-23], 1e-14)


# softmax (ops/reduce.py) cannot reduce a zero-length dim yet, so softmin goes along the other
EMPTY = {**STABLE, "softmin": lambda x: F.softmin(x, dim=0)}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_inputs(name: str) -> None:
    x = mg.tensor(np.zeros((2, 0)), requires_grad=True)
    y = EMPTY[name](x)
    y.sum().backward()
    assert x.grad.shape == (2, 0)


# --------------------------------------------------------------------------- kinks

#: Gradients at the kinks, as PyTorch 2 computes them (tests/test_parity_elementwise.py checks
#: the same points against PyTorch itself when it is installed).
KINKS: list[tuple[str, Callable[[Any], Any], list[float], list[float]]] = [
    ("elu", lambda x: F.elu(x, alpha=2.0), [0.0], [2.0]),
    ("selu", F.selu, [0.0], [1.0507009873554805 * 1.6732632423543772]),
    ("celu", lambda x: F.celu(x, alpha=2.0), [0.0], [1.0]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1), [0.0], [0.1]),
    ("relu6", F.relu6, [0.0, 6.0], [0.0, 0.0]),
    ("hardtanh", F.hardtanh, [-1.0, 1.0], [0.0, 0.0]),
    ("hardswish", F.hardswish, [-3.0, 3.0], [0.0, 1.0]),
    ("hardsigmoid", F.hardsigmoid, [-3.0, 3.0], [0.0, 0.0]),
    ("softplus", lambda x: F.softplus(x, beta=2.0, threshold=6.0), [3.0], [1 / (1 + np.exp(-6))]),
]


@pytest.mark.parametrize("name, fn, points, expected", KINKS, ids=[k[0] for k in KINKS])
def test_gradients_at_kinks_follow_pytorch(
    name: str, fn: Callable[[Any], Any], points: list[float], expected: list[float]
) -> None:
    x = mg.tensor(points, requires_grad=True)
    fn(x).sum().backward()
    np.testing.assert_allclose(x.grad, expected, rtol=1e-15)


def test_hardtanh_is_not_clamp_at_the_bounds() -> None:
    x = mg.tensor([-1.0, 1.0], requires_grad=True)
    x.clamp(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
