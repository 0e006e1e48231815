"""The elementwise operations (trig, logarithms, rounding, remainders, lerp, nan_to_num) against
finite differences at first and second order, in the style of tests/test_ops_gradients.py; then
their numerics: erf's accuracy, integer dtypes, empty tensors, the non-differentiable ops, the
Tensor operators ``%``, ``//``, ``&``, ``|``, ``^``, ``~``, and `Value` methods."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from test_ops_gradients import Case, elementwise, gradient_tests, lattice_case

import microgradnet as mg
from microgradnet import Value
from microgradnet.autograd import grad
from microgradnet.ops.erf import _erf, _erfc
from microgradnet.testing import gradgradcheck
from microgradnet.testing.strategies import arrays, broadcastable_shapes

POSITIVE = {"domain": (0.3, 3.0)}
UNIT = {"domain": (-0.9, 0.9)}
AWAY_FROM_0 = {"away_from": (0.0,), "margin": 0.3}


def draw_division(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    """A dividend and a divisor (broadcast against it) whose quotient stays 0.2 or more from
    every integer, where the remainders jump."""
    shape_a, shape_b = data.draw(broadcastable_shapes(2))
    full = np.broadcast_shapes(shape_a, shape_b)
    b = data.draw(arrays(shape_b, domain=(1.5, 2.5))) * data.draw(st.sampled_from([1.0, -1.0]))
    whole = np.round(data.draw(arrays(full, domain=(-3.0, 3.0))))
    fraction = data.draw(arrays(full, domain=(0.2, 0.8)))
    return [(whole + fraction) * b, b], {}


def draw_divisor(data: st.DataObject) -> tuple[list[np.ndarray], dict[str, Any]]:
    """A divisor with ``7 / b`` between 3.18 and 3.89 in magnitude, away from the jumps."""
    b = data.draw(arrays(domain=(1.8, 2.2))) * data.draw(st.sampled_from([1.0, -1.0]))
    return [b], {}


CASES = [
    elementwise("sin", lambda a: a.sin(), {}),
    elementwise("cos", lambda a: a.cos(), {}),
    elementwise("tan", lambda a: a.tan(), {"domain": (-1.2, 1.2)}),
    elementwise("asin", lambda a: a.asin(), UNIT),
    elementwise("acos", lambda a: a.acos(), UNIT),
    elementwise("atan", lambda a: a.atan(), {}),
    elementwise("sinh", lambda a: a.sinh(), {}),
    elementwise("cosh", lambda a: a.cosh(), {}),
    elementwise("asinh", lambda a: a.asinh(), {}),
    elementwise("acosh", lambda a: a.acosh(), {"domain": (1.2, 3.0)}),
    elementwise("atanh", lambda a: a.atanh(), UNIT),
    elementwise("atan2", mg.atan2, AWAY_FROM_0, {}),
    elementwise("erf", lambda a: a.erf(), {}),
    elementwise("erfc", lambda a: a.erfc(), {}),
    elementwise("log2", lambda a: a.log2(), POSITIVE),
    elementwise("log10", lambda a: a.log10(), POSITIVE),
    elementwise("log1p", lambda a: a.log1p(), {"domain": (-0.7, 3.0)}),
    elementwise("expm1", lambda a: a.expm1(), {}),
    elementwise("exp2", lambda a: a.exp2(), {}),
    elementwise("logaddexp", mg.logaddexp, {}, {}),
    elementwise("logaddexp2", lambda a, b: a.logaddexp2(b), {}, {}),
    elementwise("square", lambda a: a.square(), {}),
    elementwise("reciprocal", lambda a: a.reciprocal(), AWAY_FROM_0),
    elementwise("rsqrt", lambda a: a.rsqrt(), POSITIVE),
    elementwise("copysign", mg.copysign, AWAY_FROM_0, AWAY_FROM_0),
    elementwise("lerp", mg.lerp, {}, {}, {}),
    elementwise("lerp_number_weight", lambda a, b: a.lerp(b, 0.7), {}, {}),
    elementwise("nan_to_num", lambda a: a.nan_to_num(), {}),
    lattice_case("floor", lambda a: a.floor(), 0.25),
    lattice_case("ceil", lambda a: a.ceil(), 0.25),
    lattice_case("trunc", lambda a: a.trunc(), 0.25),
    lattice_case("round", lambda a: a.round(), 0.25),
    lattice_case("round_decimals", lambda a: a.round(decimals=1), 0.03),
    lattice_case("frac", lambda a: a.frac(), 0.25),
    Case("fmod", mg.fmod, draw_division),
    Case("remainder", lambda a, b: a % b, draw_division),
    Case("floor_divide", lambda a, b: a // b, draw_division),
    Case("rmod_number", lambda b: 7.0 % b, draw_divisor),
]


test_first_order, test_second_order, test_float32_stays_float32 = gradient_tests(CASES)


# ---------------------------------------------------------------------------------- erf


def test_erf_and_erfc_are_exact_to_a_few_units_in_the_last_place() -> None:
    xs = np.concatenate(
        [
            np.linspace(-30.0, 30.0, 60001),
            np.geomspace(1e-300, 30.0, 20001),
            -np.geomspace(1e-300, 30.0, 20001),
            np.linspace(0.49, 0.51, 2001),  # where the approximations change
            np.linspace(3.99, 4.01, 2001),
        ]
    )
    for fn, exact in ((_erf, math.erf), (_erfc, math.erfc)):
        want = np.array([exact(x) for x in xs])
        got = fn(xs)
        # relative error 1e-15, and a few of the smallest steps where erfc is subnormal
        excess = np.abs(got - want) - (1e-15 * np.abs(want) + 4 * np.nextafter(0.0, 1.0))
        assert excess.max() <= 0, (fn.__name__, xs[excess.argmax()])


def test_erf_at_the_special_points() -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(_erf(x), [0.0, -0.0, 1.0, -1.0, np.nan])
    np.testing.assert_array_equal(_erfc(x), [1.0, 1.0, 0.0, 2.0, np.nan])
    assert np.signbit(_erf(x)[1])
    assert _erf(np.float32(0.3)).dtype == np.float32
    assert _erfc(np.array([26.0, 27.0, 30.0])).tolist() == [math.erfc(26.0), math.erfc(27.0), 0.0]


# --------------------------------------------------------------------------- dtypes


def test_integer_inputs_keep_their_dtype_where_pytorch_does() -> None:
    ints = mg.tensor([-3, 2, 7])
    for name in ("floor", "ceil", "trunc", "round", "square"):
        out = getattr(ints, name)()
        assert out.dtype == np.int64, name
    np.testing.assert_array_equal(ints.square().data, [9, 4, 49])
    np.testing.assert_array_equal(ints.round().data, [-3, 2, 7])
    for name in ("sin", "erf", "log1p", "reciprocal", "rsqrt", "atan"):
        assert getattr(ints.abs(), name)().dtype == np.float64, name
    np.testing.assert_array_equal(mg.copysign(ints, -1).data, [-3.0, -2.0, -7.0])


def test_integer_remainders_and_division() -> None:
    a, b = mg.tensor([7, -7, 7, -7]), mg.tensor([2, 2, -2, -2])
    np.testing.assert_array_equal((a % b).data, [1, 1, -1, -1])
    np.testing.assert_array_equal(mg.fmod(a, b).data, [1, -1, 1, -1])
    np.testing.assert_array_equal((a // b).data, [3, -4, -4, 3])
    np.testing.assert_array_equal((-7 // mg.tensor([2])).data, [-4])
    np.testing.assert_array_equal((7 % mg.tensor([-3])).data, [-2])
    assert (a // b).dtype == np.int64
    for op in (lambda: a % 0, lambda: a // mg.tensor([1, 0, 1, 1]), lambda: mg.fmod(a, 0)):
        with pytest.raises(ZeroDivisionError, match="integer division by zero"):
            op()


def test_float_remainders_follow_python_and_c() -> None:
    a = mg.tensor([5.5, -5.5, 5.5, -5.5])
    b = mg.tensor([2.0, 2.0, -2.0, -2.0])
    np.testing.assert_array_equal((a % b).data, [1.5, 0.5, -0.5, -1.5])
    np.testing.assert_array_equal(mg.fmod(a, b).data, [1.5, -1.5, 1.5, -1.5])
    np.testing.assert_array_equal((a // b).data, [2.0, -3.0, -3.0, 2.0])


def test_remainder_gradients_are_one_and_minus_the_quotient() -> None:
    a = mg.tensor([5.5, -5.5], requires_grad=True)
    b = mg.tensor([2.0, 2.0], requires_grad=True)
    ga, gb = grad((a % b).sum(), [a, b])
    np.testing.assert_array_equal(ga.data, [1.0, 1.0])
    np.testing.assert_array_equal(gb.data, [-2.0, 3.0])  # -floor(a / b)
    ga, gb = grad(mg.fmod(a, b).sum(), [a, b])
    np.testing.assert_array_equal(gb.data, [-2.0, 2.0])  # -trunc(a / b)
    ga, gb = grad((a // b).sum(), [a, b])
    np.testing.assert_array_equal(ga.data, [0.0, 0.0])
    np.testing.assert_array_equal(gb.data, [0.0, 0.0])


def test_bit_operators_on_integers_and_booleans() -> None:
    i, j = mg.tensor([12, 10, -1]), mg.tensor([10, 6, 5])
    np.testing.assert_array_equal((i & j).data, [8, 2, 5])
    np.testing.assert_array_equal((i | j).data, [14, 14, -1])
    np.testing.assert_array_equal((i ^ j).data, [6, 12, -6])
    np.testing.assert_array_equal((~i).data, [-13, -11, 0])
    np.testing.assert_array_equal((3 & i).data, [0, 2, 3])
    np.testing.assert_array_equal((i ^ 1).data, [13, 11, -2])
    p, q = mg.tensor([True, True, False]), mg.tensor([True, False, False])
    np.testing.assert_array_equal((p ^ q).data, [False, True, False])
    np.testing.assert_array_equal((p & q).data, [True, False, False])
    assert (p | q).dtype == np.bool_ and (~p).dtype == np.bool_
    np.testing.assert_array_equal(mg.bitwise_and(i, j).data, [8, 2, 5])


@pytest.mark.parametrize("op", ["bitwise_and", "bitwise_or", "bitwise_xor"])
def test_bit_operations_refuse_floats(op: str) -> None:
    with pytest.raises(TypeError, match=rf"{op}: needs integer or boolean inputs, not dtype float"):
        getattr(mg, op)(mg.tensor([1, 2]), mg.tensor([1.0, 2.0]))


def test_logical_operations() -> None:
    a, b = mg.tensor([0.0, 2.0, 0.0, -1.0]), mg.tensor([0, 0, 3, 4])
    np.testing.assert_array_equal(mg.logical_and(a, b).data, [False, False, False, True])
    np.testing.assert_array_equal(mg.logical_or(a, b).data, [False, True, True, True])
    np.testing.assert_array_equal(a.logical_xor(b).data, [False, True, True, False])
    np.testing.assert_array_equal(a.logical_not().data, [True, False, True, False])
    assert mg.logical_and(a, b).dtype == np.bool_


def test_float_tests_and_isclose() -> None:
    x = mg.tensor([1.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(x.isnan().data, [False, False, False, True])
    np.testing.assert_array_equal(x.isinf().data, [False, True, True, False])
    np.testing.assert_array_equal(x.isfinite().data, [True, False, False, False])
    y = mg.tensor([1.0 + 1e-6, np.inf, np.inf, np.nan])
    np.testing.assert_array_equal(x.isclose(y).data, [True, True, False, False])
    np.testing.assert_array_equal(mg.isclose(x, y, equal_nan=True).data, [True, True, False, True])
    np.testing.assert_array_equal(mg.isclose(x, y, rtol=0.0, atol=0.0).data[0], False)
    with pytest.raises(ValueError, match="isclose: rtol and atol must be non-negative"):
        mg.isclose(x, y, rtol=-1.0)


def test_nan_to_num_replaces_and_passes_the_gradient_only_where_finite() -> None:
    x = mg.tensor([np.nan, np.inf, -np.inf, 2.0], requires_grad=True)
    y = x.nan_to_num(nan=1.0, posinf=2.0, neginf=3.0)
    np.testing.assert_array_equal(y.data, [1.0, 2.0, 3.0, 2.0])
    (y * mg.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0, 4.0])
    big = np.finfo(np.float32).max
    np.testing.assert_array_equal(
        mg.tensor(np.array([np.inf, -np.inf], np.float32)).nan_to_num().data, [big, -big]
    )


def test_round_with_decimals_rounds_halves_to_even() -> None:
    x = mg.tensor([0.5, 1.5, 2.5, -0.5, 1234.5678])
    np.testing.assert_array_equal(x.round().data, [0.0, 2.0, 2.0, -0.0, 1235.0])
    np.testing.assert_allclose(x.round(decimals=2).data[-1], 1234.57, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(mg.tensor([1250.0, -251.0]).round(decimals=-2).data, [1200, -300])
    with pytest.raises(TypeError, match="round: decimals must be an int"):
        x.round(decimals=1.5)


def test_lerp_reaches_the_end_exactly() -> None:
    a, b = mg.tensor([0.1, -3.0]), mg.tensor([0.7, 1e-3])
    np.testing.assert_array_equal(mg.lerp(a, b, 1.0).data, b.data)
    np.testing.assert_array_equal(mg.lerp(a, b, 0.0).data, a.data)


def test_atan2_and_copysign_conventions_at_zero() -> None:
    a = mg.tensor([0.0, 0.0, 1.0], requires_grad=True)
    b = mg.tensor([0.0, 1.0, 0.0], requires_grad=True)
    ga, gb = grad(mg.atan2(a, b).sum(), [a, b])
    np.testing.assert_array_equal(ga.data, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(gb.data, [0.0, 0.0, -1.0])
    x = mg.tensor([0.0, 2.0, -2.0], requires_grad=True)
    y = mg.tensor([-1.0, -0.0, 3.0], requires_grad=True)
    gx, gy = grad(mg.copysign(x, y).sum(), [x, y])
    np.testing.assert_array_equal(mg.copysign(x, y).data, [-0.0, -2.0, 2.0])
    np.testing.assert_array_equal(gx.data, [0.0, -1.0, -1.0])
    np.testing.assert_array_equal(gy.data, [0.0, 0.0, 0.0])


# ------------------------------------------------------------------------ empty tensors


def method(name: str) -> Any:
    return lambda x: getattr(x, name)()


ONE_INPUT = [
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf",
    "erfc", "log2", "log10", "log1p", "expm1", "exp2", "square", "reciprocal", "rsqrt", "floor",
    "ceil", "trunc", "round", "frac", "nan_to_num",
]  # fmt: skip

EMPTY_OPS = {
    **{name: method(name) for name in ONE_INPUT},
    "atan2": lambda x: mg.atan2(x, x),
    "copysign": lambda x: mg.copysign(x, x),
    "fmod": lambda x: mg.fmod(x, 2.0),
    "remainder": lambda x: x % 2.0,
    "floor_divide": lambda x: x // 2.0,
    "lerp": lambda x: mg.lerp(x, x, x),
    "logaddexp": lambda x: mg.logaddexp(x, x),
}


@pytest.mark.parametrize("name", sorted(EMPTY_OPS))
def test_empty_tensors(name: str) -> None:
    x = mg.tensor(np.zeros((2, 0)), requires_grad=True)
    y = EMPTY_OPS[name](x)
    assert y.shape == (2, 0)
    y.sum().backward()
    assert x.grad.shape == (2, 0)


# ---------------------------------------------------------------------------- Values


VALUE_METHODS = [
    "sin", "cos", "tan", "atan", "sinh", "cosh", "asinh", "erf", "erfc", "expm1", "exp2",
    "square", "reciprocal", "floor", "ceil", "trunc", "round", "frac",
]  # fmt: skip


@pytest.mark.parametrize("name", VALUE_METHODS)
def test_value_methods_agree_with_tensors(name: str) -> None:
    for point in (-0.7, 0.4, 1.3):
        v = Value(point)
        out = getattr(v, name)()
        out.backward()
        t = mg.tensor(point, requires_grad=True)
        getattr(t, name)().backward()
        assert out.data == pytest.approx(float(getattr(mg.tensor(point), name)().data), rel=1e-15)
        assert v.grad == pytest.approx(float(t.grad), rel=1e-15)
    assert gradgradcheck(lambda u: getattr(u, name)(), [Value(0.4)])


def test_value_two_input_methods_and_domain_errors_follow_ieee() -> None:
    a, b = Value(5.5), Value(-2.0)
    assert a.remainder(b).data == 5.5 % -2.0
    assert a.fmod(b).data == math.fmod(5.5, -2.0)
    assert a.atan2(b).data == math.atan2(5.5, -2.0)
    assert a.copysign(b).data == -5.5
    assert a.lerp(b, 0.25).data == pytest.approx(5.5 - 0.25 * 7.5, rel=1e-15)
    assert math.isnan(Value(2.0).asin().data)
    assert Value(-1.0).atanh().data == -math.inf
