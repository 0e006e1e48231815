"""The indexing family, copies and casts: gradients against finite differences at first and second
order (float64, random shapes and indices), float32 kept, and their numerics and errors.

Indices are drawn with repeats, so gradients that add up over repeated picks are checked too;
scatter (which overwrites) draws indices unique along each line, and the extremum reductions draw
inputs with no ties (ties have their own tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microgradnet as mg
from microgradnet.autograd import grad
from microgradnet.testing import gradcheck, gradgradcheck
from microgradnet.testing.strategies import arrays, shapes

Drawn = tuple[list[np.ndarray], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    """``fn(*tensors, **params)`` over the inputs ``draw`` makes."""

    name: str
    fn: Callable[..., Any]
    draw: Callable[[st.DataObject], Drawn] = field(repr=False)

    def __str__(self) -> str:
        return self.name


def spread(x: np.ndarray) -> np.ndarray:
    """No two elements tie: rounded, plus a distinct fraction below 1/2 each."""
    return np.round(x) + np.arange(x.size).reshape(x.shape) / (2 * (x.size + 1))


def along(data: st.DataObject, unique: bool = False, min_dims: int = 1) -> Drawn:
    """An input, a dim, and an index of the input's number of dims into that dim, each side at
    most the input's (with repeats unless ``unique``)."""
    shape = data.draw(shapes(min_dims=min_dims))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    d = dim % len(shape)
    idx_shape = tuple(data.draw(st.integers(1, n)) for n in shape)
    n = shape[d]
    if unique:
        lines = int(np.prod(idx_shape)) // idx_shape[d]
        picks = [data.draw(st.permutations(range(n)))[: idx_shape[d]] for _ in range(lines)]
        moved = idx_shape[:d] + idx_shape[d + 1 :] + (idx_shape[d],)
        index = np.moveaxis(np.array(picks, dtype=np.int64).reshape(moved), -1, d)
    else:
        index = data.draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(-n, n - 1)))
        index = index % n  # PyTorch's gather takes no negative indices
    x = data.draw(arrays(shape))
    return [x], {"dim": dim, "index": index}


def draw_gather(data: st.DataObject) -> Drawn:
    return along(data)


def draw_scatter(unique: bool) -> Callable[[st.DataObject], Drawn]:
    def draw(data: st.DataObject) -> Drawn:
        (x,), params = along(data, unique=unique)
        return [x, data.draw(arrays(params["index"].shape))], params

    return draw


def draw_reduce(reduce: str, include_self: bool) -> Callable[[st.DataObject], Drawn]:
    def draw(data: st.DataObject) -> Drawn:
        (x,), params = along(data)
        src = data.draw(arrays(params["index"].shape))
        if reduce in ("amax", "amin"):  # no ties anywhere
            both = spread(np.concatenate([x.ravel(), src.ravel()]))
            x, src = both[: x.size].reshape(x.shape), both[x.size :].reshape(src.shape)
        if reduce == "prod":  # away from 0, where the rule switches formula
            x, src = np.where(np.abs(x) < 0.3, 0.5, x), np.where(np.abs(src) < 0.3, 0.5, src)
        return [x, src], {**params, "reduce": reduce, "include_self": include_self}

    return draw


def draw_vector_index(data: st.DataObject) -> Drawn:
    shape = data.draw(shapes(min_dims=1))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim % len(shape)]
    index = data.draw(
        hnp.arrays(np.int64, data.draw(st.integers(0, 4)), elements=st.integers(0, n - 1))
    )
    return [data.draw(arrays(shape))], {"dim": dim, "index": index}


def draw_index_add(data: st.DataObject) -> Drawn:
    (x,), params = draw_vector_index(data)
    part = (slice(None),) * (params["dim"] % x.ndim) + (params["index"],)
    return [x, data.draw(arrays(x[part].shape))], params


def draw_take_along(data: st.DataObject) -> Drawn:
    shape = data.draw(shapes(min_dims=1))
    dim = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    if dim is None:
        size = int(np.prod(shape))
        idx_shape = data.draw(shapes(max_dims=1, min_dims=1))
        index = data.draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(0, size - 1)))
    else:
        d = dim % len(shape)
        # Length 1 in a dim broadcasts against the other side, as in PyTorch.
        idx_shape = tuple(
            data.draw(st.integers(1, 3)) if i == d else data.draw(st.sampled_from([1, n]))
            for i, n in enumerate(shape)
        )
        index = data.draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(0, shape[d] - 1)))
    return [data.draw(arrays(shape))], {"index": index, "dim": dim}


def draw_mask(data: st.DataObject) -> Drawn:
    shape = data.draw(shapes())
    mask = data.draw(hnp.arrays(np.bool_, shape[data.draw(st.integers(0, len(shape))) :]))
    return [data.draw(arrays(shape)), data.draw(arrays(()))], {"mask": mask}


@st.composite
def torch_style_index(draw: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """Ints and slices mixed with integer lists of one length (or a single mask): where
    PyTorch's rule and numpy's differ."""
    kinds = [draw(st.sampled_from(["int", "slice", "array"])) for _ in shape]
    mask = kinds.count("array") == 1 and draw(st.booleans())
    k = draw(st.integers(1, 3))
    parts: list[Any] = []
    for n, kind in zip(shape, kinds):
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            parts.append(slice(draw(st.integers(0, n - 1)), None))
        elif mask:
            parts.append(draw(hnp.arrays(np.bool_, (n,))))
        else:
            parts.append(draw(st.lists(st.integers(-n, n - 1), min_size=k, max_size=k)))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    return tuple(parts)


def draw_torch_index(data: st.DataObject) -> Drawn:
    shape = data.draw(shapes(min_dims=2))
    return [data.draw(arrays(shape))], {"index": data.draw(torch_style_index(shape))}


CASES = [
    Case("getitem_int_and_arrays", lambda x, index: x[index], draw_torch_index),
    Case("gather", lambda x, dim, index: x.gather(dim, mg.tensor(index)), draw_gather),
    Case("scatter", lambda x, s, dim, index: x.scatter(dim, index, s), draw_scatter(True)),
    Case("scatter_value", lambda x, s, dim, index: x.scatter(dim, index, value=0.5) * s.sum(),
         draw_scatter(True)),
    Case("scatter_add", lambda x, s, dim, index: x.scatter_add(dim, index, s), draw_scatter(False)),
    *[
        Case(f"scatter_reduce_{r}_{'self' if inc else 'noself'}",
             lambda x, s, **p: x.scatter_reduce(p.pop("dim"), p.pop("index"), s, **p),
             draw_reduce(r, inc))
        for r in ("sum", "prod", "mean", "amax", "amin")
        for inc in (True, False)
    ],
    Case("index_select", lambda x, dim, index: x.index_select(dim, index), draw_vector_index),
    Case("index_add", lambda x, s, dim, index: x.index_add(dim, index, s, alpha=1.5),
         draw_index_add),
    Case("take_along_dim", lambda x, index, dim: mg.take_along_dim(x, index, dim),
         draw_take_along),
    Case("masked_fill", lambda x, v, mask: x.masked_fill(mask, v), draw_mask),
    Case("masked_select", lambda x, v, mask: x.masked_select(mask) * v, draw_mask),
    Case("clone", lambda x: x.clone() * x, lambda data: ([data.draw(arrays(shapes()))], {})),
]  # fmt: skip


def leaves(xs: list[np.ndarray], dtype: Any = np.float64) -> list[mg.Tensor]:
    return [mg.tensor(x.astype(dtype), requires_grad=True) for x in xs]


@pytest.mark.parametrize("case", CASES, ids=str)
@given(data=st.data())
def test_first_order(case: Case, data: st.DataObject) -> None:
    xs, params = case.draw(data)
    assert gradcheck(lambda *ts: case.fn(*ts, **dict(params)), leaves(xs))


@pytest.mark.parametrize("case", CASES, ids=str)
@given(data=st.data())
def test_second_order(case: Case, data: st.DataObject) -> None:
    xs, params = case.draw(data)
    assert gradgradcheck(lambda *ts: case.fn(*ts, **dict(params)), leaves(xs))


@pytest.mark.parametrize("case", CASES, ids=str)
@given(data=st.data())
def test_float32_stays_float32(case: Case, data: st.DataObject) -> None:
    xs, params = case.draw(data)
    ts = leaves(xs, np.float32)
    out = case.fn(*ts, **dict(params))
    assert out.dtype == np.float32
    firsts = grad(out.sum(), ts, create_graph=True, allow_unused=True)
    assert all(g is None or g.dtype == np.float32 for g in firsts)


# ------------------------------------------------------------------------- numerics and errors


def test_scatter_reduce_ties_share_the_whole_gradient_without_the_input() -> None:
    # PyTorch counts an input equal to the result among the ties even when the input is left
    # out, so its shares add up to less than the gradient; here they add up to all of it.
    x = mg.tensor([2.0], requires_grad=True)
    src = mg.tensor([2.0, 2.0, 1.0], requires_grad=True)
    out = x.scatter_reduce(0, mg.tensor([0, 0, 0]), src, "amax", include_self=False)
    out.backward()
    assert x.grad.tolist() == [0.0] and src.grad.tolist() == [0.5, 0.5, 0.0]


def test_scatter_reduce_prod_is_exact_at_zeros() -> None:
    x = mg.tensor([3.0, 2.0], requires_grad=True)
    src = mg.tensor([0.0, 5.0, 0.0, 0.0], requires_grad=True)
    out = x.scatter_reduce(0, mg.tensor([0, 0, 1, 1]), src, "prod")
    out.sum().backward()
    assert out.tolist() == [0.0, 0.0]
    assert x.grad.tolist() == [0.0, 0.0]  # each position holds another zero
    assert src.grad.tolist() == [15.0, 0.0, 0.0, 0.0]  # one zero: the product of the others


def test_scatter_reduce_keeps_positions_no_element_reaches() -> None:
    x = mg.tensor([1.0, 2.0, 3.0])
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        out = x.scatter_reduce(0, mg.tensor([1]), mg.tensor([7.0]), reduce, include_self=False)
        assert out.tolist() == [1.0, 7.0, 3.0]


def test_float32_numbers_stay_float32_through_masked_fill_and_scatter() -> None:
    x = mg.tensor(np.ones(3, np.float32))
    assert x.masked_fill(mg.tensor([True, False, True]), 2.5).dtype == np.float32
    assert x.scatter(0, mg.tensor([0]), value=2.5).dtype == np.float32


def test_empty_indices() -> None:
    x = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    picked = x.index_select(1, mg.tensor(np.zeros(0, np.int64)))
    assert picked.shape == (2, 0)
    assert x.masked_select(mg.zeros(2, 3, dtype="bool")).shape == (0,)
    assert x.gather(1, mg.tensor(np.zeros((2, 0), np.int64))).shape == (2, 0)
    assert mg.zeros(0).nonzero().shape == (0, 1)
    (picked.sum() + x.sum()).backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2


def test_casts_pass_gradients_back_in_the_source_dtype() -> None:
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    y = x.float()
    assert y.dtype == np.float32 and y.requires_grad
    (dy,) = grad((y * y).sum(), x, create_graph=True)
    assert dy.dtype == np.float64 and dy.tolist() == [2.0, -4.0]
    (d2,) = grad(dy.sum(), x)
    assert d2.tolist() == [2.0, 2.0]
    assert x.half().dtype == np.float16 and x.double() is x
    for cut in (x.long(), x.int(), x.bool(), x.to(mg.int64), x.type("int32")):
        assert not cut.requires_grad
    assert x.long().tolist() == [1, -2] and x.int().dtype == np.int32
    assert x.to(mg.float32).dtype == x.type(mg.float32).dtype == np.float32
    assert x.type() == "float64" and x.to(mg.zeros(1, dtype="float32")).dtype == np.float32


def test_to_takes_pytorchs_non_blocking_on_the_cpu() -> None:
    x = mg.tensor([1.5, -2.5], requires_grad=True)
    assert x.to("cpu", non_blocking=True) is x
    y = x.to("cpu", mg.float32, non_blocking=True)
    assert y.dtype == np.float32 and y.requires_grad and y.tolist() == [1.5, -2.5]
    z = x.to(dtype=mg.float64, non_blocking=True, copy=True)
    assert z is not x and z.tolist() == x.tolist()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: x.gather(0, mg.tensor([0.0, 1.0])), "gather: index must hold integers"),
        (lambda x: x.gather(0, mg.tensor([0, 1])), "gather: index of shape .2,. must have"),
        (lambda x: x.gather(1, mg.tensor([[0, 5]])), "gather: index out of range for dim 1"),
        (lambda x: x.gather(2, mg.tensor([[0]])), "gather: dim 2 is out of range"),
        (lambda x: x.scatter(0, mg.tensor([[0]])), "scatter: give exactly one of src and value"),
        (lambda x: x.scatter_reduce(0, mg.tensor([[0]]), x, "max"), "reduce must be one of"),
        (lambda x: x.index_select(0, mg.tensor([[0]])), "index_select: index must be a 1-d"),
        (lambda x: x.masked_fill(mg.tensor([1, 0]), 0.0), "masked_fill: the mask must be bool"),
        (lambda x: x.masked_fill(mg.zeros(3, 2, dtype=bool), 0.0), "does not broadcast to"),
        (lambda x: mg.nn.functional.one_hot(mg.tensor([0, 3]), 2), "one_hot: class indices"),
        (lambda x: x.to("cuda"), "to: device 'cuda' is not available"),
        (lambda x: x.to("complex128"), "to: dtype complex128 is not supported"),
    ],
)
def test_bad_input_gets_a_clear_error(call: Callable[[Any], Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError, IndexError), match=message):
        call(mg.tensor(np.zeros((2, 2))))
