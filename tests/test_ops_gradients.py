"""Every differentiable operation against central finite differences, at first and second order.

Each case draws its own float64 inputs (random shapes, broadcasting included) and, where the
operation has a kink or a tie, keeps the inputs a fixed distance from it: the checks compare
derivatives where they exist, and the conventions at the kinks have their own tests. The same
cases also check that float32 inputs give float32 outputs and gradients.
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
from microgradnet import ops
from microgradnet.autograd import grad
from microgradnet.ops.indexing import ScatterAdd, normalize_index
from microgradnet.testing import gradcheck, gradgradcheck
from microgradnet.testing.strategies import arrays, broadcastable_shapes, shapes

Draw = Callable[[st.DataObject], tuple[list[np.ndarray], dict[str, Any]]]


@dataclass(frozen=True)
class Case:
    """An operation under test: ``fn(*tensors, **params)`` over inputs that ``draw`` makes."""

    name: str
    fn: Callable[..., Any]
    draw: Draw = field(repr=False)

    def __str__(self) -> str:
        return self.name


def elementwise(name: str, fn: Callable[..., Any], *specs: dict[str, Any]) -> Case:
    """A case over inputs of mutually broadcastable shapes, one `arrays` spec per input."""

    def draw(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
        shape_list = data.draw(broadcastable_shapes(len(specs)))
        return [data.draw(arrays(s, **spec)) for s, spec in zip(shape_list, specs)], {}

    return Case(name, fn, draw)


def on_lattice(*offsets: float) -> Callable[[list[np.ndarray]], list[np.ndarray]]:
    """Round each input to an integer and add its own offset: inputs with different offsets
    then differ by at least the gap between offsets, so no two of them ever tie."""

    def place(xs: list[np.ndarray]) -> list[np.ndarray]:
        return [np.round(x) + o for x, o in zip(xs, offsets)]

    return place


def lattice_case(name: str, fn: Callable[..., Any], *offsets: float) -> Case:
    """An elementwise case whose inputs never tie with each other (nor with integers)."""
    place = on_lattice(*offsets)

    def draw(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
        shape_list = data.draw(broadcastable_shapes(len(offsets)))
        return place([data.draw(arrays(s)) for s in shape_list]), {}

    return Case(name, fn, draw)


def spread(x: np.ndarray) -> np.ndarray:
    """``x`` rounded, plus a different fraction below 1/2 for each element: no two elements tie,
    and any two differ by at least ``1 / (2 * (size + 1))``."""
    return np.round(x) + np.arange(x.size).reshape(x.shape) / (2 * (x.size + 1))


def one_input(
    name: str,
    fn: Callable[..., Any],
    params: Callable[..., Any],
    shape: Any = None,
    prep: Callable[[np.ndarray], np.ndarray] = lambda x: x,
    **spec: Any,
) -> Case:
    """A case over one array; ``params(data, shape)`` draws the operation's own arguments."""

    def draw(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
        x = prep(data.draw(arrays(shapes() if shape is None else shape, **spec)))
        return [x], params(data, x.shape)

    return Case(name, fn, draw)


def no_params(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    return {}


def reduction_axes(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    ndim = len(shape)
    axis = data.draw(
        st.one_of(
            st.none(),
            st.integers(-max(ndim, 1), max(ndim, 1) - 1),
            st.lists(st.integers(0, max(ndim - 1, 0)), unique=True, max_size=ndim).map(tuple),
        )
    )
    return {"axis": axis, "keepdims": data.draw(st.booleans())}


def one_axis(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    dims = max(len(shape), 1)
    return {"axis": data.draw(st.integers(-dims, dims - 1))}


# ------------------------------------------------------------------------- drawing indices


@st.composite
def basic_index(draw: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """Ints, slices (any step sign), None and Ellipsis, never more than the dimensions."""
    parts: list[Any] = []
    for n in shape[: draw(st.integers(0, len(shape)))]:
        kind = draw(st.sampled_from(["int", "slice", "full"]))
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = draw(st.none() | st.integers(-n, n))
            stop = draw(st.none() | st.integers(-n, n))
            step = draw(st.sampled_from([None, 1, 2, -1, -2]))
            parts.append(slice(start, stop, step))
        else:
            parts.append(slice(None))
    if draw(st.booleans()):
        parts.append(Ellipsis)  # after the parts drawn for the leading axes: it fills the rest
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    return tuple(parts)


@st.composite
def advanced_index(draw: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """Integer arrays (with repeats, some broadcast together) or a boolean mask, maybe after a
    leading slice."""
    lead = draw(st.integers(0, len(shape) - 1))
    rest = shape[lead:]
    if draw(st.booleans()):
        k = draw(st.integers(1, len(rest)))
        mask = draw(hnp.arrays(np.bool_, rest[:k]))
        return (slice(None),) * lead + (mask,)
    count = draw(st.integers(1, min(2, len(rest))))
    index_shape = draw(shapes(min_dims=1, max_dims=2, max_side=4))
    arrays_ = [
        draw(hnp.arrays(np.intp, index_shape, elements=st.integers(-n, n - 1)))
        for n in rest[:count]
    ]
    return (slice(None),) * lead + tuple(arrays_)


def index_params(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    return {"index": data.draw(basic_index(shape) | advanced_index(shape))}


# --------------------------------------------------------------------------- special draws


def draw_matmul(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    n, k, m = (data.draw(st.integers(1, 3)) for _ in range(3))
    kind = data.draw(st.sampled_from(["vv", "vm", "mv", "mm", "batched"]))
    batch_a: tuple[int, ...] = ()
    batch_b: tuple[int, ...] = ()
    if kind == "batched":
        batch_a, batch_b = data.draw(broadcastable_shapes(2, min_dims=0, max_dims=2, max_side=3))
    shape_a = (k,) if kind in ("vv", "vm") else batch_a + (n, k)
    shape_b = (k,) if kind in ("vv", "mv") else batch_b + (k, m)
    return [data.draw(arrays(shape_a)), data.draw(arrays(shape_b))], {}


def draw_where(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    sc, sa, sb = data.draw(broadcastable_shapes(3))
    cond = data.draw(hnp.arrays(np.bool_, sc))
    return [data.draw(arrays(sa)), data.draw(arrays(sb))], {"cond": cond}


def draw_broadcast(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    small, other = data.draw(broadcastable_shapes(2))
    return [data.draw(arrays(small))], {"shape": np.broadcast_shapes(small, other)}


def draw_sum_to(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    small, other = data.draw(broadcastable_shapes(2))
    return [data.draw(arrays(np.broadcast_shapes(small, other)))], {"shape": small}


def draw_scatter_add(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    shape = data.draw(shapes(min_dims=1))
    index, repeats = normalize_index(data.draw(basic_index(shape) | advanced_index(shape)))
    g = data.draw(arrays(np.zeros(shape)[index].shape))
    return [g], {"op": ScatterAdd(index, repeats, shape)}


def draw_join(stack: bool) -> Draw:
    def draw(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
        base = data.draw(shapes(min_dims=0 if stack else 1))
        dims = len(base) + stack
        axis = data.draw(st.integers(-dims, dims - 1))
        count = data.draw(st.integers(1, 3))
        if stack:
            parts = [base] * count
        else:
            lengths = data.draw(st.lists(st.integers(1, 3), min_size=count, max_size=count))
            ax = axis % dims
            parts = [base[:ax] + (n,) + base[ax + 1 :] for n in lengths]
        return [data.draw(arrays(s)) for s in parts], {"axis": axis}

    return draw


def draw_permutation(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    return {"axes": tuple(data.draw(st.permutations(range(len(shape)))))}


def draw_squeeze(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    ones = [i for i, n in enumerate(shape) if n == 1]
    return {"axis": data.draw(st.none() | st.sampled_from(ones or [None]))}


def draw_expand(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    return {"axis": data.draw(st.integers(-len(shape) - 1, len(shape)))}


def draw_flatten(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    dims = max(len(shape), 1)
    start = data.draw(st.integers(0, dims - 1))
    return {"start_dim": start, "end_dim": data.draw(st.integers(start, dims - 1))}


# ----------------------------------------------------------------------------------- cases

POSITIVE = {"domain": (0.3, 3.0)}
AWAY_FROM_0 = {"away_from": (0.0,), "margin": 0.3}

CASES = [
    elementwise("add", lambda a, b: a + b, {}, {}),
    elementwise("sub", lambda a, b: a - b, {}, {}),
    elementwise("mul", lambda a, b: a * b, {}, {}),
    elementwise("div", lambda a, b: a / b, {}, AWAY_FROM_0),
    elementwise("pow", lambda a, b: a**b, POSITIVE, {"domain": (-2.0, 2.0)}),
    elementwise("pow_const_int", lambda a: a**3, {}),
    elementwise("pow_const_frac", lambda a: a**-1.5, POSITIVE),
    elementwise("rpow_const", lambda a: 1.5**a, {}),
    elementwise("neg", lambda a: -a, {}),
    elementwise("exp", lambda a: a.exp(), {}),
    elementwise("log", lambda a: a.log(), POSITIVE),
    elementwise("sqrt", lambda a: a.sqrt(), POSITIVE),
    elementwise("abs", lambda a: a.abs(), AWAY_FROM_0),
    elementwise("tanh", lambda a: a.tanh(), {}),
    elementwise("sigmoid", lambda a: a.sigmoid(), {"domain": (-6.0, 6.0)}),
    elementwise("softsign", lambda a: a.softsign(), AWAY_FROM_0),
    elementwise("relu", lambda a: a.relu(), AWAY_FROM_0),
    lattice_case("maximum", mg.maximum, 0.25, -0.25),
    lattice_case("minimum", mg.minimum, 0.25, -0.25),
    lattice_case("clip_numbers", lambda x: x.clip(-1.0, 1.0), 0.5),
    lattice_case("clip_lo_only", lambda x: x.clip(0.0), 0.5),
    lattice_case("clip_tensor_bounds", mg.clip, 0.25, -0.5, 0.75),
    Case("where", lambda a, b, cond: mg.where(cond, a, b), draw_where),
    Case("matmul", lambda a, b: a @ b, draw_matmul),
    one_input("sum", lambda x, **p: x.sum(**p), reduction_axes),
    one_input("mean", lambda x, **p: x.mean(**p), reduction_axes),
    one_input("amax", lambda x, **p: x.amax(**p), reduction_axes, prep=spread),
    one_input("amin", lambda x, **p: x.amin(**p), reduction_axes, prep=spread),
    one_input("softmax", lambda x, axis: x.softmax(axis), one_axis),
    one_input("log_softmax", lambda x, axis: x.log_softmax(axis), one_axis),
    one_input("reshape", lambda x: x.reshape(x.shape[::-1]), no_params),
    one_input("reshape_flat", lambda x: x.reshape(-1), no_params),
    one_input("transpose", lambda x, axes: x.permute(axes), draw_permutation),
    one_input("matrix_transpose", lambda x: x.mT, no_params, shape=shapes(min_dims=2)),
    one_input("squeeze", lambda x, axis: x.squeeze(axis), draw_squeeze),
    one_input("expand_dims", lambda x, axis: x.expand_dims(axis), draw_expand),
    one_input("flatten", lambda x, **p: x.flatten(**p), draw_flatten),
    one_input("getitem", lambda x, index: x[index], index_params, shape=shapes(min_dims=1)),
    Case("scatter_add", lambda g, op: op(g), draw_scatter_add),
    Case("broadcast_to", lambda x, shape: ops.broadcast_to(x, shape), draw_broadcast),
    Case("sum_to", lambda x, shape: ops.sum_to(x, shape), draw_sum_to),
    Case("concatenate", lambda *xs, axis: mg.concatenate(xs, axis), draw_join(stack=False)),
    Case("stack", lambda *xs, axis: mg.stack(xs, axis), draw_join(stack=True)),
]


def leaves(xs: list[np.ndarray], dtype: Any = np.float64) -> list[mg.Tensor]:
    return [mg.tensor(x.astype(dtype), requires_grad=True) for x in xs]


def gradient_tests(cases: list[Case]) -> tuple[Callable[..., None], ...]:
    """The three tests every family of operations runs over its ``cases``: first and second
    order against finite differences in float64, and float32 kept through values, first-order
    gradients (recorded) and ``.grad``. A test module binds them to its own test names."""

    @pytest.mark.parametrize("case", cases, ids=str)
    @given(data=st.data())
    def first_order(case: Case, data: st.DataObject) -> None:
        xs, params = case.draw(data)
        assert gradcheck(lambda *ts: case.fn(*ts, **params), leaves(xs))

    @pytest.mark.parametrize("case", cases, ids=str)
    @given(data=st.data())
    def second_order(case: Case, data: st.DataObject) -> None:
        xs, params = case.draw(data)
        assert gradgradcheck(lambda *ts: case.fn(*ts, **params), leaves(xs))

    @pytest.mark.parametrize("case", cases, ids=str)
    @given(data=st.data())
    def float32_stays_float32(case: Case, data: st.DataObject) -> None:
        xs, params = case.draw(data)
        ts = leaves(xs, np.float32)
        out = case.fn(*ts, **params)
        assert out.dtype == np.float32
        firsts = grad(out.sum(), ts, create_graph=True)
        assert [g.dtype for g in firsts] == [np.float32] * len(ts)
        out.sum().backward()
        assert [x.grad.dtype for x in ts] == [np.float32] * len(ts)

    return first_order, second_order, float32_stays_float32


test_first_order, test_second_order, test_float32_stays_float32 = gradient_tests(CASES)
