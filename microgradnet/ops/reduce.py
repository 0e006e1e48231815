"""Reductions over axes: sum (the primitive), mean, and the rest built on them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Op
from .shape import broadcast_to, reshape, shape_of

Axis = int | tuple[int, ...] | None


def normalize_axis(axis: Axis, ndim: int, op: str) -> tuple[int, ...]:
    """``axis`` as a sorted tuple of non-negative axes; every axis when it is None."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for an input of {ndim} dimensions")
        out.append(int(a) % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as length 1 (the ``keepdims=True`` shape)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Op):
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
