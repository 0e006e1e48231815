"""Activation functions with PyTorch's names, arguments and conventions at the kinks.

They live in ``nn.functional`` and as `Value` methods; as in PyTorch, none is a `Tensor` method.
The `nn` modules
(``nn.GELU``, ``nn.ELU``, ...) call these. At a kink the gradient is PyTorch's: ``elu``, ``selu``
and ``leaky_relu`` take the left branch at 0; ``hardtanh`` and ``relu6`` pass 0 at their bounds;
``hardsigmoid`` passes 0 at -3 and 3; ``hardswish`` passes 0 at -3 and 1 at 3.

Softplus-like functions are computed as ``max(x, 0) + log1p(exp(-|x|))``: the composition
``log(1 + exp(x))`` overflows for ``x`` above about 709 and loses every digit below about -37.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .base import Op
from .erf import _erfc, erfc
from .errors import OpError
from .indexing import getitem
from .reduce import softmax
from .registry import elementwise, export
from .select import where
from .shape import normalize_dims, shape_of
from .unary import _sigmoid, exp, sigmoid, tanh

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_K = math.sqrt(2 / math.pi)  # gelu's tanh approximation: tanh(k * (x + c * x^3))
_TANH_C = 0.044715


def _softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` without overflow or lost digits."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


# ------------------------------------------------------------------ exponential linear units


class _ExpLinear(Op):
    """``scale * x`` for ``x > 0``, ``scale * alpha * (exp(x * inner) - 1)`` for ``x <= 0``."""

    __slots__ = ("alpha", "scale", "inner")

    def __init__(self, alpha: float, scale: float = 1.0, inner: float = 1.0) -> None:
        self.alpha, self.scale, self.inner = alpha, scale, inner

    def forward(self, x: Any) -> Any:
        neg = self.scale * self.alpha * np.expm1(np.minimum(x, 0) * self.inner)
        return np.where(x > 0, self.scale * x, neg)

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.inputs
        (raw,) = self.raw_inputs
        pos = raw > 0
        slope = self.scale * self.alpha * self.inner
        return (where(pos, g * self.scale, g * slope * exp(where(pos, 0.0, x) * self.inner)),)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Elu(_ExpLinear):
    __slots__ = ()
    name = "elu"


class Selu(_ExpLinear):
    __slots__ = ()
    name = "selu"

    def extra_repr(self) -> str:
        return ""


class Celu(_ExpLinear):
    __slots__ = ()
    name = "celu"


@export(method=False, toplevel=False, functional=True, value=True)
def elu(input: Any, alpha: float = 1.0) -> Any:  # noqa: A002 - PyTorch's names
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` for ``x <= 0`` (its gradient at 0 is
    ``alpha``, as in PyTorch).

    Examples
    --------
    >>> elu(np.array([-1.0, 2.0]), alpha=2.0)
    array([-1.26424112,  2.        ])
    """
    return Elu(alpha)(input)


@export(method=False, functional=True, value=True)
def selu(input: Any) -> Any:  # noqa: A002 - PyTorch's name
    """``scale * elu(x, alpha)`` with the self-normalising constants ``alpha = 1.6733`` and
    ``scale = 1.0507``.

    Examples
    --------
    >>> selu(np.array([0.0, 1.0]))
    array([0.        , 1.05070099])
    """
    return Selu(_SELU_ALPHA, _SELU_SCALE)(input)


@export(method=False, functional=True, value=True)
def celu(input: Any, alpha: float = 1.0) -> Any:  # noqa: A002 - PyTorch's names
    """``x`` for ``x > 0``, ``alpha * (exp(x / alpha) - 1)`` for ``x <= 0``: an ELU whose
    gradient is continuous for every ``alpha`` (not 0).

    Examples
    --------
    >>> celu(np.array([-1.0, 2.0]), alpha=2.0)
    array([-0.78693868,  2.        ])
    """
    if alpha == 0:
        raise OpError("celu: alpha must not be 0 (the input is divided by it)")
    return Celu(alpha, 1.0, 1.0 / alpha)(input)


# --------------------------------------------------------------------- piecewise linear units


class LeakyRelu(Op, params=("negative_slope",)):
    """``x`` for ``x > 0``, ``negative_slope * x`` elsewhere (the slope at 0, as in PyTorch)."""

    name = "leaky_relu"
    negative_slope: float

    def forward(self, x: Any) -> Any:
        return np.where(x > 0, x, x * self.negative_slope)

    def backward(self, g: Any) -> tuple[Any, ...]:
        (raw,) = self.raw_inputs
        return (where(raw > 0, g, g * self.negative_slope),)


@export(method=False, toplevel=False, functional=True, value=True)
def leaky_relu(input: Any, negative_slope: float = 0.01) -> Any:  # noqa: A002 - PyTorch's names
    """``x`` where ``x > 0``, ``negative_slope * x`` elsewhere (at 0 the gradient is the slope,
    as in PyTorch).

    Examples
    --------
    >>> leaky_relu(np.array([-2.0, 3.0]), 0.1)
    array([-0.2,  3. ])
    """
    return LeakyRelu(negative_slope)(input)


class Hardtanh(Op):
    """``x`` clipped to ``[min_val, max_val]``; gradient 0 at and beyond the bounds (PyTorch;
    `clamp` keeps it at the bounds)."""

    __slots__ = ("min_val", "max_val")
    name = "hardtanh"

    def __init__(self, min_val: float, max_val: float) -> None:
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x: Any) -> Any:
        return np.clip(x, self.min_val, self.max_val)

    def backward(self, g: Any) -> tuple[Any, ...]:
        (raw,) = self.raw_inputs
        return (where((raw <= self.min_val) | (raw >= self.max_val), 0.0, g),)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


@export(method=False, toplevel=False, functional=True, value=True)
def hardtanh(
    input: Any,  # noqa: A002 - PyTorch's names
    min_val: float = -1.0,
    max_val: float = 1.0,
) -> Any:
    """``input`` clipped to ``[min_val, max_val]``; the gradient is 0 at the bounds and beyond.

    Examples
    --------
    >>> hardtanh(np.array([-2.0, 0.5, 2.0]))
    array([-1. ,  0.5,  1. ])
    """
    if min_val > max_val:
        raise OpError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return Hardtanh(min_val, max_val)(input)


@export(method=False, toplevel=False, functional=True, value=True)
def relu6(input: Any) -> Any:  # noqa: A002 - PyTorch's name
    """``min(max(x, 0), 6)``: `hardtanh` between 0 and 6 (gradient 0 at both).

    Examples
    --------
    >>> relu6(np.array([-1.0, 3.0, 7.0]))
    array([0., 3., 6.])
    """
    return Hardtanh(0.0, 6.0)(input)


hardsigmoid = elementwise(
    "hardsigmoid",
    "``relu6(x + 3) / 6``, a piecewise linear sigmoid; gradient 1/6 strictly "
    "between -3 and 3, 0 elsewhere.",
    lambda x: np.clip(x + 3, 0, 6) / 6,
    lambda g, x: where((x > -3) & (x < 3), g / 6, 0.0),
    method=False,
    functional=True,
)
hardswish = elementwise(
    "hardswish",
    "``x * relu6(x + 3) / 6``; gradient ``x / 3 + 1/2`` strictly between -3 and 3, "
    "0 up to -3 and 1 from 3 on (PyTorch).",
    lambda x: x * np.clip(x + 3, 0, 6) / 6,
    lambda g, x: where(x <= -3, 0.0, where(x < 3, g * (x / 3 + 0.5), g)),
    method=False,
    functional=True,
)


# ---------------------------------------------------------------------------- smooth units


class Softplus(Op):
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``."""

    __slots__ = ("beta", "threshold")
    name = "softplus"

    def __init__(self, beta: float, threshold: float) -> None:
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Any) -> Any:
        bx = x * self.beta
        return np.where(bx > self.threshold, x, _softplus(bx) / self.beta)

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.inputs
        (raw,) = self.raw_inputs
        return (where(raw * self.beta > self.threshold, g, g * sigmoid(x * self.beta)),)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


@export(method=False, toplevel=False, functional=True, value=True)
def softplus(
    input: Any,  # noqa: A002 - PyTorch's names
    beta: float = 1.0,
    threshold: float = 20.0,
) -> Any:
    """``log(1 + exp(beta * x)) / beta``, a smooth relu; linear (``x``) where
    ``beta * x > threshold``. Computed without overflow for any ``threshold`` (PyTorch's
    ``log1p(exp(beta * x))`` gives ``inf`` when a large ``threshold`` lets ``exp`` overflow).

    Examples
    --------
    >>> softplus(np.array([0.0, 30.0, -800.0]))
    array([ 0.69314718, 30.        ,  0.        ])
    """
    return Softplus(beta, threshold)(input)


def _softplus_of(x: Any) -> Any:
    """softplus(x) with no linear branch: its rule is exactly sigmoid(x)."""
    return softplus(x, 1.0, math.inf)


logsigmoid = elementwise(
    "logsigmoid",
    "``log(sigmoid(x)) = -softplus(-x)``, stable for inputs of any size.",
    lambda x: -_softplus(-x),
    lambda g, x: g * sigmoid(-x),
    method=False,
    functional=True,
)
silu = elementwise(
    "silu",
    "``x * sigmoid(x)`` (also called swish).",
    lambda x: x * _sigmoid(x),
    lambda g, x: g * sigmoid(x) * (1 + x * (1 - sigmoid(x))),
    method=False,
    functional=True,
)
mish = elementwise(
    "mish",
    "``x * tanh(softplus(x))``.",
    lambda x: x * np.tanh(_softplus(x)),
    lambda g, x: g * _mish_slope(x),
    method=False,
    functional=True,
)


def _mish_slope(x: Any) -> Any:
    t = tanh(_softplus_of(x))
    return t + x * sigmoid(x) * (1 - t * t)


tanhshrink = elementwise(
    "tanhshrink",
    "``x - tanh(x)``.",
    lambda x: x - np.tanh(x),
    lambda g, x: g * tanh(x) ** 2,
    method=False,
    functional=True,
)


class Gelu(Op, params=("approximate",)):
    """``x * Phi(x)``, ``Phi`` the standard normal distribution function (``approximate='none'``),
    or its tanh approximation (``'tanh'``)."""

    name = "gelu"
    approximate: str

    def forward(self, x: Any) -> Any:
        if self.approximate == "tanh":
            return 0.5 * x * (1 + np.tanh(_TANH_K * (x + _TANH_C * x * x * x)))
        return 0.5 * x * _erfc(-x * _SQRT_HALF)  # erfc, not 1 + erf: exact far below 0 too

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.inputs
        if self.approximate == "tanh":
            t = tanh(_TANH_K * (x + _TANH_C * x * x * x))
            dt = (1 - t * t) * _TANH_K * (1 + 3 * _TANH_C * x * x)
            return (g * (0.5 * (1 + t) + 0.5 * x * dt),)
        return (g * (0.5 * erfc(-x * _SQRT_HALF) + x * _INV_SQRT_2PI * exp(-0.5 * x * x)),)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


@export(method=False, toplevel=False, functional=True, value=True)
def gelu(input: Any, approximate: str = "none") -> Any:  # noqa: A002 - PyTorch's names
    """The Gaussian error linear unit ``x * Phi(x)``; ``approximate='tanh'`` gives
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))``.

    Examples
    --------
    >>> gelu(np.array([-1.0, 0.0, 1.0]))
    array([-0.15865525,  0.        ,  0.84134475])
    """
    if approximate not in ("none", "tanh"):
        raise OpError(f"gelu: approximate must be 'none' or 'tanh', not {approximate!r}")
    return Gelu(approximate)(input)


# ------------------------------------------------------------------------ along a dimension


def _legacy_softmax_dim(ndim: int) -> int:
    dim = 0 if ndim in (0, 1, 3) else 1
    warnings.warn(
        f"softmin: implicit dimension choice is deprecated (as in PyTorch); pass dim={dim}",
        UserWarning,
        stacklevel=3,
    )
    return dim


@export(method=False, toplevel=False, functional=True, value=False)
def softmin(input: Any, dim: int | None = None) -> Any:  # noqa: A002 - PyTorch's names
    """``softmax(-input, dim)``: positive entries summing to 1 along ``dim``, largest where the
    input is smallest. Without ``dim`` PyTorch's old implicit choice is made (dim 0 for 0-, 1- and
    3-d inputs, else 1), with a warning.

    Examples
    --------
    >>> softmin(np.array([[0.0, 0.0], [0.0, np.log(3.0)]]), dim=1)
    array([[0.5 , 0.5 ],
           [0.75, 0.25]])
    """
    if dim is None:
        dim = _legacy_softmax_dim(len(shape_of(input)))
    return softmax(-input, dim)


@export(method=False, toplevel=False, functional=True, value=False)
def glu(input: Any, dim: int = -1) -> Any:  # noqa: A002 - PyTorch's names
    """The gated linear unit: ``a * sigmoid(b)`` for the two halves ``a``, ``b`` of ``input``
    along ``dim`` (whose length must be even).

    Examples
    --------
    >>> glu(np.array([1.0, 2.0, 0.0, 50.0]))
    array([0.5, 2. ])
    """
    shape = shape_of(input)
    if not shape:
        raise OpError("glu: a 0-d input has no dimension to halve")
    (d,) = normalize_dims(dim, len(shape), "glu")
    if shape[d] % 2:
        raise OpError(
            f"glu: dimension {dim} of the input (shape {shape}) has length {shape[d]}, which is "
            "not even: it is halved into a value and a gate"
        )
    half = shape[d] // 2
    lead = (slice(None),) * d
    return getitem(input, (*lead, slice(None, half))) * sigmoid(
        getitem(input, (*lead, slice(half, None)))
    )
