"""Reductions over axes: sum (the primitive), mean, max and min; softmax and log-softmax.

``max`` and ``min`` send the gradient to the elements that attain the extremum, split evenly
among ties (PyTorch's rule for ``amax``/``amin``).

Softmax and log-softmax subtract the maximum over the axis first: that leaves the results
unchanged and keeps every exponent at most 0, so inputs of any magnitude give finite results
(exponents far below 0 underflow quietly to 0). Both rules use only the output, so they
differentiate again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Op
from .select import where
from .shape import broadcast_to, reshape, shape_of
from .unary import exp

Axis = int | tuple[int, ...] | None


def normalize_axis(axis: Axis, ndim: int, op: str) -> tuple[int, ...]:
    """``axis`` as a sorted tuple of non-negative axes; every axis when it is None.

    As in PyTorch, a 0-d input accepts axis 0 and -1, which name no axis to reduce.

    Examples
    --------
    >>> normalize_axis(-1, 3, "sum"), normalize_axis(None, 2, "sum"), normalize_axis(0, 0, "sum")
    ((2,), (0, 1), ())
    """
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    dims = ndim or 1
    out = []
    for a in axes:
        if not -dims <= a < dims:
            raise ValueError(f"{op}: axis {a} is out of range for an input of {ndim} dimensions")
        out.append(int(a) % dims)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out)) if ndim else ()


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as length 1 (the ``keepdims=True`` shape)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Op):
    """The sum over ``axes``; its gradient broadcasts back over them."""

    __slots__ = ("axes", "keepdims")
    name = "sum"

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sum(x, axis=self.axes, keepdims=self.keepdims)

    def scalar(self, x: float) -> float:
        return x

    def backward(self, g: Any) -> tuple[Any, ...]:
        shape = self.parents[0].shape
        return (broadcast_to(reshape(g, kept_shape(shape, self.axes)), shape),)

    def extra_repr(self) -> str:
        return f"axis={self.axes}" + (", keepdims=True" if self.keepdims else "")


def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    """The sum over ``axis`` (every axis when None)."""
    return Sum(normalize_axis(axis, len(shape_of(x)), "sum"), keepdims)(x)


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """The mean over ``axis``: the sum divided by the count."""
    shape = shape_of(x)
    axes = normalize_axis(axis, len(shape), "mean")
    count = int(np.prod([shape[a] for a in axes])) if axes else 1
    return Sum(axes, keepdims)(x) / count


class Max(Op):
    """The largest element over ``axes``; `Min` is the same with the smallest."""

    __slots__ = ("axes", "keepdims")
    name = "max"
    reduce: Any = staticmethod(np.max)

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x: np.ndarray) -> np.ndarray:
        return type(self).reduce(x, axis=self.axes, keepdims=self.keepdims)  # type: ignore[no-any-return]

    def scalar(self, x: float) -> float:
        return x

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.raw_inputs
        # A NaN is the extremum of its slice (numpy propagates it), so it takes the gradient.
        hit = (x == type(self).reduce(x, axis=self.axes, keepdims=True)) | np.isnan(x)
        count = np.sum(hit, axis=self.axes, keepdims=True).astype(x.dtype)
        kept = reshape(g, kept_shape(x.shape, self.axes))
        return (where(hit, broadcast_to(kept / count, x.shape), 0.0),)

    def extra_repr(self) -> str:
        return f"axis={self.axes}" + (", keepdims=True" if self.keepdims else "")


class Min(Max):
    """The smallest element over ``axes``; tied minima share the gradient evenly."""

    __slots__ = ()
    name = "min"
    reduce = staticmethod(np.min)


def max(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    """The largest element over ``axis`` (every axis when None); ties share the gradient.

    Examples
    --------
    >>> import numpy as np
    >>> max(np.array([[1.0, 4.0], [3.0, 2.0]]), axis=1)
    array([4., 3.])
    """
    return Max(normalize_axis(axis, len(shape_of(x)), "max"), keepdims)(x)


def min(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    """The smallest element over ``axis`` (every axis when None); ties share the gradient.

    Examples
    --------
    >>> import numpy as np
    >>> min(np.array([[1.0, 4.0], [3.0, 2.0]]), axis=0)
    array([1., 2.])
    """
    return Min(normalize_axis(axis, len(shape_of(x)), "min"), keepdims)(x)


def _shifted(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """``x`` minus its maximum over ``axes``: every entry at most 0, the largest exactly 0."""
    return x - np.max(x, axis=axes, keepdims=True)  # type: ignore[no-any-return]


class Softmax(Op):
    """``exp(x)`` over its sum along ``axes``; the rule is ``y * (g - sum(g * y))``."""

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
    """``x`` minus the log of the sum of ``exp(x)``; the rule is ``g - exp(y) * sum(g)``."""

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
