"""Softmax and log-softmax over an axis, computed after subtracting the maximum.

Shifting by the maximum leaves the results unchanged and keeps every exponent at most 0, so
inputs of any magnitude give finite results (exponents far below 0 underflow quietly to 0).
Both rules use only the output, so they differentiate again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Op
from .reduce import Axis, normalize_axis, sum
from .shape import shape_of
from .unary import exp


def _shifted(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """``x`` minus its maximum over ``axes``: every entry at most 0, the largest exactly 0."""
    return x - np.max(x, axis=axes, keepdims=True)  # type: ignore[no-any-return]


class Softmax(Op):
    __slots__ = ("axes",)
    name = "softmax"

    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def forward(self, x: np.ndarray) -> np.ndarray:
        e = np.exp(_shifted(x, self.axes))
        return e / np.sum(e, axis=self.axes, keepdims=True)  # type: ignore[no-any-return]

    def backward(self, g: Any) -> tuple[Any, ...]:
        y = self.output
        return (y * (g - sum(g * y, self.axes, keepdims=True)),)

    def extra_repr(self) -> str:
        return f"axis={self.axes}"


class LogSoftmax(Op):
    __slots__ = ("axes",)
    name = "log_softmax"

    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def forward(self, x: np.ndarray) -> np.ndarray:
        z = _shifted(x, self.axes)
        return z - np.log(np.sum(np.exp(z), axis=self.axes, keepdims=True))  # type: ignore[no-any-return]

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (g - exp(self.output) * sum(g, self.axes, keepdims=True),)

    def extra_repr(self) -> str:
        return f"axis={self.axes}"


def softmax(x: Any, axis: Axis = -1) -> Any:
    """``exp(x)`` normalised to sum to 1 over ``axis``, stable for inputs of any magnitude.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    return Softmax(normalize_axis(axis, len(shape_of(x)), "softmax"))(x)


def log_softmax(x: Any, axis: Axis = -1) -> Any:
    """``x - log(sum(exp(x)))`` over ``axis``, computed without overflow or ``log(0)``.

    Examples
    --------
    >>> import numpy as np
    >>> np.exp(log_softmax(np.array([0.0, np.log(3.0)])))
    array([0.25, 0.75])
    """
    return LogSoftmax(normalize_axis(axis, len(shape_of(x)), "log_softmax"))(x)
