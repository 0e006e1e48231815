"""The Tensor front end: its methods and module functions agree with numpy, mix with numpy values,
keep dtypes, and refuse bad input with errors that name the operation."""

from __future__ import annotations

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Tensor

RNG = np.random.default_rng(0)
A = RNG.normal(size=(2, 3, 4))


def t(data: object = A, requires_grad: bool = False) -> Tensor:
    return mg.tensor(data, requires_grad=requires_grad)


# ------------------------------------------------------------------------- forward values


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_equal_numpy(axis: object, keepdims: bool) -> None:
    for name in ("sum", "mean", "amax", "amin"):  # max(dim) is PyTorch's (values, indices)
        got = getattr(t(), name)(axis=axis, keepdims=keepdims).data
        np.testing.assert_allclose(got, getattr(np, name)(A, axis=axis, keepdims=keepdims))


def test_argmax_argmin_equal_numpy_and_carry_no_graph() -> None:
    x = t(requires_grad=True)
    assert x.argmax().item() == np.argmax(A)
    np.testing.assert_array_equal(x.argmin(axis=1).data, np.argmin(A, axis=1))
    assert not x.argmax(axis=0).requires_grad


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax_values(axis: int) -> None:
    s = t().softmax(axis).data
    np.testing.assert_allclose(s.sum(axis=axis), 1.0)
    expected = np.exp(A) / np.exp(A).sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(s, expected, rtol=1e-12)
    np.testing.assert_allclose(mg.log_softmax(A, axis).data, np.log(expected), rtol=1e-12)


def test_maximum_minimum_clip_equal_numpy() -> None:
    b = RNG.normal(size=(3, 1))
    np.testing.assert_array_equal(mg.maximum(t(), b).data, np.maximum(A, b))
    np.testing.assert_array_equal(t().minimum(b).data, np.minimum(A, b))
    np.testing.assert_array_equal(t().clip(-0.5, 0.5).data, np.clip(A, -0.5, 0.5))
    np.testing.assert_array_equal(t().clamp(min=-0.5).data, np.maximum(A, -0.5))
    np.testing.assert_array_equal(mg.clip(A, max=0.1).data, np.minimum(A, 0.1))


def test_clip_needs_a_bound() -> None:
    with pytest.raises(ValueError, match=r"clip: give at least one of min and max"):
        t().clip()


def test_clip_where_lo_exceeds_hi_gives_hi_like_numpy() -> None:
    np.testing.assert_array_equal(t().clip(1.0, -1.0).data, np.clip(A, 1.0, -1.0))


def test_squeeze_follows_pytorch() -> None:
    x = t(np.zeros((1, 3, 1, 2)))
    assert x.squeeze().shape == (3, 2)
    assert x.squeeze(0).shape == (3, 1, 2)
    assert x.squeeze(1).shape == (1, 3, 1, 2)  # not length 1: left alone, as in PyTorch
    assert x.squeeze((0, -2)).shape == (3, 2)
    with pytest.raises(ValueError, match=r"squeeze: dim 4 is out of range for an input of 4 dim"):
        x.squeeze(4)


def test_expand_dims_and_unsqueeze_follow_numpy() -> None:
    x = t(np.zeros((2, 3)))
    for axis in (0, 1, 2, -1, -3, (0, 3), (-1, 1)):
        assert x.expand_dims(axis).shape == np.expand_dims(x.data, axis).shape
    assert x.unsqueeze(-1).shape == (2, 3, 1)
    with pytest.raises(ValueError, match=r"expand_dims: dim 3 is out of range"):
        x.expand_dims(3)


@pytest.mark.parametrize(
    ("shape", "start", "end", "expected"),
    [
        ((2, 3, 4), 0, -1, (24,)),
        ((2, 3, 4), 1, -1, (2, 12)),
        ((2, 3, 4), 0, 1, (6, 4)),
        ((2, 3, 4), 1, 1, (2, 3, 4)),
        ((), 0, -1, (1,)),
        ((5,), 0, 0, (5,)),
    ],
)
def test_flatten_follows_pytorch(
    shape: tuple[int, ...], start: int, end: int, expected: tuple[int, ...]
) -> None:
    assert t(np.zeros(shape)).flatten(start, end).shape == expected


def test_flatten_rejects_start_after_end() -> None:
    msg = r"flatten: start_dim 2 comes after end_dim 1 for shape \(2, 3, 4\)"
    with pytest.raises(ValueError, match=msg):
        t().flatten(2, 1)


def test_concatenate_stack_and_cat_equal_numpy() -> None:
    b = RNG.normal(size=(2, 5, 4))
    np.testing.assert_array_equal(mg.concatenate([t(), b], axis=1).data, np.concatenate([A, b], 1))
    np.testing.assert_array_equal(mg.cat([A, A]).data, mg.concatenate([A, A]).data)
    np.testing.assert_array_equal(mg.stack([t(), A], axis=-1).data, np.stack([A, A], -1))
    np.testing.assert_array_equal(mg.stack([A[0], A[1]]).data, np.stack([A[0], A[1]]))


def test_where_accepts_bool_tensors_arrays_and_lists() -> None:
    x = t([-1.0, 2.0, -3.0])
    np.testing.assert_array_equal(mg.where(x > 0, x, 0.0).data, [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(mg.where([True, False, True], 1.0, x).data, [1.0, 2.0, 1.0])
    assert isinstance(mg.where(np.array([True]), 1.0, 2.0), Tensor)


def test_where_rejects_a_non_boolean_condition() -> None:
    msg = r"where: the condition must be boolean, not of dtype float64"
    with pytest.raises(TypeError, match=msg):
        mg.where(t([1.0, 0.0]), 1.0, 2.0)


# ----------------------------------------------------------------------------------- indexing

INDICES = [
    1,
    -1,
    (0, 2),
    slice(1, None),
    (slice(None), slice(None, None, -2)),
    (Ellipsis, 1),
    (None, 0, Ellipsis, None),
    [1, 1, 0],
    (slice(None), [2, 0, 2]),
    ([0, 1], [2, 2], [3, 3]),
    np.array([[0, 1], [1, 1]]),
    A > 0,
    (slice(None), np.array([True, False, True])),
]


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_indexing_equals_numpy(index: object) -> None:
    np.testing.assert_array_equal(t()[index].data, A[index])


def test_an_int_beside_an_array_is_basic_indexing_as_in_pytorch() -> None:
    # numpy would index with the int and the mask together and put their dim first.
    mask = np.array([True, False, True, True])
    np.testing.assert_array_equal(t()[1, ..., mask].data, A[1][..., mask])


def test_index_tensors_work_as_their_arrays() -> None:
    idx = mg.tensor(np.array([2, 0]))
    np.testing.assert_array_equal(t()[:, idx].data, A[:, [2, 0]])
    np.testing.assert_array_equal(t()[t() > 0].data, A[A > 0])


def test_indexing_errors_name_the_operation() -> None:
    with pytest.raises(IndexError, match=r"getitem: index arrays must hold integers or booleans"):
        t()[mg.tensor([0.0, 1.0])]
    with pytest.raises(IndexError, match=r"getitem: index \[5\] does not fit shape \(2, 3, 4\)"):
        t()[5]


def test_iterating_a_tensor_yields_its_rows() -> None:
    rows = list(t())
    assert len(rows) == 2
    np.testing.assert_array_equal(rows[1].data, A[1])


def test_setitem_writes_in_place_and_counts_a_version() -> None:
    x = t(np.zeros(4))
    x[[1, 3]] = 5.0
    x[0] = t(2.0)
    np.testing.assert_array_equal(x.data, [2.0, 5.0, 0.0, 5.0])
    assert x._version == 2


def test_setitem_on_a_tensor_that_requires_grad_needs_no_grad() -> None:
    w = t(np.zeros(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"setitem: in-place change of a tensor that requires"):
        w[0] = 1.0
    with mg.no_grad():
        w[0] = 1.0
    assert w.data[0] == 1.0


# ------------------------------------------------------------------------- mixing with numpy


@pytest.mark.parametrize("other", [1.5, 2, np.float64(1.5), np.array([0.0, 1.0, 2.0]), [0.0, 1, 2]])
def test_comparisons_give_boolean_tensors_without_graph(other: object) -> None:
    x = t([0.5, 1.0, 3.0], requires_grad=True)
    expected = np.less(x.data, other)
    for got in (x < other, x < mg.tensor(other)):
        assert isinstance(got, Tensor)
        assert got.dtype == np.bool_
        assert not got.requires_grad
        np.testing.assert_array_equal(got.data, expected)


def test_comparisons_with_numpy_on_the_left_give_tensors() -> None:
    x = t([0.5, 1.0, 3.0])
    got = np.array([1.0, 1.0, 1.0]) <= x
    assert isinstance(got, Tensor)
    np.testing.assert_array_equal(got.data, [False, True, True])


def test_boolean_operators_combine_masks() -> None:
    x = t([0.5, 1.0, 3.0])
    np.testing.assert_array_equal(((x > 0.7) & (x < 2)).data, [False, True, False])
    np.testing.assert_array_equal(((x < 0.7) | (x > 2)).data, [True, False, True])
    np.testing.assert_array_equal((~(x > 0.7)).data, [True, False, False])
    with pytest.raises(TypeError, match=r"bitwise_not: needs integer .*not dtype float64"):
        ~x


@pytest.mark.parametrize("left", [np.ones(3), np.float64(2.0), np.float32(2.0)])
def test_numpy_values_on_the_left_record_the_operation(left: object) -> None:
    x = t([1.0, 2.0, 3.0], requires_grad=True)
    y = left * x + left
    assert isinstance(y, Tensor) and y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.broadcast_to(left, (3,)))


def test_numpy_ufuncs_record_and_functions_without_a_rule_refuse_to_drop_the_graph() -> None:
    x = t([1.0], requires_grad=True)
    y = np.exp(x)
    assert isinstance(y, Tensor) and y.requires_grad
    with pytest.raises(TypeError, match=r"numpy.sort has no rule .* t.detach\(\).numpy\(\)"):
        np.sort(x)


# ------------------------------------------------------------------------------------ dtypes


def test_a_zero_d_result_has_one_dtype_whatever_the_grad_mode() -> None:
    a32 = mg.tensor(np.float32(2.0))
    b64 = mg.tensor(3.0, requires_grad=True)
    with mg.no_grad():
        plain = a32 * b64
    assert plain.dtype == (a32 * b64).dtype == np.float64


def test_a_float32_leaf_keeps_float32_gradients_from_float64_neighbours() -> None:
    x = mg.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    w = mg.tensor(np.full(3, 0.1))
    ((x * w).sum() + (x * x).sum()).backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, 2.1, rtol=1e-6)


def test_python_numbers_keep_float32() -> None:
    x = mg.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    for y in (x * 2.5, 1 - x, x / 3, x**2, mg.maximum(x, 0.5), x.clip(0.0, 0.5)):
        assert y.dtype == np.float32
