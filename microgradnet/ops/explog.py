"""Logarithms, exponentials and powers: log2 log10 log1p exp2 expm1, square reciprocal rsqrt,
and ``logaddexp`` / ``logaddexp2`` of two inputs.

``log1p`` and ``expm1`` keep full precision near 0, where ``log(1 + x)`` and ``exp(x) - 1`` lose
it; ``logaddexp`` neither overflows nor underflows where ``log(exp(a) + exp(b))`` would.
``square`` keeps integer dtypes (as PyTorch does); ``reciprocal`` and ``rsqrt`` of integers are
floating-point.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .base import Op
from .promotion import promote
from .registry import elementwise, export
from .shape import sum_to
from .unary import exp

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


log2 = elementwise(
    "log2", "The base-2 logarithm.", np.log2, lambda g, x: g / (x * _LN2), on_floats=math.log2
)
log10 = elementwise(
    "log10",
    "The base-10 logarithm.",
    np.log10,
    lambda g, x: g / (x * _LN10),
    on_floats=math.log10,
)
log1p = elementwise(
    "log1p",
    "``log(1 + x)``, accurate for small ``x``.",
    np.log1p,
    lambda g, x: g / (1 + x),
    on_floats=math.log1p,
)
exp2 = elementwise(
    "exp2",
    "``2 ** x``.",
    np.exp2,
    lambda g, y: g * y * _LN2,
    on_floats=lambda x: 2.0**x,
    uses_output=True,
)
expm1 = elementwise(
    "expm1",
    "``exp(x) - 1``, accurate for small ``x``.",
    np.expm1,
    lambda g, y: g * (y + 1),
    on_floats=math.expm1,
    uses_output=True,
)
square = elementwise(
    "square", "``x * x``.", np.square, lambda g, x: g * 2 * x, on_floats=lambda x: x * x
)
reciprocal = elementwise(
    "reciprocal",
    "``1 / x``.",
    lambda x: 1.0 / x,
    lambda g, y: -g * y * y,
    on_floats=lambda x: 1.0 / x,
    uses_output=True,
)
rsqrt = elementwise(
    "rsqrt",
    "``1 / sqrt(x)``.",
    lambda x: 1.0 / np.sqrt(x),
    lambda g, y: -0.5 * g * y * y * y,
    on_floats=lambda x: 1.0 / math.sqrt(x),
    uses_output=True,
)


class LogAddExp(Op):
    """``log(exp(a) + exp(b))``, computed without overflow; each input's gradient is its share
    of the sum, ``exp(a - out)``."""

    __slots__ = ()
    name = "logaddexp"
    compute: Any = staticmethod(np.logaddexp)
    scale = 1.0  # ln of the base

    def forward(self, a: Any, b: Any) -> Any:
        return self.compute(*promote(a, b, floating=True))

    def backward(self, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        a, b = self.inputs
        out, scale = self.output, self.scale
        return (
            sum_to(g * exp((a - out) * scale), pa.shape) if pa.requires_grad else None,
            sum_to(g * exp((b - out) * scale), pb.shape) if pb.requires_grad else None,
        )


class LogAddExp2(LogAddExp):
    """``log2(2 ** a + 2 ** b)``; the gradient is ``2 ** (a - out)``."""

    __slots__ = ()
    name = "logaddexp2"
    compute = staticmethod(np.logaddexp2)
    scale = _LN2


@export()
def logaddexp(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
    """``log(exp(input) + exp(other))`` without overflow or underflow; broadcasts.

    Examples
    --------
    >>> logaddexp(np.array([1000.0, -1000.0]), np.array([1000.0, -1000.0])) - np.log(2)
    array([ 1000., -1000.])
    """
    return LogAddExp()(input, other)


@export()
def logaddexp2(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
    """``log2(2 ** input + 2 ** other)`` without overflow or underflow; broadcasts.

    Examples
    --------
    >>> logaddexp2(np.array([3.0]), np.array([3.0]))
    array([4.])
    """
    return LogAddExp2()(input, other)
