"""Numerical behaviour the finite-difference tests cannot see: stability at large inputs, the
conventions at ties and kinks, gradient accumulation through repeated indices, and errors that
name the operation and the shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Value
from microgradnet.autograd import grad

# ------------------------------------------------------------------------------ stability

BIG = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 3.0], [1e4, 1e4, -1e4]])

STABLE: dict[str, Callable[[Any], Any]] = {
    "sigmoid": lambda x: x.sigmoid(),
    "softmax": lambda x: x.softmax(-1),
    "softmax_axis0": lambda x: x.softmax(0),
    "log_softmax": lambda x: x.log_softmax(-1),
    "tanh": lambda x: x.tanh(),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(STABLE))
def test_large_inputs_give_finite_values_and_gradients(name: str, dtype: Any) -> None:
    # pytest turns numpy's overflow and invalid-value warnings into errors, so none may occur.
    x = mg.tensor(BIG.astype(dtype), requires_grad=True)
    y = STABLE[name](x)
    weights = np.arange(y.numel(), dtype=dtype).reshape(y.shape)
    (g,) = grad((y * weights).sum(), x, create_graph=True)
    (h,) = grad((g * g).sum(), x)
    for arr in (y.data, g.data, h.data):
        assert np.all(np.isfinite(arr))
        assert arr.dtype == dtype


def test_large_inputs_give_the_limits() -> None:
    x = mg.tensor([1e4, 0.0, -1e4])
    np.testing.assert_array_equal(x.sigmoid().data, [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(x.softmax().data, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(x.log_softmax().data, [0.0, -1e4, -2e4])


def test_value_sigmoid_is_stable() -> None:
    for v, expected in ((1e4, 1.0), (-1e4, 0.0)):
        x = Value(v)
        y = x.sigmoid()
        y.backward()
        assert (y.data, x.grad) == (expected, 0.0)


def test_softmax_gradient_of_the_total_is_zero() -> None:
    x = mg.tensor(np.random.default_rng(1).normal(size=(3, 4)), requires_grad=True)
    x.softmax(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, 0.0, atol=1e-15)


# ------------------------------------------------------------------- ties and kinks


def test_maximum_and_minimum_split_ties_evenly() -> None:
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    (mg.maximum(a, b) * 10 + mg.minimum(a, b)).sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 5.5, 10.0])
    np.testing.assert_array_equal(b.grad, [10.0, 5.5, 1.0])


def test_maximum_tie_with_a_broadcast_input_sums_the_halves() -> None:
    a = mg.tensor([2.0, 2.0, 5.0], requires_grad=True)
    b = mg.tensor(2.0, requires_grad=True)
    mg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.5, 1.0])
    assert float(b.grad) == 1.0


def test_amax_and_min_share_the_gradient_among_tied_elements() -> None:
    x = mg.tensor([[3.0, 1.0, 3.0, 3.0], [0.0, 2.0, 0.0, -1.0]], requires_grad=True)
    x.amax(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[1 / 3, 0, 1 / 3, 1 / 3], [0, 1, 0, 0]])
    x.grad = None
    x.min().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 0, 0], [0, 0, 0, 1]])


def test_max_of_a_slice_with_nan_sends_the_gradient_to_the_nan() -> None:
    x = mg.tensor([1.0, np.nan, 2.0], requires_grad=True)
    y = x.max()
    assert np.isnan(y.item())
    y.backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])


def test_clip_gives_the_gradient_to_x_on_the_bounds() -> None:
    x = mg.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    x.clip(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_clip_tensor_bounds_get_the_gradient_where_chosen() -> None:
    x = mg.tensor([-2.0, 0.0, 2.0, 5.0], requires_grad=True)
    lo = mg.tensor(-1.0, requires_grad=True)
    hi = mg.tensor([1.0, 1.0, 3.0, 4.0], requires_grad=True)
    mg.clip(x, lo, hi).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 0.0])
    assert float(lo.grad) == 1.0
    np.testing.assert_array_equal(hi.grad, [0.0, 0.0, 0.0, 1.0])


def test_clip_with_lo_above_hi_routes_to_hi() -> None:
    x = mg.tensor([0.0, 5.0], requires_grad=True)
    lo = mg.tensor(2.0, requires_grad=True)
    hi = mg.tensor(1.0, requires_grad=True)
    y = mg.clip(x, lo, hi)
    np.testing.assert_array_equal(y.data, [1.0, 1.0])
    y.sum().backward()
    assert (x.grad.tolist(), float(lo.grad), float(hi.grad)) == ([0.0, 0.0], 0.0, 2.0)


@pytest.mark.parametrize("name", ["relu", "abs"])
def test_kinks_at_zero_have_zero_gradient_as_in_pytorch(name: str) -> None:
    x = mg.tensor([0.0, 0.0], requires_grad=True)
    getattr(x, name)().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


def test_where_gives_each_side_the_gradient_of_the_places_it_fills() -> None:
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mg.tensor(10.0, requires_grad=True)
    (mg.where([True, False, False], a, b) * mg.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 0.0, 0.0])
    assert float(b.grad) == 5.0


# ------------------------------------------------------------------ repeated indices


def test_repeated_indices_accumulate() -> None:
    x = mg.tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = x[[0, 0, 2, 0]]
    np.testing.assert_array_equal(y.data, [10.0, 10.0, 30.0, 10.0])
    (y * mg.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [7.0, 0.0, 3.0])


def test_repeated_index_pairs_accumulate_in_two_dimensions() -> None:
    x = mg.tensor(np.zeros((2, 3)), requires_grad=True)
    rows, cols = np.array([[1, 1], [0, 1]]), np.array([[2, 2], [0, 2]])
    x[rows, cols].sum().backward()
    np.testing.assert_array_equal(x.grad, [[1, 0, 0], [0, 0, 3]])


def test_repeated_indices_accumulate_at_second_order() -> None:
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x[[1, 1, 1]] ** 3).sum()  # 3 * x1 ** 3
    (g,) = grad(y, x, create_graph=True)
    np.testing.assert_array_equal(g.data, [0.0, 36.0, 0.0])
    (h,) = grad(g.sum(), x)
    np.testing.assert_array_equal(h.data, [0.0, 36.0, 0.0])


def test_a_boolean_mask_selects_and_scatters_back() -> None:
    x = mg.tensor([[1.0, -2.0], [-3.0, 4.0]], requires_grad=True)
    (x[x > 0] * mg.tensor([5.0, 7.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[5.0, 0.0], [0.0, 7.0]])


# --------------------------------------------------------------------- error messages

ERRORS: list[tuple[str, Callable[[], Any], str]] = [
    (
        "matmul",
        lambda: mg.tensor(np.ones((2, 3))) @ mg.tensor(np.ones((4, 5))),
        r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned",
    ),
    (
        "matmul_batch",
        lambda: mg.tensor(np.ones((2, 2, 3))) @ np.ones((3, 3, 4)),
        r"matmul: shapes \(2, 2, 3\) and \(3, 3, 4\) are not aligned",
    ),
    (
        "matmul_scalar",
        lambda: mg.tensor(np.ones(3)) @ mg.tensor(2.0),
        r"matmul: shapes \(3,\) and \(\) are not aligned",
    ),
    (
        "broadcast",
        lambda: mg.tensor(np.ones((2, 3))) + np.ones(4),
        r"add: inputs of shapes \(2, 3\), \(4,\) do not fit: operands could not be broadcast",
    ),
    (
        "broadcast_maximum",
        lambda: mg.maximum(mg.tensor(np.ones((2, 3))), np.ones((3, 2))),
        r"maximum: inputs of shapes \(2, 3\), \(3, 2\) do not fit",
    ),
    (
        "broadcast_where",
        lambda: mg.where(np.ones(4, dtype=bool), mg.tensor(np.ones((2, 3))), 0.0),
        r"where: a condition of shape \(4,\) and inputs of shapes \(2, 3\), \(\) do not broadcast",
    ),
    (
        "concatenate",
        lambda: mg.concatenate([mg.tensor(np.ones((2, 3))), np.ones((3, 4))]),
        r"concatenate: inputs of shapes \[\(2, 3\), \(3, 4\)\] do not have the same shape "
        r"outside axis 0",
    ),
    (
        "concatenate_rank",
        lambda: mg.concatenate([mg.tensor(np.ones((2, 3))), np.ones(3)], axis=1),
        r"concatenate: inputs of shapes \[\(2, 3\), \(3,\)\] do not have the same shape",
    ),
    (
        "concatenate_axis",
        lambda: mg.concatenate([mg.tensor(np.ones((2, 3)))], axis=2),
        r"concatenate: dim 2 is out of range for an input of 2 dimensions",
    ),
    (
        "concatenate_empty",
        lambda: mg.concatenate([]),
        r"concatenate: expected a non-empty sequence",
    ),
    (
        "stack",
        lambda: mg.stack([mg.tensor(np.ones((2, 3))), np.ones((3, 2))]),
        r"stack: inputs of shapes \[\(2, 3\), \(3, 2\)\] do not have the same shape",
    ),
    (
        "reshape",
        lambda: mg.tensor(np.ones((2, 3))).reshape(4, 2),
        r"reshape: cannot reshape a tensor of shape \(2, 3\) into \(4, 2\)",
    ),
    (
        "reshape_infer",
        lambda: mg.tensor(np.ones((2, 3))).reshape(-1, 4),
        r"reshape: cannot reshape a tensor of shape \(2, 3\) into \(-1, 4\)",
    ),
    (
        "broadcast_to",
        lambda: mg.ops.broadcast_to(mg.tensor(np.ones((2, 3))), (3, 3)),
        r"broadcast_to: an input of shape \(2, 3\) does not broadcast to \(3, 3\)",
    ),
    (
        "softmax_axis",
        lambda: mg.tensor(np.ones((2, 3))).softmax(2),
        r"softmax: dim 2 is out of range for an input of 2 dimensions",
    ),
    (
        "amax_axis",
        lambda: mg.tensor(np.ones((2, 3))).amax(axis=(1, -1)),
        r"amax: dim \(1, -1\) repeats a dimension",
    ),
    (
        "transpose",
        lambda: mg.tensor(np.ones((2, 3))).permute(1, 1),
        r"permute: dim \(1, 1\) repeats a dimension",
    ),
]


@pytest.mark.parametrize(("name", "call", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_name_the_operation_and_the_shapes(
    name: str, call: Callable[[], Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call()
