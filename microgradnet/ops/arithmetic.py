"""Elementwise arithmetic with numpy broadcasting: add, sub, mul, div, pow, neg.

Each gradient goes through ``sum_to``, so an input that was broadcast gets the summed gradient of
all its copies.
"""

from __future__ import annotations

import math
from typing import Any

from .base import Op
from .shape import sum_to


class Add(Op):
    __slots__ = ()
    name = "add"

    def forward(self, a: Any, b: Any) -> Any:
        return a + b

    scalar = forward

    def backward(self, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        return (
            sum_to(g, pa.shape) if pa.requires_grad else None,
            sum_to(g, pb.shape) if pb.requires_grad else None,
        )


class Sub(Op):
    __slots__ = ()
    name = "sub"

    def forward(self, a: Any, b: Any) -> Any:
        return a - b

    scalar = forward

    def backward(self, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        return (
            sum_to(g, pa.shape) if pa.requires_grad else None,
            sum_to(-g, pb.shape) if pb.requires_grad else None,
        )


class Mul(Op):
    __slots__ = ()
    name = "mul"

    def forward(self, a: Any, b: Any) -> Any:
        return a * b

    scalar = forward

    def backward(self, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        a, b = self.inputs
        return (
            sum_to(g * b, pa.shape) if pa.requires_grad else None,
            sum_to(g * a, pb.shape) if pb.requires_grad else None,
        )


class Div(Op):
    __slots__ = ()
    name = "div"

    def forward(self, a: Any, b: Any) -> Any:
        return a / b

    def scalar(self, a: float, b: float) -> float:
        try:
            return a / b
        except ZeroDivisionError:
            return math.copysign(math.inf, a) * math.copysign(1.0, b) if a else math.nan

    def backward(self, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        a, b = self.inputs
        return (
            sum_to(g / b, pa.shape) if pa.requires_grad else None,
            sum_to(-(g * a) / (b * b), pb.shape) if pb.requires_grad else None,
        )


def _scalar_pow(a: float, b: float) -> float:
    """``a ** b`` on floats with numpy's answers where Python raises or goes complex."""
    try:
        out = a**b
    except (ZeroDivisionError, OverflowError):
        return math.inf
    return out if isinstance(out, float) else math.nan  # a negative base to a fractional power


class Pow(Op):
    """``a ** b`` for two inputs; the gradient for ``b`` is ``a ** b * log(a)``, for ``a > 0``."""

    __slots__ = ()
    name = "pow"

    def forward(self, a: Any, b: Any) -> Any:
        return a**b

    def scalar(self, a: float, b: float) -> float:
        return _scalar_pow(a, b)

    def backward(self, g: Any) -> tuple[Any, ...]:
        from .unary import log

        pa, pb = self.parents
        a, b = self.inputs
        return (
            sum_to(g * b * a ** (b - 1), pa.shape) if pa.requires_grad else None,
            sum_to(g * self.output * log(a), pb.shape) if pb.requires_grad else None,
        )


class PowConst(Op):
    """``x ** p`` for a fixed number ``p``: squares, roots and reciprocals, numpy's fast paths."""

    __slots__ = ("p",)
    name = "pow"

    def __init__(self, p: float) -> None:
        self.p = p

    def forward(self, x: Any) -> Any:
        return x**self.p

    def scalar(self, x: float) -> float:
        return _scalar_pow(x, self.p)

    def backward(self, g: Any) -> tuple[Any, ...]:
        p = self.p
        if p == 0:
            return (None,)
        (x,) = self.inputs
        return (g * p * x ** (p - 1),)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Neg(Op):
    __slots__ = ()
    name = "neg"

    def forward(self, a: Any) -> Any:
        return -a

    scalar = forward

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (-g,)


def add(a: Any, b: Any) -> Any:
    """``a + b``."""
    return Add()(a, b)


def sub(a: Any, b: Any) -> Any:
    """``a - b``."""
    return Sub()(a, b)


def mul(a: Any, b: Any) -> Any:
    """``a * b``."""
    return Mul()(a, b)


def div(a: Any, b: Any) -> Any:
    """``a / b``."""
    return Div()(a, b)


def pow(a: Any, b: Any) -> Any:  # noqa: A001 - the operation's name
    """``a ** b``; a Python number as exponent is a constant of the op, not an input."""
    if type(b) is float or type(b) is int:
        return PowConst(b)(a)
    return Pow()(a, b)


def neg(a: Any) -> Any:
    """``-a``."""
    return Neg()(a)

