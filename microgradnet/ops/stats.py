"""Statistics over dims: var, std, var_mean, std_mean, median and mode.

``var`` is composed from ``mean`` and ``sum``, which is exact and differentiates again; ``std`` is
its square root with PyTorch's gradient 0 where the variance is 0 (no spread, a kink).
``median()`` of a whole tensor shares the gradient among the elements equal to it, like ``amax``;
``median(dim)`` and ``mode(dim)`` return ``(values, indices)`` and send the gradient to the index
picked, as PyTorch does.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import Node
from .errors import OpError
from .reduce import Amax, Dims, ValuesIndices, mean, pick_along, reduced_dims, sum
from .registry import export
from .select import where
from .shape import normalize_dims, shape_of
from .unary import sqrt


def _correction(unbiased: bool | None, correction: float | None, op: str) -> float:
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: give correction= or its older form unbiased=, not both")
    if correction is not None:
        return correction
    return 0.0 if unbiased is False else 1.0


def _var_mean(
    x: Any, dim: Any, unbiased: bool | None, keepdim: bool, correction: float | None, op: str
) -> tuple[Any, Any]:
    if isinstance(dim, bool):  # var(input, unbiased): PyTorch's older overload
        dim, unbiased = None, dim
    shape = shape_of(x)
    axes = reduced_dims(dim, len(shape), op)
    count = math.prod(shape[d] for d in axes)
    dof = count - _correction(unbiased, correction, op)
    mu = mean(x, axes, keepdim=True)
    d = x - mu
    if dof <= 0:
        warnings.warn(
            f"{op}: {count} elements per result and correction {count - dof:g} leave no degrees "
            "of freedom; the result is inf or nan, as in PyTorch",
            RuntimeWarning,
            stacklevel=3,
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            v = sum(d * d, axes, keepdim) * np.inf
    else:
        v = sum(d * d, axes, keepdim) / dof
    return v, (mu if keepdim else mean(x, axes, keepdim=False))


def _sqrt_zero_grad(v: Any) -> Any:
    """``sqrt(v)`` whose gradient is 0 where ``v`` is 0 (PyTorch's convention for ``std``)."""
    zero = (v.data if isinstance(v, Node) else np.asarray(v)) == 0
    if not np.any(zero):
        return sqrt(v)
    return where(zero, v * 0.0, sqrt(where(zero, 1.0, v)))


def _declare(op: str, finish: Callable[[tuple[Any, Any]], Any], doc: str) -> Callable[..., Any]:
    """Export ``op(input, dim=None, unbiased=None, keepdim=False, *, correction=None)`` (PyTorch's
    signature, shared by the four) as ``finish`` of `_var_mean`'s ``(var, mean)``."""

    def fn(
        input: Any,  # noqa: A002 - PyTorch's name
        dim: Dims = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Any:
        return finish(_var_mean(input, dim, unbiased, keepdim, correction, op))

    fn.__name__ = fn.__qualname__ = op
    fn.__doc__ = doc
    return export()(fn)


var = _declare(
    "var",
    lambda vm: vm[0],
    """The variance over ``dim`` (every dim when None): the sum of squared deviations from the
    mean divided by ``N - correction`` (``correction=1`` by default, Bessel's; ``unbiased=False``
    is the older spelling of ``correction=0``).

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 4.0])
    >>> round(float(var(x)), 12), round(float(var(x, correction=0)), 12)
    (2.333333333333, 1.555555555556)
    """,
)
std = _declare(
    "std",
    lambda vm: _sqrt_zero_grad(vm[0]),
    """The standard deviation, the square root of `var` (same arguments); where it is 0 its
    gradient is 0, as in PyTorch.

    Examples
    --------
    >>> std(np.array([1.0, 3.0]))
    np.float64(1.4142135623730951)
    """,
)
var_mean = _declare(
    "var_mean",
    lambda vm: vm,
    """``(var, mean)`` over ``dim`` in one call (see `var`).

    Examples
    --------
    >>> var_mean(np.array([1.0, 3.0]))
    (np.float64(2.0), np.float64(2.0))
    """,
)
std_mean = _declare(
    "std_mean",
    lambda vm: (_sqrt_zero_grad(vm[0]), vm[1]),
    """``(std, mean)`` over ``dim`` in one call (see `std`).

    Examples
    --------
    >>> std_mean(np.array([1.0, 3.0]), correction=0)
    (np.float64(1.0), np.float64(2.0))
    """,
)


def _lower_median(x: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """The lower of the two middle elements of all of ``x`` (NaN when ``x`` holds a NaN)."""
    flat = np.sort(x, axis=None)
    out = flat[(flat.size - 1) // 2] if not np.isnan(flat[-1]) else flat[-1]
    return np.reshape(out, (1,) * x.ndim if keepdims else ())


class Median(Amax):
    """The lower median of all elements; the elements equal to it share the gradient evenly."""

    __slots__ = ()
    name = "median"
    reduce = staticmethod(_lower_median)


@export()
def median(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The lower median: of all elements (``median()``, NaN if one is NaN; tied elements share
    the gradient), or ``(values, indices)`` along ``dim`` (the gradient going to the index).

    Examples
    --------
    >>> x = np.array([[1.0, 5.0, 2.0, 4.0]])
    >>> median(x), median(x, 1)
    (np.float64(2.0), ValuesIndices(values=array([2.]), indices=array([2])))
    """
    raw = input.data if isinstance(input, Node) else np.asarray(input)
    if raw.size == 0:
        raise OpError(f"median: the input of shape {raw.shape} has no elements")
    if dim is None:
        return Median(tuple(range(raw.ndim)), False)(input)
    (d,) = normalize_dims(dim, raw.ndim, "median")
    if raw.ndim == 0:
        return pick_along(input, np.zeros((), np.int64), 0, keepdim)
    order = np.argsort(raw, axis=d, kind="stable")
    middle = np.take(order, [(raw.shape[d] - 1) // 2], axis=d)
    nan = np.isnan(raw)
    first_nan = np.argmax(nan, axis=d, keepdims=True)
    index = np.where(np.any(nan, axis=d, keepdims=True), first_nan, middle)
    return pick_along(input, index.astype(np.int64), d, keepdim)


@export()
def mode(input: Any, dim: int = -1, keepdim: bool = False) -> ValuesIndices:  # noqa: A002
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and the
    index of its last occurrence: ``(values, indices)``; the gradient goes to that index.

    Examples
    --------
    >>> mode(np.array([[3.0, 1.0, 3.0, 1.0, 2.0]]))
    ValuesIndices(values=array([1.]), indices=array([3]))
    """
    raw = input.data if isinstance(input, Node) else np.asarray(input)
    (d,) = normalize_dims(dim, raw.ndim, "mode")
    if raw.ndim == 0:
        return pick_along(input, np.zeros((), np.int64), 0, keepdim)
    n = raw.shape[d]
    if n == 0:
        raise OpError(f"mode: cannot take the mode of an input of shape {raw.shape} along dim {d}")
    rows = np.moveaxis(raw, d, -1)
    s = np.sort(rows, axis=-1)
    pos = np.arange(n)
    starts = np.concatenate([np.ones(s.shape[:-1] + (1,), bool), s[..., 1:] != s[..., :-1]], -1)
    run = pos - np.maximum.accumulate(np.where(starts, pos, 0), axis=-1) + 1
    best = np.argmax(run == run.max(axis=-1, keepdims=True), axis=-1)
    value = np.take_along_axis(s, best[..., None], -1)
    last = n - 1 - np.argmax((rows == value)[..., ::-1], axis=-1)
    index = np.expand_dims(last, d).astype(np.int64)
    return pick_along(input, index, d, keepdim)
