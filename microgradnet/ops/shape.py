"""Shape operations: broadcasting and its adjoint, reshape, transpose, and reshapes by axis.

``squeeze``, ``expand_dims`` and ``flatten`` are not operations of their own: they work out the
new shape and call ``reshape``.

``sum_to`` is the adjoint of broadcasting: every elementwise rule sends its gradient through it,
so that an input broadcast in the forward pass gets the sum of the gradients of its copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Op


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of a node, an array or a Python number (``()``)."""
    return getattr(x, "shape", ())


class SumTo(Op):
    """Sum a broadcast result back down to ``shape`` (the gradient of broadcasting)."""

    __slots__ = ("shape",)
    name = "sum_to"

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: np.ndarray) -> np.ndarray:
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(self.shape) if n == 1 and x.shape[lead + i] != 1
        )
        out = x.sum(axis=axes, keepdims=True) if axes else x
        return out.reshape(self.shape) if lead else out

    def scalar(self, x: float) -> float:
        return x

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (broadcast_to(g, self.parents[0].shape),)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


class BroadcastTo(Op):
    """Repeat an array along new or length-1 axes to ``shape``."""

    __slots__ = ("shape",)
    name = "broadcast_to"

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.empty(self.shape, dtype=x.dtype)  # quicker than np.broadcast_to for small arrays
        out[...] = x
        return out

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (sum_to(g, self.parents[0].shape),)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


def sum_to(x: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``x`` down to ``shape`` over the axes broadcasting added; a no-op when shapes agree."""
    if getattr(x, "shape", ()) == shape:
        return x
    op = SumTo(shape)
    return op.forward(x) if type(x) is np.ndarray else op(x)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast ``x`` to ``shape``; a no-op when shapes agree."""
    if shape_of(x) == shape:
        return x
    op = BroadcastTo(shape)
    return op.forward(x) if type(x) is np.ndarray else op(x)


class Reshape(Op):
    """The same elements in a new shape."""

    __slots__ = ("shape",)
    name = "reshape"

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.reshape(x, self.shape)

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (reshape(g, self.parents[0].shape),)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


def reshape(x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` with a new shape (one entry may be -1)."""
    if shape_of(x) == shape:
        return x
    op = Reshape(tuple(shape))
    return op.forward(x) if type(x) is np.ndarray else op(x)


class Transpose(Op):
    """Permute the axes (reverse them when ``axes`` is None)."""

    __slots__ = ("axes",)
    name = "transpose"

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.transpose(x, self.axes)

    def backward(self, g: Any) -> tuple[Any, ...]:
        inverse = None if self.axes is None else tuple(np.argsort(self.axes))
        return (transpose(g, inverse),)

    def extra_repr(self) -> str:
        return "" if self.axes is None else f"axes={self.axes}"


def transpose(x: Any, axes: tuple[int, ...] | None = None) -> Any:
    """Permute the axes of ``x``; reverse them when ``axes`` is None."""
    if axes is not None:
        ndim = len(shape_of(x))
        axes = tuple(int(a) % ndim if ndim else int(a) for a in axes)
        if sorted(axes) != list(range(ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of {ndim} axes")
    return Transpose(axes)(x)


def matrix_transpose(x: Any) -> Any:
    """Swap the last two axes (``x.mT``)."""
    nd = len(shape_of(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _axes_tuple(axis: int | Sequence[int], ndim: int, op: str) -> tuple[int, ...]:
    """``axis`` (an int or a sequence) as non-negative axes of an array of ``ndim`` dimensions."""
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for {ndim} dimensions")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(out)


def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> Any:
    """Drop length-1 axes: all of them, or those among ``axis``.

    As in PyTorch, a named axis whose length is not 1 is left in place rather than an error.

    Examples
    --------
    >>> squeeze(np.zeros((1, 3, 1))).shape, squeeze(np.zeros((1, 3, 1)), axis=(1, 2)).shape
    ((3,), (1, 3))
    """
    shape = shape_of(x)
    axes = range(len(shape)) if axis is None else _axes_tuple(axis, len(shape), "squeeze")
    drop = {a for a in axes if shape[a] == 1}
    return reshape(x, tuple(n for i, n in enumerate(shape) if i not in drop))


def expand_dims(x: Any, axis: int | Sequence[int]) -> Any:
    """Insert length-1 axes at ``axis``, counted in the result (numpy's ``expand_dims``).

    Examples
    --------
    >>> expand_dims(np.zeros((2, 3)), 0).shape, expand_dims(np.zeros((2, 3)), (-1, 1)).shape
    ((1, 2, 3), (2, 1, 3, 1))
    """
    shape = shape_of(x)
    n_new = 1 if isinstance(axis, int | np.integer) else len(tuple(axis))
    new = set(_axes_tuple(axis, len(shape) + n_new, "expand_dims"))
    rest = iter(shape)
    return reshape(x, tuple(1 if i in new else next(rest) for i in range(len(shape) + n_new)))


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    """Merge the axes ``start_dim`` to ``end_dim`` (both included) into one, as PyTorch does.

    A 0-d input becomes a 1-d array of one element.

    Examples
    --------
    >>> flatten(np.zeros((2, 3, 4))).shape, flatten(np.zeros((2, 3, 4)), start_dim=1).shape
    ((24,), (2, 12))
    """
    shape = shape_of(x)
    dims = max(len(shape), 1)  # a 0-d input takes axis 0 (or -1), as in PyTorch
    start, end = (_axes_tuple(a, dims, "flatten")[0] for a in (start_dim, end_dim))
    if start > end:
        raise ValueError(
            f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {shape}"
        )
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(x, shape[:start] + (merged,) + shape[end + 1 :])
