"""Norms: ``norm`` (PyTorch's ``torch.norm``), and the functions of ``microgradnet.linalg``:
``vector_norm``, ``matrix_norm`` and ``linalg_norm`` (``linalg.norm``).

The 1-, inf- and 0-norms are composed from ``abs``, ``sum``, ``amax`` and ``sign``, so their
gradients are PyTorch's: 0 at 0, and shared among tied maxima. A p-norm for any other ``p``
(negative too) is one op: its forward scales by the largest magnitude (the smallest, for
``p < 0``) so that powers cannot overflow, and its rule ``g * sign(x) * |x|^(p-1) / y^(p-1)`` is 0
where the norm is 0, as PyTorch's subgradient. (A norm with ``p < 0`` is 0 when an element is.)

``normalize`` (``nn.functional.normalize``) divides by such a norm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Op
from .errors import OpError
from .reduce import amax, amin, kept_shape, reduced_dims, sum
from .registry import export
from .select import clamp, where
from .shape import broadcast_to, normalize_dims, reshape, shape_of, squeeze
from .unary import abs, sign

Dims = int | tuple[int, ...] | None


class PNorm(Op):
    """``sum(|x| ** p) ** (1 / p)`` over ``axes``, for ``p`` other than 0."""

    __slots__ = ("p", "axes", "keepdims")
    name = "norm"

    def __init__(self, p: float, axes: tuple[int, ...], keepdims: bool) -> None:
        self.p = p
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x: np.ndarray) -> np.ndarray:
        a = np.abs(x)
        if a.size and self.p > 0:
            scale = np.max(a, axis=self.axes, keepdims=True)
        elif a.size:  # p < 0: the smallest magnitude dominates (a 0 makes the norm 0)
            scale = np.min(np.where(a > 0, a, np.inf), axis=self.axes, keepdims=True)
        else:
            scale = np.ones(kept_shape(x.shape, self.axes), a.dtype)
        scale = np.where((scale > 0) & np.isfinite(scale), scale, 1).astype(a.dtype)
        scaled = a / scale
        with np.errstate(divide="ignore"):  # 0 ** p is inf for p < 0, and the norm 0
            total = np.sum(
                scaled * scaled if self.p == 2 else scaled**self.p, self.axes, keepdims=True
            )
            out = scale * (np.sqrt(total) if self.p == 2 else total ** (1 / self.p))
        return out if self.keepdims else np.squeeze(out, self.axes)  # type: ignore[no-any-return]

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.inputs
        (raw,) = self.raw_inputs
        p = self.p
        shape = raw.shape
        kept = kept_shape(shape, self.axes)
        y = broadcast_to(reshape(self.output, kept), shape)
        g = broadcast_to(reshape(g, kept), shape)
        # where the norm is 0: every element 0, or (p < 0) any
        zero = (np.all if p > 0 else np.any)(raw == 0, axis=self.axes, keepdims=True)
        zero = np.broadcast_to(zero, shape)
        safe_y = where(zero, 1.0, y)
        if p == 2:
            grad = x * g / safe_y
        else:
            flat = raw == 0  # |x| ** (p - 1) would be 0 ** negative for p < 1; sign(x) is 0 there
            grad = sign(x) * where(flat, 1.0, abs(x)) ** (p - 1) * g / safe_y ** (p - 1)
        return (where(zero, 0.0, grad),)

    def extra_repr(self) -> str:
        return f"p={self.p}, dim={self.axes}" + (", keepdim=True" if self.keepdims else "")


def vector_norm(x: Any, ord: float = 2, dim: Dims = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The vector ``ord``-norm over ``dim`` (every dim when None): ``sum(|x| ** ord) **
    (1 / ord)`` for ``ord`` other than 0 (negative too), the largest (``inf``) or smallest
    (``-inf``) magnitude, or the count of nonzero elements (``0``). PyTorch's
    ``torch.linalg.vector_norm``.

    Examples
    --------
    >>> x = np.array([3.0, -4.0])
    >>> float(vector_norm(x)), float(vector_norm(x, ord=np.inf)), float(vector_norm(x, ord=0))
    (5.0, 4.0, 2.0)
    """
    if isinstance(ord, str | bool) or not isinstance(ord, int | float | np.floating):
        raise TypeError(f"vector_norm: ord must be a number, not {ord!r}")
    axes = reduced_dims(dim, len(shape_of(x)), "vector_norm")
    if ord == math.inf:
        return amax(abs(x), axes, keepdim) if axes else abs(x)
    if ord == -math.inf:
        return amin(abs(x), axes, keepdim) if axes else abs(x)
    if ord == 0:
        return sum(abs(sign(x)), axes, keepdim)
    if ord == 1:
        return sum(abs(x), axes, keepdim)
    return PNorm(float(ord), axes, keepdim)(x)


def matrix_norm(
    x: Any,
    ord: str | float = "fro",  # noqa: A002 - PyTorch's name
    dim: tuple[int, int] = (-2, -1),
    keepdim: bool = False,
) -> Any:
    """The matrix norm of the matrices in dims ``dim``: ``'fro'`` (Frobenius), or the largest
    (``inf``, ``1``) or smallest (``-inf``, ``-1``) absolute row (``inf``) or column (``1``) sum.
    PyTorch's ``torch.linalg.matrix_norm``; the norms from singular values (``'nuc'``, ``2``,
    ``-2``) are not provided.

    Examples
    --------
    >>> m = np.array([[1.0, -2.0], [3.0, 4.0]])
    >>> float(matrix_norm(m, 1)), float(matrix_norm(m, np.inf))
    (6.0, 7.0)
    """
    ndim = len(shape_of(x))
    if ndim < 2:
        raise OpError(f"matrix_norm: needs at least 2 dims, not an input of shape {shape_of(x)}")
    if not isinstance(dim, Sequence) or len(dim) != 2:
        raise OpError(f"matrix_norm: dim must be a pair of dims, not {dim!r}")
    rows, cols = normalize_dims(tuple(dim), ndim, "matrix_norm")
    if ord == "fro":
        return PNorm(2.0, tuple(sorted((rows, cols))), keepdim)(x)
    if ord in (1, -1, math.inf, -math.inf) and not isinstance(ord, bool):
        summed, over = (rows, cols) if ord in (1, -1) else (cols, rows)
        pick = amax if ord > 0 else amin
        out = pick(sum(abs(x), summed, keepdim=True), over, keepdim=True)
        return out if keepdim else squeeze(out, (rows, cols))
    raise OpError(
        f"matrix_norm: ord {ord!r} is not supported (use 'fro', 1, -1, inf or -inf; the norms "
        "from singular values 'nuc', 2 and -2 are not provided)"
    )


def linalg_norm(
    x: Any,
    ord: str | float | None = None,  # noqa: A002 - PyTorch's name
    dim: Dims = None,
    keepdim: bool = False,
) -> Any:
    """PyTorch's ``torch.linalg.norm``: a vector norm over one dim (or over everything when
    ``ord`` and ``dim`` are None), a matrix norm over two dims (of a 2-D input when ``dim`` is
    None and ``ord`` is given).

    Examples
    --------
    >>> m = np.array([[1.0, -2.0], [3.0, 4.0]])
    >>> float(linalg_norm(m)), float(linalg_norm(m, np.inf)), linalg_norm(m, 1, dim=1)
    (5.477225575051661, 7.0, array([3., 7.]))
    """
    ndim = len(shape_of(x))
    if dim is None:
        if ord is None:
            return vector_norm(x, 2, None, keepdim)
        if ndim not in (1, 2):
            raise OpError(
                f"linalg.norm: with ord={ord!r} and no dim the input must be 1-D or 2-D, not of "
                f"shape {shape_of(x)}"
            )
        dim = tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) == 2:
        return matrix_norm(x, "fro" if ord is None else ord, (dims[0], dims[1]), keepdim)
    if len(dims) != 1:
        raise OpError(f"linalg.norm: dim must be one dim or a pair, not {dim!r}")
    if isinstance(ord, str):
        raise OpError(f"linalg.norm: ord={ord!r} is a matrix norm; it needs two dims")
    return vector_norm(x, 2 if ord is None else ord, dims, keepdim)


@export()
def norm(
    input: Any,  # noqa: A002 - PyTorch's name
    p: str | float = "fro",
    dim: Dims = None,
    keepdim: bool = False,
) -> Any:
    """PyTorch's ``torch.norm``: the ``p``-norm of the elements over ``dim`` (every dim when
    None) for a number ``p`` (see `vector_norm`), or the Frobenius norm for ``p='fro'``, the
    default, which is the 2-norm of the same elements. Its gradient at 0 is 0.

    Examples
    --------
    >>> float(norm(np.array([[3.0, 0.0], [0.0, 4.0]]))), float(norm(np.array([3.0, -4.0]), p=1))
    (5.0, 7.0)
    """
    if p == "fro":
        p = 2
    if isinstance(p, str):
        raise OpError(f"norm: p={p!r} is not supported (use 'fro' or a number)")
    return vector_norm(input, p, dim, keepdim)


@export(method=False, toplevel=False, functional=True)
def normalize(
    input: Any,  # noqa: A002 - PyTorch's names
    p: float = 2.0,
    dim: int = 1,
    eps: float = 1e-12,
) -> Any:
    """``input`` divided by its ``p``-norm along ``dim``, the norm kept at least ``eps``
    (PyTorch's ``nn.functional.normalize``).

    Examples
    --------
    >>> normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    norms = vector_norm(input, p, dim, True)
    return input / clamp(norms, eps)
