"""Diagonals and triangles: diagonal, diag, tril, triu.

``diagonal`` indexes the two dims with the same running positions, so its gradient goes back to
the diagonal; ``tril``, ``triu`` and the matrix that ``diag`` builds from a vector are `where`
with a constant mask, whose rule is the same mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import OpError
from .indexing import getitem
from .padding import constant_pad
from .registry import export
from .select import where
from .shape import normalize_dims, permute, shape_of, unsqueeze


def _zero(x: Any) -> np.ndarray:
    """A 0-d zero of ``x``'s dtype (a triangle of an integer tensor stays integer)."""
    return np.zeros((), np.result_type(getattr(x, "dtype", np.float64)))


@export()
def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:  # noqa: A002
    """The elements ``input[..., i, i + offset]`` of the matrices in dims ``dim1`` and ``dim2``,
    along a new last dim (``offset > 0`` above the main diagonal, ``< 0`` below).

    Examples
    --------
    >>> m = np.arange(9.0).reshape(3, 3)
    >>> diagonal(m), diagonal(m, 1), diagonal(m, -1)
    (array([0., 4., 8.]), array([1., 5.]), array([3., 7.]))
    """
    shape = shape_of(input)
    if len(shape) < 2:
        raise OpError(f"diagonal: needs at least 2 dims, not an input of shape {shape}")
    d1, d2 = normalize_dims((dim1, dim2), len(shape), "diagonal")
    rest = tuple(d for d in range(len(shape)) if d not in (d1, d2))
    row, col = max(-offset, 0), max(offset, 0)
    k = max(0, min(shape[d1] - row, shape[d2] - col))
    steps = np.arange(k)
    return getitem(permute(input, rest + (d1, d2)), (Ellipsis, steps + row, steps + col))


def _band(x: Any, diagonal: int, lower: bool, op: str) -> Any:
    shape = shape_of(x)
    if len(shape) < 2:
        raise OpError(f"{op}: needs at least 2 dims, not an input of shape {shape}")
    below = np.tri(shape[-2], shape[-1], diagonal if lower else diagonal - 1, dtype=bool)
    return where(below if lower else ~below, x, _zero(x))


@export()
def tril(input: Any, diagonal: int = 0) -> Any:  # noqa: A002 - PyTorch's name
    """The lower triangle of the matrices in the last two dims: the elements on and below the
    ``diagonal``-th diagonal kept, the others 0.

    Examples
    --------
    >>> tril(np.ones((2, 3)))
    array([[1., 0., 0.],
           [1., 1., 0.]])
    """
    return _band(input, diagonal, True, "tril")


@export()
def triu(input: Any, diagonal: int = 0) -> Any:  # noqa: A002 - PyTorch's name
    """The upper triangle of the matrices in the last two dims: the elements on and above the
    ``diagonal``-th diagonal kept, the others 0.

    Examples
    --------
    >>> triu(np.ones((2, 3)), 1)
    array([[0., 1., 1.],
           [0., 0., 1.]])
    """
    return _band(input, diagonal, False, "triu")


@export()
def diag(input: Any, diagonal: int = 0) -> Any:  # noqa: A002 - PyTorch's name
    """A 1-D input placed on the ``diagonal``-th diagonal of a square matrix of zeros, or the
    ``diagonal``-th diagonal of a 2-D input.

    Examples
    --------
    >>> diag(np.array([1.0, 2.0]), 1)
    array([[0., 1., 0.],
           [0., 0., 2.],
           [0., 0., 0.]])
    """
    shape = shape_of(input)
    if len(shape) == 2:
        return globals()["diagonal"](input, diagonal)
    if len(shape) != 1:
        raise OpError(f"diag: needs a 1-D or 2-D input, not one of shape {shape}")
    k = abs(diagonal)
    rows = constant_pad(input, ((0, k) if diagonal >= 0 else (k, 0),))
    m = shape[0] + k
    mask = np.eye(m, m, diagonal, dtype=bool)
    return where(mask, unsqueeze(rows, 1), _zero(input))
