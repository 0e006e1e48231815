"""Elementwise functions of one input, each declared in one `elementwise` statement.

A rule reads the input ``x`` and, where cheaper, the output ``y``; ``on_floats`` gives the
``math`` version that `Value` uses (numpy takes over at singular points, so both give IEEE
results). Piecewise-constant functions pass a zero gradient.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .registry import elementwise
from .select import where


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))  # never overflows; the two branches share the denominator
    return np.where(x >= 0, 1.0, e) / (1 + e)  # type: ignore[no-any-return]


def _float_sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


def _square(d: Any) -> Any:
    # d * d, not d ** 2: a 0-d input makes d a numpy scalar in a plain pass, whose ** 2 may round
    # differently from the array power a recorded pass takes; a product rounds the same in both.
    return d * d


def _zero(g: Any, x: Any) -> Any:
    return g * 0.0


exp = elementwise(
    "exp", "``e ** x``.", np.exp, lambda g, y: g * y, on_floats=math.exp, uses_output=True
)
log = elementwise("log", "The natural logarithm.", np.log, lambda g, x: g / x, on_floats=math.log)
sqrt = elementwise(
    "sqrt",
    "The square root.",
    np.sqrt,
    lambda g, y: g / (2 * y),
    on_floats=math.sqrt,
    uses_output=True,
)
sign = elementwise(
    "sign",
    "-1, 0 or 1 by the sign of ``x``; piecewise constant, so its gradient is 0.",
    np.sign,
    _zero,
    on_floats=lambda x: float((x > 0) - (x < 0)) if x == x else x,
)
abs = elementwise(  # noqa: A001 - the operation's name
    "abs",
    "``|x|``; its gradient at 0 is 0, as in PyTorch.",
    np.abs,
    lambda g, x: g * sign(x),
    on_floats=math.fabs,
)
tanh = elementwise(
    "tanh",
    "The hyperbolic tangent.",
    np.tanh,
    lambda g, y: g * (1 - y * y),
    on_floats=math.tanh,
    uses_output=True,
    functional=True,
)
sigmoid = elementwise(
    "sigmoid",
    "The logistic sigmoid ``1 / (1 + exp(-x))``, computed from ``exp(-|x|)`` so it "
    "never overflows.",
    _sigmoid,
    lambda g, y: g * y * (1 - y),
    on_floats=_float_sigmoid,
    uses_output=True,
    functional=True,
)
relu = elementwise(
    "relu",
    "``max(x, 0)``; its gradient at 0 is 0, as in PyTorch, and NaN stays NaN.",
    lambda x: np.maximum(x, 0),
    lambda g, x: where(x > 0, g, 0.0),
    on_floats=lambda x: 0.0 if x <= 0 else x,
    functional=True,
)
softsign = elementwise(
    "softsign",
    "``x / (1 + |x|)``.",
    lambda x: x / (1 + np.abs(x)),
    lambda g, x: g / _square(1 + abs(x)),
    functional=True,
)
