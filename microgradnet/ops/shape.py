"""Shape operations: broadcasting and its adjoint, reshape, transpose.

``sum_to`` is the adjoint of broadcasting: every elementwise rule sends its gradient through it,
so that an input broadcast in the forward pass gets the sum of the gradients of its copies.
"""

from __future__ import annotations

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
    return SumTo(shape)(x)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast ``x`` to ``shape``; a no-op when shapes agree."""
    if shape_of(x) == shape:
        return x
    return BroadcastTo(shape)(x)


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
    return Reshape(tuple(shape))(x)


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
