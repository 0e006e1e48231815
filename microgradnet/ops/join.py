"""Joining arrays: ``concatenate`` along an existing axis and ``stack`` along a new one; and
``meshgrid``, which spreads inputs over a grid.

Both take any number of inputs. Each input's gradient is its own part of the output's gradient,
cut out with `getitem`, so the rules differentiate again like any indexing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import Node
from .base import Op
from .errors import OpError
from .indexing import getitem
from .registry import export
from .shape import broadcast_to, normalize_dims, reshape, shape_of


def _along(axis: int, part: slice | int) -> tuple[Any, ...]:
    """The index that takes ``part`` of axis ``axis`` and everything of the axes before it."""
    return (slice(None),) * axis + (part,)


class _Join(Op, params=("axis",)):
    """Inputs joined along axis ``axis`` by ``combine``; `Concatenate` and `Stack` give each
    input its part of the gradient."""

    axis: int
    combine: Any

    def forward(self, *xs: np.ndarray) -> np.ndarray:
        out: np.ndarray = self.combine(xs, axis=self.axis)
        return out

    def extra_repr(self) -> str:
        return f"dim={self.axis}"


class Concatenate(_Join):
    """Inputs joined along an existing axis; each gets its slice of the gradient."""

    __slots__ = ()
    name = "concatenate"
    combine = staticmethod(np.concatenate)

    def backward(self, g: Any) -> tuple[Any, ...]:
        grads = []
        start = 0
        for p in self.parents:
            stop = start + p.shape[self.axis]
            part = _along(self.axis, slice(start, stop))
            grads.append(getitem(g, part) if p.requires_grad else None)
            start = stop
        return tuple(grads)


class Stack(_Join):
    """Inputs joined along a new axis; each gets its entry of the gradient."""

    __slots__ = ()
    name = "stack"
    combine = staticmethod(np.stack)

    def backward(self, g: Any) -> tuple[Any, ...]:
        return tuple(
            getitem(g, _along(self.axis, i)) if p.requires_grad else None
            for i, p in enumerate(self.parents)
        )


def _checked(xs: Sequence[Any], axis: int, op: str, new_axis: bool) -> tuple[list[Any], int]:
    """The inputs as a list and ``axis`` as a non-negative int, or an error naming the shapes."""
    if isinstance(xs, Node) or not isinstance(xs, Sequence):
        raise TypeError(f"{op}: expected a sequence of tensors, not a {type(xs).__name__}")
    xs = list(xs)
    if not xs:
        raise OpError(f"{op}: expected a non-empty sequence of inputs")
    shapes = [shape_of(x) for x in xs]
    ndim = len(shapes[0]) + new_axis
    if ndim == 0:
        raise OpError(f"{op}: zero-dimensional inputs cannot be joined; stack them instead")
    (axis,) = normalize_dims(axis, ndim, op)
    if new_axis:
        ok = all(s == shapes[0] for s in shapes)
    else:
        rest = {s[:axis] + (-1,) + s[axis + 1 :] for s in shapes}
        ok = len(rest) == 1 and all(len(s) == ndim for s in shapes)
    if not ok:
        need = "the same shape" if new_axis else f"the same shape outside axis {axis}"
        raise OpError(f"{op}: inputs of shapes {shapes} do not have {need}")
    return xs, axis


@export(method=False, sequence=True)
def cat(tensors: Sequence[Any], dim: int = 0) -> Any:
    """Join ``tensors`` end to end along the existing ``dim``; ``concatenate`` is another name.

    Examples
    --------
    >>> cat([np.zeros((1, 2)), np.ones((2, 2))]).shape
    (3, 2)
    """
    xs, d = _checked(tensors, dim, "cat", new_axis=False)
    return Concatenate(d)(*xs)


@export(method=False, sequence=True)
def concatenate(tensors: Sequence[Any], dim: int = 0) -> Any:
    """numpy's name for `cat`."""
    xs, d = _checked(tensors, dim, "concatenate", new_axis=False)
    return Concatenate(d)(*xs)


@export(method=False, sequence=True)
def stack(tensors: Sequence[Any], dim: int = 0) -> Any:
    """Join ``tensors``, all of one shape, along a new ``dim``.

    Examples
    --------
    >>> stack([np.zeros(3), np.ones(3)], dim=1).shape
    (3, 2)
    """
    xs, d = _checked(tensors, dim, "stack", new_axis=True)
    return Stack(d)(*xs)


@export(method=False)
def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Any, ...]:
    """Coordinate grids of 1-d (or 0-d) inputs: the ``i``-th output holds ``tensors[i]`` along
    its own dim, repeated along the others. ``indexing='ij'`` puts input ``i`` along dim ``i``;
    ``'xy'`` swaps the first two dims (Cartesian order), as in PyTorch and numpy. Each grid's
    gradient is summed back into its input. Also takes one list of inputs.

    Examples
    --------
    >>> x, y = meshgrid(np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]))
    >>> x.shape, y[1].tolist()
    ((2, 3), [3.0, 4.0, 5.0])
    """
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise OpError(f"meshgrid: indexing must be 'ij' or 'xy', not {indexing!r}")
    for t in tensors:
        if len(shape_of(t)) > 1:
            raise OpError(f"meshgrid: the inputs must be 0-d or 1-d, not of shape {shape_of(t)}")
    sizes = [math.prod(shape_of(t)) for t in tensors]
    where = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        where[0], where[1] = 1, 0
    grid = [0] * len(tensors)
    for i, n in zip(where, sizes):
        grid[i] = n
    out = []
    for t, i in zip(tensors, where):
        view = [1] * len(tensors)
        view[i] = -1
        out.append(broadcast_to(reshape(t, tuple(view)), tuple(grid)))
    return tuple(out)
