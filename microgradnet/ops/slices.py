"""Cutting a tensor into pieces along a dim: narrow, split, chunk, unbind, unfold.

Every piece is `getitem` of the input (a slice, an int, or for ``unfold`` the positions of each
window), so each gets its own part of the gradient, and overlapping windows add theirs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import OpError
from .indexing import getitem
from .registry import export
from .shape import movedim, normalize_dims, shape_of


def _dim_of(x: Any, dim: int, op: str) -> tuple[int, int]:
    """``dim`` as a non-negative dim of ``x``, and its length; an error for a 0-d input."""
    shape = shape_of(x)
    if not shape:
        raise OpError(f"{op}: needs an input with at least one dim, not a 0-d one")
    (d,) = normalize_dims(dim, len(shape), op)
    return d, shape[d]


def _part(x: Any, d: int, part: slice | int | np.ndarray) -> Any:
    return getitem(x, (slice(None),) * d + (part,))


@export()
def narrow(input: Any, dim: int, start: int, length: int) -> Any:  # noqa: A002 - PyTorch's name
    """The ``length`` elements of ``input`` from ``start`` along ``dim`` (``start`` may count from
    the end).

    Examples
    --------
    >>> narrow(np.arange(5.0), 0, 1, 3)
    array([1., 2., 3.])
    """
    d, n = _dim_of(input, dim, "narrow")
    begin = start + n if -n <= start < 0 else start
    if not 0 <= begin <= n or length < 0 or begin + length > n:
        raise OpError(f"narrow: start {start} and length {length} do not fit dim {d} of length {n}")
    return _part(input, d, slice(begin, begin + length))


@export()
def split(input: Any, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Any, ...]:  # noqa: A002
    """``input`` cut along ``dim`` into pieces of ``split_size_or_sections`` elements (the last
    one shorter if need be), or of the given list of lengths (summing to the dim's length).

    Examples
    --------
    >>> [p.tolist() for p in split(np.arange(5.0), 2)]
    [[0.0, 1.0], [2.0, 3.0], [4.0]]
    >>> [p.shape for p in split(np.zeros((2, 5)), [1, 4], dim=1)]
    [(2, 1), (2, 4)]
    """
    d, n = _dim_of(input, dim, "split")
    if isinstance(split_size_or_sections, Sequence):
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise OpError(
                f"split: lengths {sizes} do not add up to the length {n} of dim {d} "
                f"(input of shape {shape_of(input)})"
            )
    else:
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n):
            raise OpError(f"split: the piece length must be positive, not {size}")
        sizes = [min(size, n - i) for i in range(0, n, size)] if n else [0]
    bounds = [0, *itertools.accumulate(sizes)]
    return tuple(_part(input, d, slice(a, b)) for a, b in itertools.pairwise(bounds))


@export()
def chunk(input: Any, chunks: int, dim: int = 0) -> tuple[Any, ...]:  # noqa: A002 - PyTorch's name
    """``input`` cut along ``dim`` into at most ``chunks`` pieces of equal length (the last one
    shorter), as PyTorch does: pieces of ``ceil(length / chunks)`` elements.

    Examples
    --------
    >>> [p.shape for p in chunk(np.zeros(5), 3)]
    [(2,), (2,), (1,)]
    """
    if chunks <= 0:
        raise OpError(f"chunk: the number of chunks must be positive, not {chunks}")
    _, n = _dim_of(input, dim, "chunk")
    return split(input, max(-(-n // chunks), 1), dim)


@export()
def unbind(input: Any, dim: int = 0) -> tuple[Any, ...]:  # noqa: A002 - PyTorch's name
    """The slices of ``input`` along ``dim``, each without that dim.

    Examples
    --------
    >>> [p.tolist() for p in unbind(np.array([[1.0, 2.0], [3.0, 4.0]]), 1)]
    [[1.0, 3.0], [2.0, 4.0]]
    """
    d, n = _dim_of(input, dim, "unbind")
    return tuple(_part(input, d, i) for i in range(n))


@export(toplevel=False)
def unfold(input: Any, dimension: int, size: int, step: int) -> Any:  # noqa: A002 - PyTorch's name
    """Every window of ``size`` elements along ``dimension``, ``step`` apart: that dim becomes
    the window count and a last dim of length ``size`` holds each window (PyTorch's
    ``Tensor.unfold``; overlapping windows add their gradients).

    Examples
    --------
    >>> unfold(np.arange(5.0), 0, 2, 2)
    array([[0., 1.],
           [2., 3.]])
    """
    shape = shape_of(input)
    d, n = _dim_of(input, dimension, "unfold") if shape else (0, 1)
    if size < 0 or step <= 0 or size > n:
        raise OpError(
            f"unfold: windows of size {size} every {step} do not fit dim {d} of length {n}"
        )
    if not shape:
        return getitem(input, (None,))
    starts = np.arange(0, n - size + 1, step)
    windows = _part(input, d, starts[:, None] + np.arange(size))
    return movedim(windows, d + 1, -1)
