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

from ..engine import Node
from .base import Op
from .registry import export
from .select import where
from .shape import broadcast_to, normalize_dims, reshape, shape_of
from .unary import exp

Dims = int | tuple[int, ...] | None


def reduced_dims(dim: Dims, ndim: int, op: str) -> tuple[int, ...]:
    """``dim`` as a sorted tuple of non-negative dims; every dim when it is None.

    As in PyTorch, a 0-d input accepts dim 0 and -1, which name no dim to reduce.

    Examples
    --------
    >>> reduced_dims(-1, 3, "sum"), reduced_dims(None, 2, "sum"), reduced_dims(0, 0, "sum")
    ((2,), (0, 1), ())
    """
    if dim is None:
        return tuple(range(ndim))
    dims = normalize_dims(dim, ndim, op)
    return tuple(sorted(dims)) if ndim else ()


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

    def backward(self, g: Any) -> tuple[Any, ...]:
        shape = self.parents[0].shape
        return (broadcast_to(reshape(g, kept_shape(shape, self.axes)), shape),)

    def extra_repr(self) -> str:
        return f"dim={self.axes}" + (", keepdim=True" if self.keepdims else "")


@export()
def sum(input: Any, dim: Dims = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """The sum over ``dim`` (an int, a tuple, or None for every dim)."""
    return Sum(reduced_dims(dim, len(shape_of(input)), "sum"), keepdim)(input)


@export()
def mean(input: Any, dim: Dims = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The mean over ``dim``: the sum divided by the count."""
    shape = shape_of(input)
    dims = reduced_dims(dim, len(shape), "mean")
    count = int(np.prod([shape[d] for d in dims])) if dims else 1
    return Sum(dims, keepdim)(input) / count


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

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.raw_inputs
        # A NaN is the extremum of its slice (numpy propagates it), so it takes the gradient.
        hit = (x == type(self).reduce(x, axis=self.axes, keepdims=True)) | np.isnan(x)
        count = np.sum(hit, axis=self.axes, keepdims=True).astype(x.dtype)
        kept = reshape(g, kept_shape(x.shape, self.axes))
        return (where(hit, broadcast_to(kept / count, x.shape), 0.0),)

    def extra_repr(self) -> str:
        return f"dim={self.axes}" + (", keepdim=True" if self.keepdims else "")


class Min(Max):
    """The smallest element over ``axes``; tied minima share the gradient evenly."""

    __slots__ = ()
    name = "min"
    reduce = staticmethod(np.min)


@export()
def max(input: Any, dim: Dims = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """The largest element over ``dim`` (every dim when None); ties share the gradient.

    Examples
    --------
    >>> import numpy as np
    >>> max(np.array([[1.0, 4.0], [3.0, 2.0]]), dim=1)
    array([4., 3.])
    """
    return Max(reduced_dims(dim, len(shape_of(input)), "max"), keepdim)(input)


@export()
def min(input: Any, dim: Dims = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """The smallest element over ``dim`` (every dim when None); ties share the gradient.

    Examples
    --------
    >>> import numpy as np
    >>> min(np.array([[1.0, 4.0], [3.0, 2.0]]), dim=0)
    array([1., 2.])
    """
    return Min(reduced_dims(dim, len(shape_of(input)), "min"), keepdim)(input)


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
        return (y * (g - sum(g * y, self.axes, keepdim=True)),)

    def extra_repr(self) -> str:
        return f"dim={self.axes}"


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
        return (g - exp(self.output) * sum(g, self.axes, keepdim=True),)

    def extra_repr(self) -> str:
        return f"dim={self.axes}"


@export(functional=True)
def softmax(input: Any, dim: Dims = -1) -> Any:  # noqa: A002 - PyTorch's name
    """``exp(input)`` normalised to sum to 1 over ``dim``, stable for inputs of any magnitude.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    return Softmax(reduced_dims(dim, len(shape_of(input)), "softmax"))(input)


@export(functional=True)
def log_softmax(input: Any, dim: Dims = -1) -> Any:  # noqa: A002 - PyTorch's name
    """``input - log(sum(exp(input)))`` over ``dim``, computed without overflow or ``log(0)``.

    Examples
    --------
    >>> import numpy as np
    >>> np.exp(log_softmax(np.array([0.0, np.log(3.0)])))
    array([0.25, 0.75])
    """
    return LogSoftmax(reduced_dims(dim, len(shape_of(input)), "log_softmax"))(input)


def _index_of(pick: Any, input: Any, dim: int | None, keepdim: bool, op: str) -> Any:  # noqa: A002
    raw = input.data if isinstance(input, Node) else np.asarray(input)
    if dim is not None:
        (dim,) = normalize_dims(dim, raw.ndim, op)
        out = pick(raw, axis=dim, keepdims=keepdim) if raw.ndim else np.zeros((), np.int64)
    else:
        out = pick(raw.reshape(-1))
        if keepdim:
            out = np.reshape(out, (1,) * raw.ndim)
    out = np.asarray(out, dtype=np.int64)
    return type(input)._wrap(out) if isinstance(input, Node) else out


@export()
def argmax(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The index of the largest element along ``dim`` (of the flattened input when None); no
    gradient.

    Examples
    --------
    >>> argmax(np.array([[1.0, 4.0], [3.0, 2.0]]), dim=1)
    array([1, 0])
    """
    return _index_of(np.argmax, input, dim, keepdim, "argmax")


@export()
def argmin(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The index of the smallest element along ``dim`` (of the flattened input when None); no
    gradient.

    Examples
    --------
    >>> argmin(np.array([[1.0, 4.0], [3.0, 2.0]]), dim=0)
    array([0, 1])
    """
    return _index_of(np.argmin, input, dim, keepdim, "argmin")
