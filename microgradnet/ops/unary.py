"""Elementwise functions of one input: exp, log, sqrt, abs, sign, tanh, sigmoid, relu.

Rules that need the result (exp, sqrt, tanh, sigmoid) read ``self.output`` instead of computing it
again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .base import Op
from .select import where


class Exp(Op):
    __slots__ = ()
    name = "exp"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.exp(x)

    def scalar(self, x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (g * self.output,)


class Log(Op):
    __slots__ = ()
    name = "log"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.log(x)

    def scalar(self, x: float) -> float:
        if x > 0:
            return math.log(x)
        return -math.inf if x == 0 else math.nan

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.inputs
        return (g / x,)


class Sqrt(Op):
    __slots__ = ()
    name = "sqrt"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sqrt(x)

    def scalar(self, x: float) -> float:
        return math.sqrt(x) if x >= 0 else math.nan

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (g / (2 * self.output),)


class Sign(Op):
    """-1, 0 or 1; piecewise constant, so it passes no gradient."""

    __slots__ = ()
    name = "sign"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sign(x)

    def scalar(self, x: float) -> float:
        return float((x > 0) - (x < 0))

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (None,)


class Abs(Op):
    """``|x|``; its gradient at 0 is 0, as in PyTorch."""

    __slots__ = ()
    name = "abs"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.abs(x)

    def scalar(self, x: float) -> float:
        return math.fabs(x)

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.inputs
        return (g * sign(x),)


class Tanh(Op):
    __slots__ = ()
    name = "tanh"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    def scalar(self, x: float) -> float:
        return math.tanh(x)

    def backward(self, g: Any) -> tuple[Any, ...]:
        y = self.output
        return (g * (1 - y * y),)


class Sigmoid(Op):
    """``1 / (1 + exp(-x))``, computed from ``exp(-|x|)`` so it never overflows."""

    __slots__ = ()
    name = "sigmoid"

    def forward(self, x: np.ndarray) -> np.ndarray:
        e = np.exp(-np.abs(x))
        d = 1 + e
        return np.where(x >= 0, 1 / d, e / d)

    def scalar(self, x: float) -> float:
        if x >= 0:
            return 1 / (1 + math.exp(-x))
        e = math.exp(x)
        return e / (1 + e)

    def backward(self, g: Any) -> tuple[Any, ...]:
        y = self.output
        return (g * y * (1 - y),)


class Relu(Op):
    """``max(x, 0)``; its gradient at 0 is 0, as in PyTorch."""

    __slots__ = ()
    name = "relu"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    def scalar(self, x: float) -> float:
        return x if x > 0 else 0.0

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.raw_inputs
        return (where(x > 0, g, 0.0),)


def exp(x: Any) -> Any:
    """``e ** x``."""
    return Exp()(x)


def log(x: Any) -> Any:
    """The natural logarithm."""
    return Log()(x)


def sqrt(x: Any) -> Any:
    """The square root."""
    return Sqrt()(x)


def sign(x: Any) -> Any:
    """-1, 0 or 1 by the sign of ``x`` (no gradient)."""
    return Sign()(x)


def abs(x: Any) -> Any:  # noqa: A001 - the operation's name
    """``|x|``."""
    return Abs()(x)


def tanh(x: Any) -> Any:
    """The hyperbolic tangent."""
    return Tanh()(x)


def sigmoid(x: Any) -> Any:
    """The logistic sigmoid ``1 / (1 + e ** -x)``, stable for inputs of any size."""
    return Sigmoid()(x)


def relu(x: Any) -> Any:
    """``max(x, 0)``."""
    return Relu()(x)
