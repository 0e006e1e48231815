"""Rounding, remainders and signs: floor ceil round trunc frac, fmod remainder floor_divide,
copysign.

Rounding is piecewise constant, so its gradient is 0 (PyTorch's convention, also at the jumps);
integer inputs round to themselves and keep their dtype. The remainders pass the gradient
unchanged to the dividend and ``-q`` to the divisor, ``q`` the rounded quotient (truncated for
`fmod`, floored for `remainder`), as PyTorch does. Integer division by zero raises
ZeroDivisionError, as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .arithmetic import broadcasting
from .base import Op
from .promotion import promote
from .registry import Unary, elementwise, export
from .shape import sum_to


def _zero(g: Any, x: Any) -> Any:
    return g * 0.0


def _keep_ints(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn`` on floats; integers and bools are already whole, so they come back unchanged."""

    def rounded(x: Any) -> Any:
        return fn(x) if np.asarray(x).dtype.kind == "f" else np.array(x, copy=True)

    return rounded


def _rounding(name: str, doc: str, fn: Any, on_floats: Callable[[float], int]) -> Unary:
    """A rounding function of one input: whole numbers unchanged, gradient 0."""
    return elementwise(name, doc, _keep_ints(fn), _zero, on_floats=lambda x: float(on_floats(x)))


floor = _rounding("floor", "The largest integer not above ``x``; gradient 0.", np.floor, math.floor)
ceil = _rounding("ceil", "The smallest integer not below ``x``; gradient 0.", np.ceil, math.ceil)
trunc = _rounding("trunc", "``x`` rounded toward 0; gradient 0.", np.trunc, math.trunc)
frac = elementwise(
    "frac",
    "``x - trunc(x)``, with the sign of ``x``; gradient 1.",
    _keep_ints(lambda x: x - np.trunc(x)),
    lambda g, x: g,
    on_floats=lambda x: x - math.trunc(x),
)


class Round(Op, params=("decimals",)):
    """``x`` rounded to ``decimals`` decimal places, halves to even; gradient 0."""

    name = "round"
    decimals: int

    def forward(self, x: Any) -> Any:
        if np.asarray(x).dtype.kind != "f" and self.decimals >= 0:
            return np.array(x, copy=True)
        return np.round(x, self.decimals)

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (g * 0.0,)

    def extra_repr(self) -> str:
        return f"decimals={self.decimals}" if self.decimals else ""


@export(value=True)
def round(input: Any, decimals: int = 0) -> Any:  # noqa: A001, A002 - PyTorch's names
    """``input`` rounded to ``decimals`` decimal places (negative: to tens, hundreds, ...), halves
    to even as in PyTorch and numpy; piecewise constant, so its gradient is 0.

    Examples
    --------
    >>> round(np.array([0.5, 1.5, 2.675]), decimals=0), round(np.array([1234.5]), decimals=-2)
    (array([0., 2., 3.]), array([1200.]))
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int | np.integer):
        raise TypeError(f"round: decimals must be an int, not {decimals!r}")
    return Round(int(decimals))(input)


def _dividing(name: str, compute: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """The forward of a rounded division: ``compute(a, b)`` on the promoted inputs; integer
    division by zero raises ZeroDivisionError, as in PyTorch."""

    def forward(a: Any, b: Any) -> Any:
        a, b = promote(a, b)
        if np.result_type(a, b).kind in "iub" and np.any(np.asarray(b) == 0):
            raise ZeroDivisionError(f"{name}: integer division by zero")
        return compute(a, b)

    return forward


# ``a - q * b`` for a rounded quotient ``q``: the dividend's gradient is ``g``, the divisor's
# ``-g * q``.
Fmod = broadcasting(
    "fmod",
    "The remainder of ``a / b`` with the sign of ``a`` (C's ``fmod``).",
    _dividing("fmod", np.fmod),
    None,
    lambda g, a, b: -g * np.trunc(a / b),
    reads="raw_inputs",
)
Remainder = broadcasting(
    "remainder",
    "The remainder of ``a / b`` with the sign of ``b`` (Python's ``%``).",
    _dividing("remainder", np.remainder),
    None,
    lambda g, a, b: -g * np.floor_divide(a, b),
    reads="raw_inputs",
)


@export(value=True)
def fmod(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The remainder of ``input / other`` with the sign of ``input`` (C's ``fmod``); broadcasts.
    The gradient is 1 for ``input`` and ``-trunc(input / other)`` for ``other``.

    Examples
    --------
    >>> fmod(np.array([5.0, -5.0]), 3.0)
    array([ 2., -2.])
    """
    return Fmod()(input, other)


@export(value=True)
def remainder(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The remainder of ``input / other`` with the sign of ``other`` (Python's ``%``, the Tensor's
    ``%``); broadcasts. The gradient is 1 for ``input`` and ``-floor(input / other)`` for
    ``other``.

    Examples
    --------
    >>> remainder(np.array([5.0, -5.0]), 3.0)
    array([2., 1.])
    """
    return Remainder()(input, other)


FloorDivide = broadcasting(
    "floor_divide",
    "``floor(a / b)`` (Python's ``//``); piecewise constant, so both gradients are 0.",
    _dividing("floor_divide", np.floor_divide),
    lambda g, a, b: g * 0.0,
    lambda g, a, b: g * 0.0,
)


@export(value=True)
def floor_divide(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
    """``floor(input / other)``, the Tensor's ``//``; broadcasts; integers stay integers. Its
    gradient is 0 (PyTorch raises instead: it has no derivative for ``floor_divide``).

    Examples
    --------
    >>> floor_divide(np.array([7, -7]), 2)
    array([ 3, -4])
    """
    return FloorDivide()(input, other)


class Copysign(Op):
    """``|a|`` with the sign of ``b`` (``-0.0`` counts as negative); the gradient for ``a`` is
    ``sign(a) * sign(b)``, 0 at ``a = 0`` (PyTorch), and ``b`` gets 0."""

    name = "copysign"
    on_floats = staticmethod(math.copysign)

    def forward(self, a: Any, b: Any) -> Any:
        return np.copysign(*promote(a, b, floating=True))

    def backward(self, g: Any) -> tuple[Any, ...]:
        (pa, pb), (ra, rb) = self.parents, self.raw_inputs
        flip = np.sign(ra) * np.copysign(1.0, rb).astype(np.result_type(ra, rb))
        return (
            sum_to(g * flip, pa.shape) if pa.requires_grad else None,
            sum_to(g * 0.0, pb.shape) if pb.requires_grad else None,
        )


@export(value=True)
def copysign(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The magnitude of ``input`` with the sign of ``other`` (``-0.0`` counts as negative);
    broadcasts. Integers give floats.

    Examples
    --------
    >>> copysign(np.array([1.0, -2.0, 3.0]), np.array([-1.0, 1.0, -0.0]))
    array([-1.,  2., -3.])
    """
    return Copysign()(input, other)
