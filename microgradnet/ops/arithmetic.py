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


class Pow(Op):
    """``a ** b``; the gradient for ``b`` is ``a ** b * log(a)``, defined for ``a > 0``."""

    __slots__ = ()
    name = "pow"

    def forward(self, a: Any, b: Any) -> Any:
        return a**b

    def scalar(self, a: float, b: float) -> float:
        try:
            out = a**b
        except ZeroDivisionError:
            return math.inf
        except OverflowError:
            return math.inf
        return out if isinstance(out, float) else math.nan  # a negative base to a fractional power

    def backward(self, g: Any) -> tuple[Any, ...]:
        from .unary import log

        pa, pb = self.parents
        a, b = self.inputs
        return (
            sum_to(g * b * a ** (b - 1), pa.shape) if pa.requires_grad else None,
            sum_to(g * self.output * log(a), pb.shape) if pb.requires_grad else None,
        )


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
    """``a ** b``."""
    return Pow()(a, b)


def neg(a: Any) -> Any:
    """``-a``."""
    return Neg()(a)

