"""`numerical_grad`, `gradcheck` and `check_gradients`: what they report and on what.

Each structural fault has its own message: a gradient of the wrong shape or dtype, a missing
gradient, an input the function modifies, two backward passes that disagree; inputs that are
not float64 warn. Large inputs are checked on a sample of elements and along random directions.
Modules have their parameters checked too.
"""

from __future__ import annotations

import itertools
import math
import re
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

import microgradnet as mg
from microgradnet import Function, Tensor, Value, nn
from microgradnet.autograd import FunctionCtx
from microgradnet.ops.base import Op
from microgradnet.testing import (
    GradcheckError,
    GradcheckWarning,
    check_gradients,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)
from microgradnet.testing.gradcheck import FULL_CHECK_SIZE, PROJECTIONS, SAMPLE_SIZE, _elements
from microgradnet.testing.strategies import tensors, values

RNG = np.random.default_rng(11)


def leaf(*shape: int, dtype: Any = np.float64) -> Tensor:
    return mg.tensor(RNG.uniform(-1.5, 1.5, size=shape).astype(dtype), requires_grad=True)


# ----------------------------------------------------------------------------- numerical_grad


def test_numerical_grad_of_values() -> None:
    a, b = Value(0.3), Value(-1.2)
    da, db = numerical_grad(lambda a, b: a * b + a.exp(), a, b)
    assert isinstance(da, float) and isinstance(db, float)
    assert math.isclose(da, -1.2 + math.exp(0.3), rel_tol=1e-9)
    assert math.isclose(db, 0.3, rel_tol=1e-9)
    assert (a.data, b.data) == (0.3, -1.2)


def test_numerical_grad_of_tensors_with_a_cotangent() -> None:
    x, w = leaf(2, 3), leaf(3)
    before = x.data.copy()
    v = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]])
    gx, gw = numerical_grad(lambda x, w: (x * w).tanh(), x, w, grad_output=v)
    d = v * (1 - np.tanh(x.data * w.data) ** 2)
    np.testing.assert_allclose(gx, d * w.data, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(gw, (d * x.data).sum(axis=0), rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(x.data, before)


# ------------------------------------------------------------------------- structural faults


class BroadcastAddUnsummed(Op):
    """A built-in-style op whose backward forgets to sum the broadcast back."""

    name = "broadcast_add_unsummed"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def backward(self, g: Any) -> tuple[Any, ...]:
        return g, g


class SquareFloat32Gradient(Function):
    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor) -> Tensor:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return mg.tensor((2 * x.numpy() * g.numpy()).astype(np.float32))


class MulWithoutSecondGradient(Function):
    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, y: Tensor) -> Tensor:
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> tuple[Tensor, None]:
        _, y = ctx.saved_tensors
        return g * y, None


class DriftingDouble(Function):
    """Each backward pass returns a slightly different gradient."""

    calls = itertools.count()

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor) -> Tensor:
        return 2 * x

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> Tensor:
        return g * (2 + 1e-9 * next(DriftingDouble.calls))


def test_gradient_of_the_wrong_shape() -> None:
    with pytest.raises(
        GradcheckError,
        match=r"gradient of input 1 \(shape \(4,\), float64\) has shape \(3, 4\)",
    ):
        gradcheck(lambda a, b: BroadcastAddUnsummed()(a, b), [leaf(3, 4), leaf(4)])


def test_gradient_of_the_wrong_dtype() -> None:
    with pytest.raises(
        GradcheckError, match=r"gradient of input 0 \(shape \(3,\), float64\) has dtype float32"
    ):
        gradcheck(SquareFloat32Gradient.apply, [leaf(3)])


def test_missing_gradient() -> None:
    with pytest.raises(
        GradcheckError,
        match=r"input 1 \(shape \(2,\), float64\) is missing \(zero or None\) but finite "
        r"differences are not zero at element \(\d,\)",
    ):
        gradcheck(MulWithoutSecondGradient.apply, [leaf(2), leaf(2)])
    # Held fixed (no requires_grad), the second input is not checked, and the first is right.
    assert gradcheck(MulWithoutSecondGradient.apply, [leaf(2), mg.tensor([0.5, -2.0])])


def test_function_that_modifies_its_input() -> None:
    def sneaky(x: Tensor) -> Tensor:
        x.data[0] += 1.0
        return x * 2

    with pytest.raises(GradcheckError, match=r"the function modified input 0 \(shape \(3,\)"):
        gradcheck(sneaky, [leaf(3)])


def test_backward_passes_that_disagree() -> None:
    x = leaf(3)
    with pytest.raises(
        GradcheckError,
        match=r"two backward passes disagree on the gradient of input 0 \(shape \(3,\), float64\)"
        r" at element \(\d,\)",
    ):
        gradcheck(DriftingDouble.apply, [x])
    # The drift is far below the tolerance: only the repeated pass sees it.
    assert gradcheck(DriftingDouble.apply, [x], check_backward_twice=False)


def test_inputs_that_are_not_float64_warn() -> None:
    with pytest.warns(GradcheckWarning, match=r"input 1 \(shape \(3,\), float32\) is not float64"):
        gradcheck(lambda a, b: a * b, [leaf(3), leaf(3, dtype=np.float32)], raise_exception=False)


def test_nothing_to_check_and_results_that_are_not_nodes() -> None:
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda x: x * 2, [mg.tensor([1.0, 2.0])])
    with pytest.raises(GradcheckError, match="must return a Tensor or Value"):
        gradcheck(lambda x: x.data * 2, [leaf(2)])


def test_an_output_without_graph_counts_as_a_missing_gradient() -> None:
    with pytest.raises(GradcheckError, match=r"input 0 .* is missing"):
        gradcheck(lambda x: mg.tensor(x.data * 2), [leaf(2)])


def test_the_failure_report_names_values_errors_and_tolerance() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: SignFlipAt.apply(t, 1), [x], rtol=1e-4, atol=1e-7)
    message = str(info.value)
    assert "input 0 (shape (2,), float64) disagrees with finite differences at element (1,)" in (
        message
    )
    found = re.search(r"analytic (-?[\d.]+), numeric (-?[\d.]+)", message)
    assert found is not None
    analytic, numeric = float(found[1]), float(found[2])
    assert analytic != 0 and math.isclose(analytic, -numeric, rel_tol=1e-6)
    assert "abs error" in message and "rel error 2;" in message
    assert "tolerance atol=1e-07 + rtol=0.0001 * |numeric|" in message
    assert "(1 of 4 checked fail)" in message  # every entry of the 2 x 2 Jacobian


class HiddenFromOneCotangent(Function):
    """2 * x, whose backward adds ``(g . w) * e0`` for a ``w`` orthogonal to the cotangent that
    gradcheck draws with seed 0: that one vector-Jacobian product is right, the Jacobian is not."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor) -> Tensor:
        return 2 * x

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> Tensor:
        v = np.random.default_rng(0).standard_normal(3)
        w = np.array([v[1], -v[0], 0.0])
        return 2 * g + (g * w).sum() * mg.tensor([1.0, 0.0, 0.0])


def test_small_outputs_have_their_whole_jacobian_checked() -> None:
    with pytest.raises(
        GradcheckError,
        match=r"^gradcheck: the gradient of input 0 \(shape \(3,\), float64\) disagrees with "
        r"finite differences at element \(0,\) \(of output element \([01],\)\): analytic",
    ):
        gradcheck(HiddenFromOneCotangent.apply, [leaf(3)])


# ------------------------------------------------------------------- large inputs: a sample


class SignFlipAt(Function):
    """Identity whose gradient has the wrong sign at one flat position only."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, position: int) -> Tensor:
        ctx.position = position  # type: ignore[attr-defined]
        return x * 1.0

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> tuple[Tensor, None]:
        flip = np.ones(g.shape)
        flip.reshape(-1)[ctx.position] = -1.0  # type: ignore[attr-defined]
        return g * flip, None


def sampled(size: int, seed: int) -> np.ndarray:
    """The elements gradcheck samples for a scalar output (its rng draws the cotangent first)."""
    rng = np.random.default_rng(seed)
    rng.standard_normal(())
    return _elements(size, rng)


def test_small_inputs_have_every_element_checked() -> None:
    x = leaf(FULL_CHECK_SIZE)
    for position in (0, FULL_CHECK_SIZE - 1):
        with pytest.raises(GradcheckError, match=rf"at element \({position},\).*\(1 of 64 checked"):
            gradcheck(lambda t, p=position: (SignFlipAt.apply(t, p) ** 2).sum(), [x])


def test_large_inputs_are_sampled_and_projected() -> None:
    x = leaf(10, 20)
    sample = sampled(x.data.size, seed=0)
    assert len(sample) == SAMPLE_SIZE
    inside, outside = int(sample[3]), int(np.setdiff1d(np.arange(200), sample)[0])

    def fn(t: Tensor, p: int) -> Tensor:
        return (SignFlipAt.apply(t, p) ** 2).sum()

    row, col = divmod(inside, 20)
    with pytest.raises(GradcheckError, match=rf"at element \({row}, {col}\).*\(1 of 32 checked"):
        gradcheck(lambda t: fn(t, inside), [x])
    with pytest.raises(
        GradcheckError,
        match=rf"disagrees with finite differences along random direction \d \(all 200 elements "
        rf"moved at once; the 32 sampled elements passed\).*of {PROJECTIONS} checked",
    ):
        gradcheck(lambda t: fn(t, outside), [x])
    assert gradcheck(lambda t: (t**2).sum(), [x])


# ---------------------------------------------------------------------------------- modules


class ScaleByParameter(Function):
    """x * w with the gradient of w planted wrong (by a factor 1.5); x's is right."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, w: Tensor) -> Tensor:
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> tuple[Tensor, Tensor]:
        x, w = ctx.saved_tensors
        return g * w, 1.5 * g * x


class Scale(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter([0.5, -1.0, 2.0])

    def forward(self, x: Tensor) -> Tensor:
        return ScaleByParameter.apply(x, self.w)


def test_module_parameters_are_checked() -> None:
    with pytest.raises(
        GradcheckError,
        match=r"input 1 \(shape \(3,\), float64\) disagrees .* \[input 1 is the parameter 'w' "
        r"of Scale\]\n",
    ) as info:
        check_gradients(Scale(), tensors(shape=(3,)))
    assert info.value.index == 1


def test_tensor_linear_passes_and_is_left_as_it_was() -> None:
    mg.manual_seed(0)
    layer = nn.Linear(3, 2)
    weight = layer.weight.data.copy()
    check_gradients(layer, tensors(shape=(4, 3)), order=2)
    np.testing.assert_array_equal(layer.weight.data, weight)
    assert layer.weight.grad is None and layer.bias.grad is None


def test_value_mlp_takes_a_list_of_values() -> None:
    mg.manual_seed(3)
    mlp = nn.MLP(2, [3, 1], activation="tanh")
    check_gradients(mlp, st.lists(values(), min_size=2, max_size=2), order=2)
    assert all(p.grad == 0.0 for p in mlp.parameters())


def test_constant_arguments_pass_through() -> None:
    seen: list[int] = []

    def fn(x: Tensor, power: int) -> Tensor:
        seen.append(power)
        return (x**power).sum()

    check_gradients(fn, tensors(shape=(2,)), st.just(3), max_examples=3)
    assert set(seen) == {3}


def test_check_gradients_needs_a_function_and_strategies() -> None:
    with pytest.raises(TypeError, match="give the function"):
        check_gradients(None)
    with pytest.raises(TypeError, match="one strategy per argument"):
        check_gradients(lambda x: x)


def test_gradgradcheck_finds_a_first_order_rule_that_is_not_differentiable() -> None:
    class DetachedSquare(Function):
        """Right first derivative, but its backward drops the dependence on x."""

        @staticmethod
        def forward(ctx: FunctionCtx, x: Tensor) -> Tensor:
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx: FunctionCtx, g: Tensor) -> Tensor:
            (x,) = ctx.saved_tensors
            return g * mg.tensor(2 * x.numpy())

    x = leaf(3)
    assert gradcheck(DetachedSquare.apply, [x])
    with pytest.raises(
        GradcheckError, match=r"^gradgradcheck: second derivatives .* input 0 .* is missing"
    ):
        gradgradcheck(DetachedSquare.apply, [x])
    assert gradgradcheck(DetachedSquare.apply, [x], raise_exception=False) is False


def test_hypothesis_is_needed_only_for_strategies_and_check_gradients() -> None:
    code = """
import sys
sys.modules["hypothesis"] = None  # as if it were not installed
import microgradnet as mg
from microgradnet.testing import gradcheck
assert gradcheck(lambda t: t.exp(), [mg.tensor([0.5], requires_grad=True)])
for name in ("strategies", "check_gradients"):
    try:
        getattr(mg.testing, name)
    except ModuleNotFoundError as err:
        print(err)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    install = "needs hypothesis: install the testing extra, pip install 'microgradnet[testing]'"
    assert done.stdout.splitlines() == [
        f"microgradnet.testing.strategies {install}",
        f"microgradnet.testing.check_gradients {install}",
    ]


def test_a_failure_at_a_kink_says_so_and_suggests_away_from() -> None:
    x = mg.tensor([0.0, 1.5], requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: t.relu(), [x])
    message = str(info.value)
    assert "at element (0,)" in message
    assert "kink there: its one-sided differences are 1 (ahead) and 0 (behind)" in message
    assert "away_from" in message


def test_a_wrong_rule_on_a_smooth_function_is_not_called_a_kink() -> None:
    x = mg.tensor([0.0, 1.5], requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: SignFlipAt.apply(t, 1), [x])
    assert "kink" not in str(info.value)


def test_gradgradcheck_takes_a_cotangent() -> None:
    x = mg.tensor([0.5, -1.0], requires_grad=True)
    assert gradgradcheck(lambda t: t.tanh() * t, [x], np.array([1.0, -2.0]))
    with pytest.raises(ValueError, match=r"grad_outputs of shape \(3,\) for an output of \(2,\)"):
        gradgradcheck(lambda t: t.tanh() * t, [x], np.ones(3))
