"""Reductions, statistics, norms and scans: gradients at first and second order against finite
differences (float64, random shapes and dims, ties and kinks kept away), float32 kept, and the
numerical behaviour finite differences cannot see (large inputs, empty inputs, zeros in products,
PyTorch's conventions at ties and kinks)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from test_ops_gradients import (
    gradient_tests,
    one_axis,
    one_input,
    reduction_axes,
    spread,
)

import microgradnet as mg
from microgradnet.autograd import grad
from microgradnet.testing.strategies import shapes

AWAY_FROM_0 = {"away_from": (0.0,), "margin": 0.3}
ROWS = shapes(min_dims=1, min_side=2)  # every dim has two elements: var and std stay above 0


def with_zeros(x: np.ndarray) -> np.ndarray:
    """``x`` with its entries of magnitude below 1 set to 0 (about a third of them)."""
    return np.where(np.abs(x) < 1, 0.0, x)


def spread_off_zero(x: np.ndarray) -> np.ndarray:
    """`spread` shifted so that no element is an integer: none is 0, and no two have one
    magnitude (their fractions add up to less than 1)."""
    return spread(x) + 1 / (4 * (np.size(x) + 1))


def one_dim(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    return {"dim": one_axis(data, shape)["axis"]}


def one_dim_keep(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    return {**one_dim(data, shape), "keepdim": data.draw(st.booleans())}


def stat_params(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    axes = reduction_axes(data, shape)
    return {
        "dim": None if axes["axis"] == () else axes["axis"],
        "keepdim": axes["keepdims"],
        "correction": data.draw(st.sampled_from([0, 1])),
    }


def norm_dims(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    axes = reduction_axes(data, shape)
    return {"dim": axes["axis"], "keepdim": axes["keepdims"]}


CASES = [
    one_input("max_dim", lambda x, **p: x.max(**p).values, one_dim_keep, prep=spread),
    one_input("min_dim", lambda x, **p: x.min(**p)[0], one_dim_keep, prep=spread),
    one_input("max_all", lambda x: x.max(), lambda d, s: {}, prep=spread),
    one_input("logsumexp", lambda x, **p: x.logsumexp(**p), reduction_axes),
    one_input("prod", lambda x, **p: x.prod(**p), reduction_axes),
    one_input("prod_zeros", lambda x, **p: x.prod(**p), reduction_axes, prep=with_zeros),
    one_input("cumsum", lambda x, dim: x.cumsum(dim), one_dim),
    one_input("cumprod", lambda x, dim: x.cumprod(dim), one_dim),
    one_input("cumprod_zeros", lambda x, dim: x.cumprod(dim), one_dim, prep=with_zeros),
    one_input("logcumsumexp", lambda x, dim: x.logcumsumexp(dim), one_dim),
    one_input("cummax", lambda x, dim: x.cummax(dim).values, one_dim, prep=spread),
    one_input("cummin", lambda x, dim: mg.cummin(x, dim)[0], one_dim, prep=spread),
    one_input("sort", lambda x, dim: x.sort(dim).values, one_dim, prep=spread),
    one_input("sort_descending", lambda x, dim: mg.sort(x, dim, True)[0], one_dim, prep=spread),
    one_input("topk", lambda x, dim: x.topk(1, dim).values, one_dim, prep=spread),
    one_input("var", lambda x, **p: x.var(**p), stat_params, shape=ROWS, prep=spread),
    one_input("std", lambda x, **p: x.std(**p), stat_params, shape=ROWS, prep=spread),
    one_input("var_mean", lambda x, **p: sum(mg.var_mean(x, **p)), stat_params, shape=ROWS),
    one_input(
        "std_mean", lambda x, **p: sum(x.std_mean(**p)), stat_params, shape=ROWS, prep=spread
    ),
    one_input("median_all", lambda x: x.median(), lambda d, s: {}, prep=spread),
    one_input("median_dim", lambda x, **p: x.median(**p).values, one_dim_keep, prep=spread),
    one_input("mode", lambda x, **p: x.mode(**p).values, one_dim_keep, prep=spread),
    one_input("norm_fro", lambda x, **p: x.norm(**p), norm_dims, **AWAY_FROM_0),
    one_input("norm_1", lambda x, **p: x.norm(1, **p), norm_dims, **AWAY_FROM_0),
    one_input("norm_3", lambda x, **p: x.norm(3, **p), norm_dims, **AWAY_FROM_0),
    one_input("norm_half", lambda x, **p: mg.norm(x, 0.5, **p), norm_dims, **AWAY_FROM_0),
    one_input("norm_negative", lambda x, **p: mg.norm(x, -1.5, **p), norm_dims, **AWAY_FROM_0),
    one_input(
        "normalize",
        lambda x, dim: mg.nn.functional.normalize(x, 3.0, dim),
        one_dim,
        **AWAY_FROM_0,
    ),
    one_input("norm_inf", lambda x, **p: x.norm(np.inf, **p), norm_dims, prep=spread_off_zero),
]


test_first_order, test_second_order, test_float32_stays_float32 = gradient_tests(CASES)


# ------------------------------------------------------------------ max and min, PyTorch's way

X = [[3.0, 1.0, 3.0, 3.0], [0.0, 2.0, 0.0, -1.0]]


def test_max_with_a_dim_returns_values_and_indices() -> None:
    x = mg.tensor(X)
    out = x.max(dim=1)
    values, indices = out
    assert out.values is values and out.indices is indices
    np.testing.assert_array_equal(values.data, [3.0, 2.0])
    assert indices.dtype == np.int64 and indices.tolist() == [0, 1]
    assert x.max(1, keepdim=True).values.shape == (2, 1)
    assert x.min(axis=0, keepdims=True).indices.tolist() == [[1, 0, 1, 1]]


def test_max_dim_sends_the_gradient_to_the_index_picked_and_amax_shares_ties() -> None:
    x = mg.tensor(X, requires_grad=True)
    x.max(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad, [[1, 0, 0, 0], [0, 1, 0, 0]])
    x.grad = None
    x.amax(1).sum().backward()
    np.testing.assert_allclose(x.grad, [[1 / 3, 0, 1 / 3, 1 / 3], [0, 1, 0, 0]])
    x.grad = None
    x.max().backward()
    np.testing.assert_allclose(x.grad, [[1 / 3, 0, 1 / 3, 1 / 3], [0, 0, 0, 0]])


def test_max_of_a_tensor_is_elementwise_and_tuple_dims_are_refused() -> None:
    x = mg.tensor([1.0, 5.0])
    np.testing.assert_array_equal(x.max(mg.tensor([2.0, 2.0])).data, [2.0, 5.0])
    np.testing.assert_array_equal(mg.min(x, mg.tensor(3.0)).data, [1.0, 3.0])
    with pytest.raises(TypeError, match=r"max: dim must be one int, not \(0, 1\); use amax"):
        mg.tensor(np.ones((2, 2))).max((0, 1))
    with pytest.raises(ValueError, match=r"max: cannot reduce an input of shape \(0, 3\)"):
        mg.tensor(np.zeros((0, 3))).max(0)
    assert mg.tensor(np.zeros((0, 3))).max(1).values.shape == (0,)


def test_median_mode_and_running_extrema_follow_pytorch_at_ties() -> None:
    x = mg.tensor([2.0, 2.0, 1.0], requires_grad=True)
    x.median().backward()
    np.testing.assert_array_equal(x.grad, [0.5, 0.5, 0.0])
    assert mg.tensor([1.0, 2.0, 2.0, 3.0, 1.0]).mode() == (1.0, 4)
    assert mg.cummax(mg.tensor([1.0, 1.0, 3.0, 2.0, 3.0]), 0).indices.tolist() == [0, 1, 2, 2, 4]
    nan = mg.tensor([1.0, np.nan, 2.0]).median(0)
    assert np.isnan(nan.values.item()) and nan.indices.item() == 1


# ------------------------------------------------------------------------ products and zeros


def test_prod_and_cumprod_gradients_are_exact_with_zeros() -> None:
    x = mg.tensor([2.0, 0.0, 3.0, 0.0, 5.0], requires_grad=True)
    x.cumprod(0).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 8.0, 0.0, 0.0, 0.0])
    y = mg.tensor([[2.0, 0.0, 3.0], [1.0, 4.0, 5.0]], requires_grad=True)
    y.prod(1).sum().backward()
    np.testing.assert_array_equal(y.grad, [[0.0, 6.0, 0.0], [20.0, 5.0, 4.0]])
    (g,) = grad(y.prod(), y, create_graph=True)
    (h,) = grad(g[0, 1], y)  # d/dy of y00 * y02 * y10 * y11 * y12
    np.testing.assert_array_equal(
        h.data, [[3 * 20.0, 0.0, 2 * 20.0], [2 * 3 * 20.0, 2 * 3 * 5.0, 2 * 3 * 4.0]]
    )


# ----------------------------------------------------------------------- stability and kinks

BIG = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 3.0], [1e4, 1e4, -1e4]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "fn",
    [lambda x: x.logsumexp(1), lambda x: x.logcumsumexp(1), lambda x: x.logcumsumexp(0)],
    ids=["logsumexp", "logcumsumexp", "logcumsumexp_0"],
)
def test_log_sums_are_stable_for_large_inputs(fn: Any, dtype: Any) -> None:
    x = mg.tensor(BIG.astype(dtype), requires_grad=True)
    y = fn(x)
    (g,) = grad(
        (y * np.arange(1, y.numel() + 1, dtype=dtype).reshape(y.shape)).sum(), x, create_graph=True
    )
    (h,) = grad((g * g).sum(), x)
    for arr in (y.data, g.data, h.data):
        assert np.all(np.isfinite(arr)) and arr.dtype == dtype
    np.testing.assert_allclose(mg.tensor([1e4, 1e4]).logsumexp(0).item(), 1e4 + np.log(2))


def test_norm_does_not_overflow_and_its_gradient_at_zero_is_zero() -> None:
    assert mg.tensor([3e200, 4e200]).norm().item() == pytest.approx(5e200)
    assert mg.tensor(np.array([3e30, 4e30], np.float32)).norm().item() == pytest.approx(5e30)
    for p in (2, 1, 3, 0.5, np.inf):
        z = mg.tensor(np.zeros((2, 3)), requires_grad=True)
        z.norm(p, dim=1).sum().backward()
        np.testing.assert_array_equal(z.grad, 0.0)
    z = mg.tensor(np.zeros(3), requires_grad=True)
    z.std().backward()
    np.testing.assert_array_equal(z.grad, 0.0)


def test_empty_inputs_follow_pytorch() -> None:
    e = mg.tensor(np.zeros((0, 3)), requires_grad=True)
    np.testing.assert_array_equal(e.prod(0).data, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(e.logsumexp(0).data, [-np.inf] * 3)
    np.testing.assert_array_equal(e.norm(dim=0).data, [0.0] * 3)
    assert np.all(np.isnan(e.mean(0).data))
    total = e.prod(0).sum() + e.cumsum(0).sum() + e.cumprod(0).sum() + e.logcumsumexp(0).sum()
    total.backward()
    assert e.grad.shape == (0, 3)
    assert not mg.tensor(np.zeros(0)).any().item() and mg.tensor(np.zeros(0)).all().item()


def test_var_options_and_degrees_of_freedom() -> None:
    x = mg.tensor([[1.0, 2.0, 4.0]])
    assert x.var().item() == pytest.approx(7 / 3)
    assert x.var(unbiased=False).item() == pytest.approx(14 / 9)
    assert x.var(False).item() == pytest.approx(14 / 9)
    assert x.var(1, True, True).shape == (1, 1)
    assert x.std(correction=0).item() == pytest.approx(np.sqrt(14 / 9))
    v, m = x.var_mean(dim=1)
    assert (v.item(), m.item()) == (pytest.approx(7 / 3), pytest.approx(7 / 3))
    with pytest.raises(TypeError, match="var: give correction= or its older form unbiased="):
        x.var(unbiased=True, correction=0)
    with pytest.warns(RuntimeWarning, match="var: 1 elements per result and correction 1"):
        assert np.isnan(mg.tensor([1.0]).var().item())


def test_any_and_all() -> None:
    x = mg.tensor([[0.0, 1.0], [0.0, 0.0]], requires_grad=True)
    assert x.any(1).tolist() == [True, False] and x.any(1).dtype == np.bool_
    assert x.all(dim=0, keepdim=True).tolist() == [[False, False]]
    assert not x.any(1).requires_grad
