"""Logarithms, exponentials and powers of one input: log2 log10 log1p expm1, square reciprocal
rsqrt.

``log1p`` and ``expm1`` keep full precision near 0, where ``log(1 + x)`` and ``exp(x) - 1`` lose
it. ``square`` keeps integer dtypes (as PyTorch does); ``reciprocal`` and ``rsqrt`` of integers
are floating-point.
"""

from __future__ import annotations

import math

import numpy as np

from .registry import elementwise

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
expm1 = elementwise(
    "expm1",
    "``exp(x) - 1``, accurate for small ``x``.",
    np.expm1,
    lambda g, x, y: g * (y + 1),
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
    lambda g, x, y: -g * y * y,
    on_floats=lambda x: 1.0 / x,
    uses_output=True,
)
rsqrt = elementwise(
    "rsqrt",
    "``1 / sqrt(x)``.",
    lambda x: 1.0 / np.sqrt(x),
    lambda g, x, y: -0.5 * g * y * y * y,
    on_floats=lambda x: 1.0 / math.sqrt(x),
    uses_output=True,
)
