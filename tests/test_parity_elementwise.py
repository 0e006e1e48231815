"""Parity with PyTorch for the elementwise operations and the activations: values, first and
second derivatives on random inputs (float64 to 1e-10, float32 to float32's precision), the
gradients at the kinks, integer and boolean results, and the `nn` modules' reprs. Runs where
PyTorch is installed (the ``parity`` extra)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import nn
from microgradnet.autograd import grad
from microgradnet.nn import functional as F  # noqa: N812 - PyTorch users' spelling

torch = pytest.importorskip("torch")
TF = torch.nn.functional

Fn = Callable[..., Any]


def mine_and_theirs(
    mine: Fn, theirs: Fn, arrays: list[np.ndarray], order: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs (microgradnet, PyTorch) of the value, then of each input's gradient for a random
    cotangent, then (``order`` 2) of each input's second derivative along random directions."""
    rng = np.random.default_rng(1)
    xs = [mg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = mine(*xs), theirs(*ts)
    pairs = [(y.data, yt.detach().numpy())]
    if order == 0:
        return pairs
    v = rng.normal(size=y.shape).astype(y.dtype)
    gs = grad((y * v).sum(), xs, create_graph=True)
    gts = torch.autograd.grad((yt * torch.tensor(v)).sum(), ts, create_graph=True)
    pairs += [(g.data, gt.detach().numpy()) for g, gt in zip(gs, gts)]
    if order == 2:
        ws = [rng.normal(size=a.shape).astype(a.dtype) for a in arrays]
        s = sum((g * w).sum() for g, w in zip(gs, ws))
        st = sum((g * torch.tensor(w)).sum() for g, w in zip(gts, ws))
        # a gradient that is piecewise constant may have no graph (then its derivative is 0)
        none = [None] * len(xs)
        hs = grad(s, xs, allow_unused=True) if s.requires_grad else none
        hts = torch.autograd.grad(st, ts, allow_unused=True) if st.requires_grad else none
        for h, ht, a in zip(hs, hts, arrays):
            pairs.append(
                (
                    np.zeros_like(a) if h is None else h.data,
                    np.zeros_like(a) if ht is None else ht.numpy(),
                )
            )
    return pairs


def uniform(shape: tuple[int, ...], lo: float, hi: float, dtype: Any, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(lo, hi, size=shape).astype(dtype)


def method(name: str) -> Fn:
    return lambda x: getattr(x, name)()


# (name, microgradnet, PyTorch, domain of the inputs, shapes, derivative order checked)
R = (-3.0, 3.0)
OPS: list[tuple[str, Fn, Fn, tuple[float, float], tuple[tuple[int, ...], ...], int]] = [
    *[
        (n, method(n), method(n), dom, ((3, 4),), 2)
        for n, dom in [
            ("sin", R), ("cos", R), ("tan", (-1.3, 1.3)), ("asin", (-0.95, 0.95)),
            ("acos", (-0.95, 0.95)), ("atan", R), ("sinh", R), ("cosh", R), ("asinh", R),
            ("acosh", (1.05, 4.0)), ("atanh", (-0.95, 0.95)), ("erf", R), ("erfc", (-6.0, 6.0)),
            ("log2", (0.1, 4.0)), ("log10", (0.1, 4.0)), ("log1p", (-0.9, 4.0)),
            ("expm1", R), ("square", R), ("reciprocal", (0.2, 3.0)), ("rsqrt", (0.2, 3.0)),
            ("floor", R), ("ceil", R), ("trunc", R), ("round", R), ("frac", R),
            ("nan_to_num", R), ("arcsin", (-0.95, 0.95)), ("arctanh", (-0.95, 0.95)),
            ("exp2", R),
        ]
    ],
    ("round_decimals", lambda x: x.round(decimals=2), lambda x: x.round(decimals=2), R,
     ((3, 4),), 1),
    ("atan2", mg.atan2, torch.atan2, R, ((3, 1, 4), (2, 4)), 2),
    ("copysign", mg.copysign, torch.copysign, R, ((3, 1, 4), (2, 4)), 2),
    ("fmod", mg.fmod, torch.fmod, R, ((3, 1, 4), (2, 4)), 2),
    ("remainder", lambda a, b: a % b, lambda a, b: a % b, R, ((3, 1, 4), (2, 4)), 2),
    ("rmod_number", lambda b: 5.5 % b, lambda b: 5.5 % b, R, ((3, 4),), 0),  # no torch rule
    ("floor_divide", lambda a, b: a // b, lambda a, b: a // b, R, ((3, 1, 4), (2, 4)), 0),
    ("lerp", mg.lerp, torch.lerp, R, ((3, 1, 4), (2, 4), (4,)), 2),
    ("logaddexp", mg.logaddexp, torch.logaddexp, R, ((3, 1, 4), (2, 4)), 2),
    ("logaddexp2", mg.logaddexp2, torch.logaddexp2, R, ((3, 1, 4), (2, 4)), 2),
    # first order only: PyTorch's second derivative is NaN where the exponentials underflow
    ("logaddexp_far", lambda a, b: mg.logaddexp(a * 400, b), lambda a, b: torch.logaddexp(
        a * 400, b), R, ((3, 1, 4), (2, 4)), 1),
    ("lerp_number", lambda a, b: a.lerp(b, 0.3), lambda a, b: a.lerp(b, 0.3), R,
     ((2, 4), (4,)), 2),
    ("gelu", F.gelu, TF.gelu, (-6.0, 6.0), ((3, 4),), 2),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
     lambda x: TF.gelu(x, approximate="tanh"), (-6.0, 6.0), ((3, 4),), 2),
    ("silu", F.silu, TF.silu, (-6.0, 6.0), ((3, 4),), 2),
    ("elu", lambda x: F.elu(x, 1.5), lambda x: TF.elu(x, 1.5), R, ((3, 4),), 2),
    ("selu", F.selu, TF.selu, R, ((3, 4),), 2),
    # alpha = 0.5: PyTorch's celu gradient uses 1 / alpha in float32 (see the test below)
    ("celu", lambda x: F.celu(x, 0.5), lambda x: TF.celu(x, 0.5), R, ((3, 4),), 2),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), R,
     ((3, 4),), 2),
    ("relu6", F.relu6, TF.relu6, (-2.0, 8.0), ((3, 4),), 2),
    ("softplus", F.softplus, TF.softplus, (-30.0, 30.0), ((3, 4),), 2),
    ("softplus_beta", lambda x: F.softplus(x, 2.0, 3.0), lambda x: TF.softplus(x, 2.0, 3.0), R,
     ((3, 4),), 2),
    ("softsign", F.softsign, TF.softsign, R, ((3, 4),), 2),
    ("mish", F.mish, TF.mish, (-6.0, 6.0), ((3, 4),), 2),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: TF.hardtanh(x, -0.5, 2.0), R,
     ((3, 4),), 2),
    ("hardswish", F.hardswish, TF.hardswish, (-5.0, 5.0), ((3, 4),), 2),
    # values only: PyTorch's hardsigmoid gradient is float32's 1/6 (see the test below)
    ("hardsigmoid", F.hardsigmoid, TF.hardsigmoid, (-5.0, 5.0), ((3, 4),), 0),
    ("logsigmoid", F.logsigmoid, TF.logsigmoid, (-30.0, 30.0), ((3, 4),), 2),
    ("tanhshrink", F.tanhshrink, TF.tanhshrink, R, ((3, 4),), 2),
    ("softmin", lambda x: F.softmin(x, dim=1), lambda x: TF.softmin(x, dim=1), R, ((3, 4),), 2),
    ("glu", lambda x: F.glu(x, 0), lambda x: TF.glu(x, 0), R, ((4, 3),), 2),
]  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name, mine, theirs, domain, shapes, order", OPS, ids=[o[0] for o in OPS])
def test_float64_values_and_derivatives_match_pytorch(
    name: str, mine: Fn, theirs: Fn, domain: tuple[float, float],
    shapes: tuple[tuple[int, ...], ...], order: int, seed: int,
) -> None:  # fmt: skip
    arrays = [uniform(s, *domain, np.float64, seed + 10 * i) for i, s in enumerate(shapes)]
    for ours, pytorch in mine_and_theirs(mine, theirs, arrays, order):
        assert ours.dtype == pytorch.dtype
        np.testing.assert_allclose(ours, pytorch, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name, mine, theirs, domain, shapes, order", OPS, ids=[o[0] for o in OPS])
def test_float32_values_and_gradients_match_pytorch(
    name: str, mine: Fn, theirs: Fn, domain: tuple[float, float],
    shapes: tuple[tuple[int, ...], ...], order: int,
) -> None:  # fmt: skip
    arrays = [uniform(s, *domain, np.float32, 5 + i) for i, s in enumerate(shapes)]
    for ours, pytorch in mine_and_theirs(mine, theirs, arrays, min(order, 1)):
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, pytorch, rtol=2e-5, atol=1e-5)


# ---------------------------------------------------------------------------- kinks

KINKS: list[tuple[str, Fn, Fn, list[float]]] = [
    ("elu", lambda x: F.elu(x, 2.0), lambda x: TF.elu(x, 2.0), [-1e-300, 0.0, 1e-300]),
    ("selu", F.selu, TF.selu, [0.0]),
    ("celu", lambda x: F.celu(x, 2.0), lambda x: TF.celu(x, 2.0), [0.0]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1), lambda x: TF.leaky_relu(x, 0.1), [0.0]),
    ("relu6", F.relu6, TF.relu6, [0.0, 6.0]),
    ("hardtanh", F.hardtanh, TF.hardtanh, [-1.0, 1.0]),
    ("hardswish", F.hardswish, TF.hardswish, [-3.0, 3.0]),
    ("hardsigmoid", F.hardsigmoid, TF.hardsigmoid, [-3.0, 3.0]),
    ("softplus", lambda x: F.softplus(x, 2.0, 6.0), lambda x: TF.softplus(x, 2.0, 6.0), [3.0]),
    ("relu", F.relu, TF.relu, [0.0]),
    ("abs", mg.abs, torch.abs, [0.0]),
    ("floor", mg.floor, torch.floor, [1.0, -2.0]),
    ("round", mg.round, torch.round, [0.5, 1.5]),
    ("frac", mg.frac, torch.frac, [1.0, -2.0]),
    ("copysign_zero", lambda x: mg.copysign(x, -1.0), lambda x: torch.copysign(x, -1.0), [0.0]),
    ("atan2_origin", lambda x: mg.atan2(x, x), lambda x: torch.atan2(x, x), [0.0]),
    ("nan_to_num", mg.nan_to_num, torch.nan_to_num, [np.nan, np.inf, -np.inf, 1.0]),
    ("remainder_at_jump", lambda x: x % 2.0, lambda x: x % 2.0, [2.0, -4.0]),
    ("fmod_at_jump", lambda x: mg.fmod(x, 2.0), lambda x: torch.fmod(x, 2.0), [2.0, -4.0]),
]


@pytest.mark.parametrize("name, mine, theirs, points", KINKS, ids=[k[0] for k in KINKS])
def test_kinks_follow_pytorch(name: str, mine: Fn, theirs: Fn, points: list[float]) -> None:
    x = mg.tensor(points, requires_grad=True)
    t = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    y, yt = mine(x), theirs(t)
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    (g,) = grad(y.sum(), x)
    (gt,) = torch.autograd.grad(yt.sum(), t)
    # to the last bit but one: softplus's sigmoid(6) and PyTorch's z / (z + 1) round differently
    np.testing.assert_allclose(g.data, gt.numpy(), rtol=2.3e-16, atol=0)


FLOAT32_CONSTANTS: list[tuple[str, Fn, Fn, Fn]] = [
    # d/dx 0.7 * (exp(x / 0.7) - 1): PyTorch's rule takes 1 / alpha as a float32
    ("celu", lambda x: F.celu(x, 0.7), lambda x: TF.celu(x, 0.7), lambda x: np.exp(x / 0.7)),
    # d/dx (x + 3) / 6 between -3 and 3: PyTorch's rule takes 1 / 6 as a float32
    ("hardsigmoid", F.hardsigmoid, TF.hardsigmoid, lambda x: np.full_like(x, 1 / 6)),
]


@pytest.mark.parametrize(
    "name, mine, theirs, exact", FLOAT32_CONSTANTS, ids=[c[0] for c in FLOAT32_CONSTANTS]
)
def test_gradients_are_exact_where_pytorch_rounds_a_constant_to_float32(
    name: str, mine: Fn, theirs: Fn, exact: Fn
) -> None:
    x = np.array([-0.3, -1.7, -2.9])
    t = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(theirs(t).sum(), t)
    v = mg.tensor(x, requires_grad=True)
    mine(v).sum().backward()
    np.testing.assert_allclose(v.grad, exact(x), rtol=1e-15)
    np.testing.assert_allclose(gt.numpy(), exact(x), rtol=1e-7)
    assert not np.allclose(gt.numpy(), exact(x), rtol=1e-10, atol=0)


def test_divisor_gradients_at_the_jumps_follow_pytorch() -> None:
    a, b = [4.0, -4.0, 1.0], [2.0, 2.0, 0.1]
    for mine, theirs in ((mg.fmod, torch.fmod), (mg.remainder, torch.remainder)):
        x, y = mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)
        s = torch.tensor(a, requires_grad=True, dtype=torch.float64)
        t = torch.tensor(b, requires_grad=True, dtype=torch.float64)
        np.testing.assert_array_equal(mine(x, y).data, theirs(s, t).detach().numpy())
        gs = grad(mine(x, y).sum(), [x, y])
        gts = torch.autograd.grad(theirs(s, t).sum(), [s, t])
        for g, gt in zip(gs, gts):
            np.testing.assert_array_equal(g.data, gt.numpy())


# --------------------------------------------------------------- integers and booleans

INTS = np.array([[-7, -2, 0, 3], [5, 12, -1, 9]])
OTHER = np.array([3, -4, 6, 5])

DISCRETE: list[tuple[str, Fn, Fn]] = [
    ("bitwise_and", lambda a, b: a & b, lambda a, b: a & b),
    ("bitwise_or", lambda a, b: a | b, lambda a, b: a | b),
    ("bitwise_xor", lambda a, b: a ^ b, lambda a, b: a ^ b),
    ("bitwise_not", lambda a, b: ~a, lambda a, b: ~a),
    ("int_pow_negative_tensor", lambda a, b: a**b, lambda a, b: a**b),
    ("int_rpow_negative", lambda a, b: 2**b, lambda a, b: 2**b),
    ("int_pow_ones", lambda a, b: (a.sign() ** b), lambda a, b: (a.sign() ** b)),
    ("lshift", lambda a, b: a << 3, lambda a, b: a << 3),
    ("rshift", lambda a, b: a >> 1, lambda a, b: a >> 1),
    ("rlshift", lambda a, b: 5 << b.abs(), lambda a, b: 5 << b.abs()),
    ("shift_by_tensor", lambda a, b: a.bitwise_right_shift(b.abs()),
     lambda a, b: a.bitwise_right_shift(b.abs())),
    ("shift_left_fn", lambda a, b: mg.bitwise_left_shift(a, b.abs()),
     lambda a, b: torch.bitwise_left_shift(a, b.abs())),
    ("and_number", lambda a, b: 6 & a, lambda a, b: 6 & a),
    ("remainder", lambda a, b: a % b, lambda a, b: a % b),
    ("floor_divide", lambda a, b: a // b, lambda a, b: a // b),
    ("rfloordiv", lambda a, b: 17 // b, lambda a, b: 17 // b),
    ("fmod", mg.fmod, torch.fmod),
    ("floor", lambda a, b: a.floor(), lambda a, b: a.floor()),
    ("trunc", lambda a, b: a.trunc(), lambda a, b: a.trunc()),
    ("square", lambda a, b: a.square(), lambda a, b: a.square()),
    ("logical_and", mg.logical_and, torch.logical_and),
    ("logical_or", mg.logical_or, torch.logical_or),
    ("logical_xor", mg.logical_xor, torch.logical_xor),
    ("logical_not", lambda a, b: a.logical_not(), lambda a, b: a.logical_not()),
    ("bool_xor", lambda a, b: (a > 0) ^ (b > 0), lambda a, b: (a > 0) ^ (b > 0)),
    ("bool_invert", lambda a, b: ~(a > 0), lambda a, b: ~(a > 0)),
    ("isclose", lambda a, b: mg.isclose(a * 1.0, b * 1.0 + 1e-7, rtol=0, atol=1e-6),
     lambda a, b: torch.isclose(a * 1.0, b * 1.0 + 1e-7, rtol=0, atol=1e-6)),
]  # fmt: skip


@pytest.mark.parametrize("name, mine, theirs", DISCRETE, ids=[d[0] for d in DISCRETE])
def test_integer_and_boolean_results_match_pytorch(name: str, mine: Fn, theirs: Fn) -> None:
    ours = mine(mg.tensor(INTS), mg.tensor(OTHER))
    pytorch = theirs(torch.tensor(INTS), torch.tensor(OTHER)).numpy()
    assert ours.dtype == pytorch.dtype
    np.testing.assert_array_equal(ours.data, pytorch)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64", "bool"])
def test_shifts_wrap_and_saturate_as_in_pytorch(dtype: str) -> None:
    # overflow wraps around the dtype; shifting by the width or more (or by a negative count)
    # leaves 0, or -1 for a negative number shifted right
    data = np.array([[0, 1, 2, -5], [3, 100, -128, 127]]).astype(dtype)
    counts: list[Any] = [0, 2, 7, 8, 31, 33, 64, -1, np.array([1, 40, -3, 5])]
    for count in counts:
        for shift in (np.left_shift, np.right_shift):

            def run(lib: Any, x: Any = data, n: Any = count, op: Any = shift) -> Any:
                n = lib.tensor(n) if isinstance(n, np.ndarray) else n
                return lib.tensor(x) << n if op is np.left_shift else lib.tensor(x) >> n

            ours, theirs = run(mg), run(torch)
            assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (count, shift)
            np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.fixture
def torch_float64() -> Any:
    """PyTorch with microgradnet's default float dtype, float64, restored afterwards."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_division_with_a_rounding_mode_matches_pytorch(mode: str, torch_float64: Any) -> None:
    numerators = np.array([5, 6, 7, 0, -5, -6, -7, 110, -111, 2**40 + 1])
    for a in (numerators, numerators.astype(np.int32)[:-1], numerators * 1.0):
        for b in (3, -3, 2.0, np.array([-10]), np.array([55], np.int32), np.array([-2.5])):
            n = len(a)
            ours = mg.tensor(a).div(mg.tensor(b) if isinstance(b, np.ndarray) else b,
                                    rounding_mode=mode)  # fmt: skip
            theirs = torch.tensor(a).div(
                torch.tensor(b) if isinstance(b, np.ndarray) else b, rounding_mode=mode
            )
            assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (a, b)
            np.testing.assert_array_equal(ours.data[:n], theirs.numpy()[:n])
    x = mg.tensor([3.5, -2.5], requires_grad=True)
    mg.div(x, 2.0, rounding_mode=mode).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="rounding_mode must be"):
        mg.div(x, 2.0, rounding_mode="round")


def test_float_classification_matches_pytorch() -> None:
    x = np.array([1.0, np.inf, -np.inf, np.nan, 0.0, -1e-310])
    y = np.array([1.0 + 1e-6, np.inf, np.inf, np.nan, 1e-9, 0.0])
    for name in ("isnan", "isinf", "isfinite"):
        np.testing.assert_array_equal(
            getattr(mg, name)(mg.tensor(x)).data, getattr(torch, name)(torch.tensor(x)).numpy()
        )
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 1e-3, "atol": 0.0}):
        np.testing.assert_array_equal(
            mg.isclose(mg.tensor(x), mg.tensor(y), **kwargs).data,
            torch.isclose(torch.tensor(x), torch.tensor(y), **kwargs).numpy(),
        )
    for kwargs in ({}, {"nan": 1.0, "posinf": 2.0, "neginf": -3.0}):
        for dtype in (np.float64, np.float32):
            np.testing.assert_array_equal(
                mg.nan_to_num(mg.tensor(x.astype(dtype)), **kwargs).data,
                torch.nan_to_num(torch.tensor(x.astype(dtype)), **kwargs).numpy(),
            )


def test_rounding_with_decimals_matches_pytorch() -> None:
    x = np.random.default_rng(3).uniform(-1e4, 1e4, size=200)
    x = np.concatenate([x, [0.5, 1.5, 2.5, -0.5, 0.125, 2.675, 1250.0, -250.0]])
    for decimals in (-2, -1, 0, 1, 3):
        np.testing.assert_array_equal(
            mg.tensor(x).round(decimals=decimals).data,
            torch.tensor(x).round(decimals=decimals).numpy(),
        )


def test_large_inputs_match_pytorch_where_pytorch_is_finite() -> None:
    x = np.array([-1e4, -800.0, -40.0, 40.0, 800.0, 1e4])
    for mine, theirs in (
        (F.softplus, TF.softplus),
        (F.logsigmoid, TF.logsigmoid),
        (F.silu, TF.silu),
        (F.mish, TF.mish),
        (F.elu, TF.elu),
        (F.selu, TF.selu),
        (lambda v: F.gelu(v, approximate="tanh"), lambda v: TF.gelu(v, approximate="tanh")),
    ):
        for ours, pytorch in mine_and_theirs(mine, theirs, [x], 1):
            np.testing.assert_allclose(ours, pytorch, rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------- modules

MODULES: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("GELU", (), {}), ("GELU", ("tanh",), {}), ("SiLU", (), {}), ("SiLU", (True,), {}),
    ("ELU", (), {}), ("ELU", (0.5, True), {}), ("SELU", (), {}), ("CELU", (2.0,), {}),
    ("LeakyReLU", (), {}), ("LeakyReLU", (0.2,), {"inplace": True}), ("ReLU", (), {}),
    ("ReLU", (True,), {}), ("ReLU6", (), {}), ("ReLU6", (True,), {}), ("Softplus", (), {}),
    ("Softplus", (2, 10), {}), ("Softsign", (), {}), ("Mish", (), {}), ("Hardtanh", (), {}),
    ("Hardtanh", (-2.0, 2.0, True), {}), ("Hardswish", (), {}), ("Hardsigmoid", (), {}),
    ("LogSigmoid", (), {}), ("Tanhshrink", (), {}), ("Softmin", (), {}), ("Softmin", (1,), {}),
    ("GLU", (), {}), ("GLU", (0,), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
    ("Softmax", (1,), {}),
]  # fmt: skip


@pytest.mark.parametrize("name, args, kwargs", MODULES, ids=[f"{m[0]}{m[1]}" for m in MODULES])
def test_modules_take_pytorchs_arguments_and_show_the_same_repr(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    if name != "Softmin" or args:
        x = np.random.default_rng(0).normal(size=(4, 6)) * 4
        np.testing.assert_allclose(
            ours(mg.tensor(x)).data, theirs(torch.tensor(x)).numpy(), rtol=1e-10, atol=1e-14
        )
