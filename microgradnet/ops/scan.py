"""Products and scans along a dim: prod, cumsum, cumprod, logcumsumexp, cummax and cummin.

The gradients of products never divide by the input, so zeros in it give exact gradients: the
gradient of ``prod`` is the product of the other elements, made of two exclusive running products
(from each end); that of ``cumprod`` at ``k`` is the product of the elements before ``k`` times
``sum(g[i] * x[k+1] * ... * x[i] for i >= k)``, which is the reverse linear recurrence
``r[k] = g[k] + x[k+1] * r[k+1]``. `LinearScan` computes such recurrences, and its own rule is
again a `LinearScan`, so every rule here differentiates to any order. ``logcumsumexp`` uses the
same recurrence with factors ``exp(y[k] - y[k+1]) <= 1``, so its gradient cannot overflow.

``cummax`` and ``cummin`` return ``(values, indices)``; the values are taken from the input at the
indices, so the gradient goes to the element each running extremum came from (the latest among
ties, as in PyTorch).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import Node
from .base import Op
from .cast import as_dtype_of
from .indexing import getitem
from .padding import constant_pad
from .reduce import (
    Reduction,
    ValuesIndices,
    kept_shape,
    reduction,
    take_along,
)
from .registry import export
from .shape import broadcast_to, normalize_dims, permute, reshape, shape_of
from .unary import exp


def _along(x: Any, dim: int, op: str, make: Any) -> Any:
    """``make(d)(x)`` for the op along dim ``d``; a 0-d input is treated as one element."""
    shape = shape_of(x)
    (d,) = normalize_dims(dim, len(shape), op)
    return make(d)(x) if shape else reshape(make(0)(reshape(x, (1,))), ())


def _at(ndim: int, dim: int, pair: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """Pad widths that are ``pair`` on ``dim`` and 0 elsewhere."""
    return tuple(pair if d == dim else (0, 0) for d in range(ndim))


def _shift(x: Any, dim: int, by: int, fill: float = 0.0) -> Any:
    """``x`` moved ``by`` places along ``dim`` (to the end when positive), ``fill`` entering."""
    return constant_pad(x, _at(len(shape_of(x)), dim, (by, -by)), fill)


def _flip(x: Any, dim: int) -> Any:
    return getitem(x, (slice(None),) * dim + (slice(None, None, -1),))


class Scan(Op, params=("dim", "reverse")):
    """An op running along ``dim``, from the end when ``reverse``."""

    dim: int
    reverse: bool

    def __init__(self, dim: int, reverse: bool = False) -> None:
        super().__init__(dim, reverse)

    def extra_repr(self) -> str:
        return f"dim={self.dim}" + (", reverse=True" if self.reverse else "")


class LinearScan(Scan):
    """The recurrence ``h[k] = a[k] * h[k-1] + b[k]`` along ``dim`` from ``h[-1] = 0`` (from the
    end, ``h[k] = a[k] * h[k+1] + b[k]``, when ``reverse``); ``a`` and ``b`` have one shape.

    Its rule is the same recurrence run the other way on the gradient: ``r[k] = g[k] +
    a[k+1] * r[k+1]`` is the gradient of ``b``, and ``r[k] * h[k-1]`` that of ``a``.
    """

    name = "linear_scan"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.empty(b.shape, np.result_type(a, b))
        a_, b_, h = (np.moveaxis(v, self.dim, 0) for v in (a, b, out))
        order = range(len(h) - 1, -1, -1) if self.reverse else range(len(h))
        prev: Any = 0.0
        for k in order:
            h[k] = prev = a_[k] * prev + b_[k]
        return out

    def backward(self, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        a, _ = self.inputs
        step = -1 if self.reverse else 1
        r = LinearScan(self.dim, not self.reverse)(_shift(a, self.dim, -step), g)
        ga = r * _shift(self.output, self.dim, step) if pa.requires_grad else None
        return ga, r if pb.requires_grad else None


class CumSum(Scan):
    """Running sums along ``dim`` (from the end when ``reverse``); the rule runs the other way."""

    name = "cumsum"

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.reverse:
            return np.flip(np.cumsum(np.flip(x, self.dim), self.dim), self.dim)
        return np.cumsum(x, self.dim)

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (CumSum(self.dim, not self.reverse)(g),)


class CumProd(Op, params=("dim",)):
    """Running products along ``dim``; the rule, without division, is described above."""

    name = "cumprod"
    dim: int

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.cumprod(x, self.dim)

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.inputs
        d = self.dim
        if self.parents[0].shape[d] == 0:
            return (g,)
        before = _shift(self.output, d, 1, fill=1.0)  # x[0] * ... * x[k-1]
        return (before * LinearScan(d, reverse=True)(_shift(x, d, -1), g),)


class LogCumSumExp(Op, params=("dim",)):
    """``log(cumsum(exp(x)))`` along ``dim``, accumulated with ``logaddexp`` (no overflow)."""

    name = "logcumsumexp"
    dim: int

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.logaddexp.accumulate(x, axis=self.dim)

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.inputs
        d = self.dim
        if self.parents[0].shape[d] == 0:
            return (g,)
        y = self.output
        # dy[i]/dx[k] = exp(x[k] - y[i]) = exp(x[k] - y[k]) * prod_{k<j<=i} exp(y[j-1] - y[j]).
        ndim = len(self.parents[0].shape)
        steps = exp(constant_pad(y, _at(ndim, d, (0, -1))) - constant_pad(y, _at(ndim, d, (-1, 0))))
        factors = constant_pad(steps, _at(ndim, d, (0, 1)))
        return (exp(x - y) * LinearScan(d, reverse=True)(factors, g),)


class Prod(Reduction):
    """The product over ``axes``; each element's gradient is the product of the others."""

    name = "prod"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.prod(x, axis=self.axes, keepdims=self.keepdims)  # type: ignore[no-any-return]

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.inputs
        shape = self.parents[0].shape
        g = broadcast_to(reshape(g, kept_shape(shape, self.axes)), shape)
        rest = tuple(d for d in range(len(shape)) if d not in self.axes)
        count = math.prod(shape[d] for d in self.axes)
        if count == 0 or not shape:
            return (g if count == 0 else g * 1.0,)
        # The reduced dims, last and merged into one, hold the elements whose product is taken.
        order = rest + self.axes
        flat = reshape(permute(x, order), tuple(shape[d] for d in rest) + (count,))
        last = len(rest)
        before = _shift(CumProd(last)(flat), last, 1, fill=1.0)
        after = _flip(_shift(CumProd(last)(_flip(flat, last)), last, 1, fill=1.0), last)
        others = reshape(before * after, tuple(shape[d] for d in order))
        return (g * permute(others, tuple(int(i) for i in np.argsort(order))),)


@reduction
def prod(x: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
    """The product over ``dim`` (every dim when None); exact gradients with zeros in the input.
    With ``dtype``, of the input converted to it first.

    Examples
    --------
    >>> prod(np.array([[1.0, 2.0], [3.0, 4.0]]), dim=1)
    array([ 2., 12.])
    """
    return Prod(dims, keepdim)(x)


@export()
def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Any:  # noqa: A002 - PyTorch's name
    """Running sums along ``dim`` (of the input converted to ``dtype``, when given).

    Examples
    --------
    >>> cumsum(np.array([1.0, 2.0, 3.0]), 0)
    array([1., 3., 6.])
    """
    return _along(as_dtype_of(input, dtype, "cumsum"), dim, "cumsum", CumSum)


@export()
def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Any:  # noqa: A002 - PyTorch's name
    """Running products along ``dim`` (of the input converted to ``dtype``, when given); exact
    gradients with zeros in the input.

    Examples
    --------
    >>> from microgradnet import tensor
    >>> x = tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> cumprod(x, 0).sum().backward()
    >>> x.grad
    tensor([1., 8., 0.])
    """
    return _along(as_dtype_of(input, dtype, "cumprod"), dim, "cumprod", CumProd)


@export()
def logcumsumexp(input: Any, dim: int) -> Any:  # noqa: A002 - PyTorch's name
    """``log(cumsum(exp(input)))`` along ``dim``, accumulated with ``logaddexp``: finite for
    inputs of any magnitude, where the plain formula overflows.

    Examples
    --------
    >>> logcumsumexp(np.array([1000.0, 1000.0, 1000.0 + np.log(2.0)]), 0) - 1000.0
    array([0.        , 0.69314718, 1.38629436])
    """
    return _along(input, dim, "logcumsumexp", LogCumSumExp)


def _running(x: Any, dim: int, op: str, accumulate: Any) -> ValuesIndices:
    raw = x.data if isinstance(x, Node) else np.asarray(x)
    (d,) = normalize_dims(dim, raw.ndim, op)
    if raw.ndim == 0:
        index = np.zeros((), np.int64)
        return ValuesIndices(
            take_along(x, index, 0), type(x)._wrap(index) if isinstance(x, Node) else index
        )
    running = accumulate(raw, axis=d)
    # A new record where the element equals the running extremum (the later one among ties).
    record = (raw == running) | np.isnan(raw)
    positions = np.arange(raw.shape[d]).reshape((-1,) + (1,) * (raw.ndim - d - 1))
    index = np.maximum.accumulate(np.where(record, positions, 0), axis=d).astype(np.int64)
    return ValuesIndices(
        take_along(x, index, d), type(x)._wrap(index) if isinstance(x, Node) else index
    )


@export()
def cummax(input: Any, dim: int) -> ValuesIndices:  # noqa: A002 - PyTorch's name
    """The running maximum along ``dim`` and where it was reached: ``(values, indices)``.

    Examples
    --------
    >>> cummax(np.array([1.0, 3.0, 2.0, 3.0]), 0)
    ValuesIndices(values=array([1., 3., 3., 3.]), indices=array([0, 1, 1, 3]))
    """
    return _running(input, dim, "cummax", np.maximum.accumulate)


@export()
def cummin(input: Any, dim: int) -> ValuesIndices:  # noqa: A002 - PyTorch's name
    """The running minimum along ``dim`` and where it was reached: ``(values, indices)``.

    Examples
    --------
    >>> cummin(np.array([2.0, 1.0, 3.0, 0.0]), 0).indices
    array([0, 1, 1, 3])
    """
    return _running(input, dim, "cummin", np.minimum.accumulate)
