"""The toolkit has teeth: `Function`s with planted backward bugs fail `gradcheck` and
`check_gradients`, and the report names the input and an element; correct ones pass both, at
first and second order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Function, Tensor
from microgradnet.autograd import FunctionCtx
from microgradnet.testing import GradcheckError, check_gradients, gradcheck, gradgradcheck
from microgradnet.testing.strategies import tensors

# -------------------------------------------------------------------------- correct functions


class Cube(Function):
    """x ** 3, correct."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor) -> Tensor:
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return g * 3 * x**2


class MatMul(Function):
    """a @ b, correct."""

    @staticmethod
    def forward(ctx: FunctionCtx, a: Tensor, b: Tensor) -> Tensor:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return g @ b.T, a.T @ g


class AddBias(Function):
    """x + b with b broadcast over the rows of x, correct."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, b: Tensor) -> Tensor:
        return x + b

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> tuple[Tensor, Tensor]:
        return g, g.sum(axis=0)


# -------------------------------------------------------------------------- planted bugs


class CubeOffByFactor(Cube):
    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return g * 2 * x**2


class CubeSignFlip(Cube):
    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return -(g * 3 * x**2)


class CubeWrongAboveTwo(Cube):
    """Right for x <= 2, off by a factor above."""

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return g * mg.where(x > 2, 2 * x**2, 3 * x**2)


class MatMulTransposed(MatMul):
    """The gradient of ``a`` uses ``b`` where it needs ``b.T`` (shapes fit for square b)."""

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return g @ b, a.T @ g


class AddBiasNotSummed(AddBias):
    """Returns the broadcast gradient for ``b`` instead of summing it back."""

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> tuple[Tensor, Tensor]:
        return g, g


class AddBiasFirstRow(AddBias):
    """Sums the broadcast back wrongly: takes the first row, so the shape is right."""

    @staticmethod
    def backward(ctx: FunctionCtx, g: Tensor) -> tuple[Tensor, Tensor]:
        return g, g[0]


# ----------------------------------------------------------------------------------- helpers

RNG = np.random.default_rng(7)


def leaf(*shape: int, low: float = -1.5, high: float = 1.5) -> Tensor:
    return mg.tensor(RNG.uniform(low, high, size=shape), requires_grad=True)


def cube_sum(fn: type[Function]) -> Any:
    return lambda x: fn.apply(x).sum()


ELEMENT = r"at element \(\d+(,( \d+)?)*\)"

#: (name, function of the inputs, the point for gradcheck, strategies, the input at fault)
PLANTED = [
    ("off by a factor", cube_sum(CubeOffByFactor), [leaf(3)], [tensors(shape=(3,))], 0),
    ("sign flip", cube_sum(CubeSignFlip), [leaf(2, 2)], [tensors(shape=(2, 2))], 0),
    (
        "wrong above 2",
        cube_sum(CubeWrongAboveTwo),
        [mg.tensor([0.5, 2.5, -1.0], requires_grad=True)],
        [tensors(shape=(3,))],
        0,
    ),
    (
        "transposed matmul",
        MatMulTransposed.apply,
        [leaf(2, 3), leaf(3, 3)],
        [tensors(shape=(2, 3)), tensors(shape=(3, 3))],
        0,
    ),
    (
        "broadcast summed wrongly",
        AddBiasFirstRow.apply,
        [leaf(3, 4), leaf(4)],
        [tensors(shape=(3, 4)), tensors(shape=(4,))],
        1,
    ),
]


@pytest.mark.parametrize(
    ("fn", "point", "faulty"),
    [pytest.param(fn, point, faulty, id=name) for name, fn, point, _, faulty in PLANTED],
)
def test_gradcheck_catches_planted_bug(fn: Any, point: list[Tensor], faulty: int) -> None:
    with pytest.raises(GradcheckError, match=rf"input {faulty} \(shape .*\) disagrees .*{ELEMENT}"):
        gradcheck(fn, point)
    assert gradcheck(fn, point, raise_exception=False) is False


@pytest.mark.parametrize(
    ("fn", "strategies", "faulty"),
    [pytest.param(fn, strats, faulty, id=name) for name, fn, _, strats, faulty in PLANTED],
)
def test_check_gradients_catches_planted_bug(fn: Any, strategies: list[Any], faulty: int) -> None:
    with pytest.raises(GradcheckError, match=rf"input {faulty} \(shape .*\) disagrees .*{ELEMENT}"):
        # Hypothesis stops at the first failure: a generous budget costs nothing when it bites.
        check_gradients(fn, *strategies, max_examples=200)


def test_the_bug_above_two_hides_below_two() -> None:
    # The planted bug really is confined to x > 2: check_gradients had to find such an input.
    assert gradcheck(cube_sum(CubeWrongAboveTwo), [mg.tensor([0.5, 1.9, -2.5], requires_grad=True)])


def test_broadcast_gradient_of_the_wrong_shape_is_refused() -> None:
    message = r"AddBiasNotSummed.backward returned a gradient of shape \(3, 4\) for input 1"
    with pytest.raises(RuntimeError, match=message):
        gradcheck(AddBiasNotSummed.apply, [leaf(3, 4), leaf(4)])
    with pytest.raises(RuntimeError, match=message):
        check_gradients(AddBiasNotSummed.apply, tensors(shape=(3, 4)), tensors(shape=(4,)))


#: (name, function, the shapes of its inputs)
CORRECT = [
    ("cube", cube_sum(Cube), [(3,)]),
    ("matmul", MatMul.apply, [(2, 3), (3, 3)]),
    ("add bias", AddBias.apply, [(3, 4), (4,)]),
]


@pytest.mark.parametrize(
    ("fn", "shapes"), [pytest.param(fn, shapes, id=name) for name, fn, shapes in CORRECT]
)
def test_correct_functions_pass_at_first_and_second_order(
    fn: Any, shapes: list[tuple[int, ...]]
) -> None:
    point = [leaf(*shape) for shape in shapes]
    assert gradcheck(fn, point)
    assert gradgradcheck(fn, point)
    check_gradients(fn, *[tensors(shape=shape) for shape in shapes], order=2)


def test_decorator_form_checks_the_decorated_function() -> None:
    @check_gradients(tensors(shape=(3,)), order=2)
    def test_cube(x: Tensor) -> Tensor:
        return Cube.apply(x)

    @check_gradients(tensors(shape=(3,)))
    def test_sign_flip(x: Tensor) -> Tensor:
        return CubeSignFlip.apply(x)

    test_cube()
    with pytest.raises(GradcheckError, match=f"input 0 .*{ELEMENT}"):
        test_sign_flip()
