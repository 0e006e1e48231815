"""`Value` and 0-d `Tensor` run the same rules: a random expression built both ways gives the same
data and the same first and second derivatives."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microgradnet as mg
from microgradnet import Value
from microgradnet.autograd import grad

# Each step combines earlier nodes. Domains are kept safe by construction (log and fractional
# powers of positive quantities, division by a quantity at least 1), so every expression is
# finite and smooth for any inputs the strategy draws.
UNARY: dict[str, Callable[[Any], Any]] = {
    "neg": lambda x: -x,
    "exp_tanh": lambda x: x.tanh().exp(),
    "log": lambda x: (x * x + 1).log(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "abs": lambda x: abs(x),
    "pow_const": lambda x: (x * x + 0.5) ** 1.5,
    "square": lambda x: x**2,
}
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (y * y + 1),
    "pow": lambda x, y: (x * x + 0.5) ** y.tanh(),
    "rsub_const": lambda x, y: 2.0 - x * 0.5 + y,
}

# Values away from the kinks of relu and abs: finite differences are not used here, but the
# subgradient conventions at 0 are covered by their own tests.
leaf = st.floats(-2, 2).filter(lambda v: abs(v) > 1e-3)
step = st.one_of(
    st.tuples(st.sampled_from(sorted(UNARY)), st.integers(0, 99)),
    st.tuples(st.sampled_from(sorted(BINARY)), st.integers(0, 99), st.integers(0, 99)),
)


def build(program: list[tuple[Any, ...]], leaves: list[Any]) -> Any:
    """Run ``program`` over ``leaves``; each step's operands index the nodes made so far."""
    nodes = list(leaves)
    for name, *args in program:
        operands = [nodes[i % len(nodes)] for i in args]
        fn: Callable[..., Any] = UNARY[name] if name in UNARY else BINARY[name]
        nodes.append(fn(*operands))
    return sum(nodes[len(leaves) :], nodes[0])


@given(
    st.lists(leaf, min_size=1, max_size=3),
    st.lists(step, min_size=1, max_size=8),
)
def test_value_and_zero_d_tensor_agree(xs: list[float], program: list[tuple[Any, ...]]) -> None:
    values = [Value(x) for x in xs]
    tensors = [mg.tensor(x, requires_grad=True) for x in xs]
    out_v = build(program, values)
    out_t = build(program, tensors)
    assert out_t.shape == ()
    assert math.isclose(out_v.data, float(out_t.data), rel_tol=1e-12, abs_tol=1e-12)

    first_v = grad(out_v, values, create_graph=True, allow_unused=True)
    first_t = grad(out_t, tensors, create_graph=True, allow_unused=True)
    for gv, gt in zip(first_v, first_t):
        assert (gv is None) == (gt is None)
        if gv is not None:
            assert math.isclose(gv.data, float(gt.data), rel_tol=1e-10, abs_tol=1e-12)

    used = [i for i, g in enumerate(first_v) if g is not None and g.requires_grad]
    if used:
        second_v = grad(sum(first_v[i] for i in used), values, allow_unused=True)
        second_t = grad(sum(first_t[i] for i in used), tensors, allow_unused=True)
        for sv, stt in zip(second_v, second_t):
            sv_data = 0.0 if sv is None else sv.data
            st_data = 0.0 if stt is None else float(stt.data)
            assert math.isclose(sv_data, st_data, rel_tol=1e-9, abs_tol=1e-10)


def test_backward_fills_grad_of_every_value_like_micrograd() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = (c + a).tanh()
    d.backward()
    assert c.grad == pytest.approx(1 - math.tanh(-4.0) ** 2)
    assert a.grad == pytest.approx((1 - math.tanh(-4.0) ** 2) * (b.data + 1))
    (s,) = d._prev
    assert (d._op, s._op) == ("tanh", "+")
    assert s._prev == {c, a} and isinstance(s._prev, set)


def test_abs_of_a_value_and_its_derivative() -> None:
    x = Value(-2.5)
    y = abs(x)
    y.backward()
    assert (y.data, x.grad) == (2.5, -1.0)


def test_relu_and_abs_give_zero_gradient_at_zero_as_pytorch() -> None:
    for fn in (lambda v: v.relu(), lambda v: abs(v)):
        x = Value(0.0)
        fn(x).backward()
        assert x.grad == 0.0


def test_relu_is_differentiable_twice_on_values() -> None:
    x = Value(1.5)
    (g,) = grad(x.relu() * x.relu(), x, create_graph=True)
    (h,) = grad(g, x)
    assert (g.data, h.data) == (3.0, 2.0)


def test_values_refuse_arrays_and_tensors() -> None:
    with pytest.raises(TypeError, match=r"mul: cannot combine a Value with a ndarray"):
        Value(1.0) * np.ones(2)
    with pytest.raises(TypeError, match=r"add: cannot mix Value and Tensor inputs"):
        mg.ops.add(Value(1.0), mg.tensor(1.0))
