"""Rearranging and repeating elements: flip, roll, repeat, tile, repeat_interleave.

``flip`` is indexing with reversed slices and ``roll`` an op whose adjoint is the opposite roll.
``repeat`` and ``tile`` put each dim beside a new dim of its repeat count, broadcast, and merge the
pairs, so their gradient is a sum over the copies; ``repeat_interleave`` indexes the input with
each position repeated, and `getitem` adds the copies' gradients.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import Node
from .base import Op
from .errors import OpError
from .indexing import getitem
from .registry import export
from .shape import broadcast_to, flatten, normalize_dims, reshape, shape_of


def _ints(values: tuple[Any, ...], op: str, what: str) -> tuple[int, ...]:
    """Separate ints or one sequence of them, checked."""
    items = tuple(values[0]) if len(values) == 1 and isinstance(values[0], Sequence) else values
    if any(isinstance(v, bool) or not isinstance(v, int | np.integer) for v in items):
        raise TypeError(f"{op}: {what} must be ints, not {items!r}")
    return tuple(int(v) for v in items)


@export()
def flip(input: Any, *dims: int | Sequence[int]) -> Any:  # noqa: A002 - PyTorch's name
    """``input`` with the order of its elements reversed along each of ``dims``.

    Examples
    --------
    >>> flip(np.array([[1.0, 2.0], [3.0, 4.0]]), (0, 1))
    array([[4., 3.],
           [2., 1.]])
    """
    ndim = len(shape_of(input))
    axes = set(normalize_dims(_ints(dims, "flip", "dims"), ndim, "flip")) if ndim else set()
    if not axes:
        return input
    return getitem(
        input, tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(ndim))
    )


class Roll(Op):
    """The elements shifted cyclically by ``shifts`` along ``axes``."""

    __slots__ = ("shifts", "axes")
    name = "roll"

    def __init__(self, shifts: tuple[int, ...], axes: tuple[int, ...]) -> None:
        self.shifts = shifts
        self.axes = axes

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.roll(x, self.shifts, self.axes)

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (Roll(tuple(-s for s in self.shifts), self.axes)(g),)

    def extra_repr(self) -> str:
        return f"shifts={self.shifts}, dims={self.axes}"


@export()
def roll(input: Any, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Any:  # noqa: A002
    """``input`` shifted cyclically by ``shifts`` along ``dims`` (elements leaving one end enter
    at the other); with no ``dims``, the flattened input is rolled and the shape restored.

    Examples
    --------
    >>> roll(np.array([1.0, 2.0, 3.0, 4.0]), 1)
    array([4., 1., 2., 3.])
    """
    shape = shape_of(input)
    steps = _ints((shifts,), "roll", "shifts")
    if dims is None:
        if len(steps) != 1:
            raise OpError(f"roll: {len(steps)} shifts {steps} need as many dims")
        return reshape(Roll(steps, (0,))(flatten(input)), shape)
    axes = normalize_dims(dims, len(shape), "roll")
    if len(axes) != len(steps):
        raise OpError(f"roll: {len(steps)} shifts {steps} for {len(axes)} dims {dims}")
    return Roll(steps, axes)(input) if shape else getitem(input, ...)


def _repeat(x: Any, counts: tuple[int, ...], op: str) -> Any:
    shape = shape_of(x)
    if len(counts) < len(shape):
        raise OpError(
            f"{op}: {len(counts)} repeat counts {counts} for an input of {len(shape)} dims"
        )
    if any(c < 0 for c in counts):
        raise OpError(f"{op}: repeat counts must not be negative, not {counts}")
    full = (1,) * (len(counts) - len(shape)) + shape
    paired = reshape(x, tuple(v for n in full for v in (1, n)))
    spread = broadcast_to(paired, tuple(v for c, n in zip(counts, full) for v in (c, n)))
    return reshape(spread, tuple(c * n for c, n in zip(counts, full)))


@export(toplevel=False)
def repeat(input: Any, *sizes: int | Sequence[int]) -> Any:  # noqa: A002 - PyTorch's name
    """``input`` repeated ``sizes[d]`` times along each dim ``d`` (numpy's ``tile``); extra leading
    sizes add dims. The gradient sums the copies.

    Examples
    --------
    >>> repeat(np.array([1.0, 2.0]), 2, 2)
    array([[1., 2., 1., 2.],
           [1., 2., 1., 2.]])
    """
    return _repeat(input, _ints(sizes, "repeat", "sizes"), "repeat")


@export()
def tile(input: Any, dims: Sequence[int]) -> Any:  # noqa: A002 - PyTorch's name
    """`repeat`, except that fewer counts than dims repeat the last dims only.

    Examples
    --------
    >>> tile(np.array([[1.0], [2.0]]), (2,))
    array([[1., 1.],
           [2., 2.]])
    """
    counts = _ints((dims,), "tile", "dims")
    return _repeat(input, (1,) * (len(shape_of(input)) - len(counts)) + counts, "tile")


@export()
def repeat_interleave(
    input: Any,  # noqa: A002 - PyTorch's name
    repeats: Any,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Any:
    """Each element repeated ``repeats`` times in place along ``dim`` (of the flattened input
    when None); ``repeats`` is an int or one count per element.

    Examples
    --------
    >>> repeat_interleave(np.array([1.0, 2.0]), 2)
    array([1., 1., 2., 2.])
    >>> repeat_interleave(np.array([[1.0, 2.0]]), np.array([1, 3]), dim=1)
    array([[1., 2., 2., 2.]])
    """
    x = flatten(input) if dim is None else input
    shape = shape_of(x)
    (d,) = normalize_dims(0 if dim is None else dim, len(shape), "repeat_interleave")
    counts = np.asarray(repeats.data if isinstance(repeats, Node) else repeats)
    n = shape[d] if shape else 1
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or np.any(counts < 0):
        raise OpError(f"repeat_interleave: repeats must be non-negative ints, not {repeats!r}")
    if counts.size not in (1, n):
        raise OpError(
            f"repeat_interleave: {counts.size} repeat counts for a dim of length {n} "
            f"(input of shape {shape})"
        )
    index = np.repeat(np.arange(n), np.broadcast_to(counts.reshape(-1), (n,)))
    if output_size is not None and output_size != index.size:
        raise OpError(f"repeat_interleave: output_size {output_size} != {index.size}")
    if not shape:
        x = reshape(x, (1,))
    return getitem(x, (slice(None),) * d + (index,))
