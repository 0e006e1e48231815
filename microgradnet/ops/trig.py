"""Trigonometric and hyperbolic functions and their inverses, and ``atan2``.

Each one-input function is one `elementwise` statement: numpy's forward, the derivative written
with differentiable operations (so it differentiates again), ``math``'s version for `Value`.
At the ends of a domain (``asin(1)``, ``atanh(-1)``, ``acosh(1)``) the gradient is infinite, as in
PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .base import Op
from .promotion import promote
from .registry import elementwise, export
from .select import where
from .shape import sum_to
from .unary import sqrt


def _sin_rule(g: Any, x: Any) -> Any:  # a function, as cos is declared below
    return g * cos(x)


def _sinh_rule(g: Any, x: Any) -> Any:
    return g * cosh(x)


sin = elementwise("sin", "The sine (radians).", np.sin, _sin_rule, on_floats=math.sin)
cos = elementwise(
    "cos", "The cosine (radians).", np.cos, lambda g, x: g * -sin(x), on_floats=math.cos
)
tan = elementwise(
    "tan",
    "The tangent (radians).",
    np.tan,
    lambda g, y: g * (1 + y * y),
    on_floats=math.tan,
    uses_output=True,
)
asin = elementwise(
    "asin",
    "The inverse sine, in ``[-pi/2, pi/2]``; NaN outside ``[-1, 1]``.",
    np.arcsin,
    lambda g, x: g / sqrt(1 - x * x),
    on_floats=math.asin,
)
acos = elementwise(
    "acos",
    "The inverse cosine, in ``[0, pi]``; NaN outside ``[-1, 1]``.",
    np.arccos,
    lambda g, x: -g / sqrt(1 - x * x),
    on_floats=math.acos,
)
atan = elementwise(
    "atan",
    "The inverse tangent, in ``(-pi/2, pi/2)``.",
    np.arctan,
    lambda g, x: g / (1 + x * x),
    on_floats=math.atan,
)
sinh = elementwise("sinh", "The hyperbolic sine.", np.sinh, _sinh_rule, on_floats=math.sinh)
cosh = elementwise(
    "cosh", "The hyperbolic cosine.", np.cosh, lambda g, x: g * sinh(x), on_floats=math.cosh
)
asinh = elementwise(
    "asinh",
    "The inverse hyperbolic sine.",
    np.arcsinh,
    lambda g, x: g / sqrt(x * x + 1),
    on_floats=math.asinh,
)
acosh = elementwise(
    "acosh",
    "The inverse hyperbolic cosine; NaN below 1.",
    np.arccosh,
    lambda g, x: g / sqrt((x - 1) * (x + 1)),
    on_floats=math.acosh,
)
atanh = elementwise(
    "atanh",
    "The inverse hyperbolic tangent; infinite at -1 and 1, NaN beyond.",
    np.arctanh,
    lambda g, x: g / (1 - x * x),
    on_floats=math.atanh,
)


class Atan2(Op):
    """The angle of the point ``(other, input)``; at the origin both gradients are 0 (PyTorch)."""

    __slots__ = ()
    name = "atan2"

    on_floats = staticmethod(math.atan2)

    def forward(self, a: Any, b: Any) -> Any:
        return np.arctan2(*promote(a, b, floating=True))

    def backward(self, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        a, b = self.inputs
        ra, rb = self.raw_inputs
        r2 = a * a + b * b
        origin = (ra == 0) & (rb == 0)
        if np.any(origin):  # 0 / 0 there: divide by 1 instead, the numerators are 0
            r2 = where(origin, 1.0, r2)
        return (
            sum_to(g * b / r2, pa.shape) if pa.requires_grad else None,
            sum_to(-g * a / r2, pb.shape) if pb.requires_grad else None,
        )


@export(value=True)
def atan2(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The angle in ``(-pi, pi]`` of the point ``(other, input)``: ``atan(input / other)`` with
    the quadrant chosen by the signs of both; broadcasts.

    Examples
    --------
    >>> float(atan2(np.float64(1.0), np.float64(-1.0)) / np.pi)
    0.75
    """
    return Atan2()(input, other)


# numpy's names, which PyTorch also accepts.
_NUMPY_NAMES: dict[str, Callable[..., Any]] = {
    "arcsin": asin,
    "arccos": acos,
    "arctan": atan,
    "arctan2": atan2,
    "arcsinh": asinh,
    "arccosh": acosh,
    "arctanh": atanh,
}
for _alias, _fn in _NUMPY_NAMES.items():
    export(value=True, name=_alias)(_fn)
