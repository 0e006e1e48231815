"""Reductions over axes: sum (the primitive), mean, amax and amin, max and min, logsumexp, any
and all, argmax and argmin; softmax and log-softmax.

``amax`` and ``amin`` (and ``max()``/``min()`` of a whole tensor) send the gradient to the
elements that attain the extremum, split evenly among ties, as PyTorch does. ``max(dim)`` and
``min(dim)`` return ``(values, indices)``, and the gradient goes to the index picked: the values
are taken with `take_along`, which indexes the input, so every order of derivative follows from
`getitem`'s rule.

Softmax and log-softmax subtract the maximum over the axis first: that leaves the results
unchanged and keeps every exponent at most 0, so inputs of any magnitude give finite results
(exponents far below 0 underflow quietly to 0). Both rules use only the output, so they
differentiate again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import numpy as np

from ..engine import Node
from .base import Op
from .cast import as_dtype_of
from .errors import OpError
from .indexing import getitem
from .registry import export
from .select import maximum, minimum, where
from .shape import broadcast_to, normalize_dims, reshape, shape_of, squeeze
from .unary import exp

Dims = int | tuple[int, ...] | None


def reduced_dims(dim: Dims, ndim: int, op: str) -> tuple[int, ...]:
    """``dim`` as a sorted tuple of non-negative dims; every dim when it is None.

    As in PyTorch, a 0-d input accepts dim 0 and -1, which name no dim to reduce.

    Examples
    --------
    >>> reduced_dims(-1, 3, "sum"), reduced_dims(None, 2, "sum"), reduced_dims(0, 0, "sum")
    ((2,), (0, 1), ())
    """
    if dim is None:
        return tuple(range(ndim))
    dims = normalize_dims(dim, ndim, op)
    return tuple(sorted(dims)) if ndim else ()


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as length 1 (the ``keepdims=True`` shape)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class OverAxes(Op, params=("axes",)):
    """An op along ``axes`` (sorted non-negative dims, PyTorch's ``dim``)."""

    axes: tuple[int, ...]

    def extra_repr(self) -> str:
        return f"dim={self.axes}"


class Reduction(OverAxes, params=("axes", "keepdims")):
    """A reduction over ``axes``, which stay as length 1 when ``keepdims``."""

    keepdims: bool

    def extra_repr(self) -> str:
        return super().extra_repr() + (", keepdim=True" if self.keepdims else "")


class Sum(Reduction):
    """The sum over ``axes``; its gradient broadcasts back over them."""

    name = "sum"

    def forward(self, x: np.ndarray) -> np.ndarray:
        # np.add.reduce is what np.sum calls on an array (the same bits), without its Python layer
        out: np.ndarray = np.add.reduce(x, axis=self.axes, keepdims=self.keepdims)  # type: ignore[call-overload]
        return out

    def backward(self, g: Any) -> tuple[Any, ...]:
        shape = self.parents[0].shape
        if not self.keepdims and len(self.axes) < len(shape):  # a 0-d g broadcasts as it is
            g = reshape(g, kept_shape(shape, self.axes))
        return (broadcast_to(g, shape),)


class DtypeReduction(Protocol):
    """The public function of a reduction declared with `reduction`: PyTorch's signature of
    ``sum``, ``mean`` and ``prod``."""

    def __call__(
        self,
        input: Any,  # noqa: A002 - PyTorch's names
        dim: Dims = None,
        keepdim: bool = False,
        *,
        dtype: Any = None,
    ) -> Any: ...


def reduction(body: Callable[[Any, tuple[int, ...], bool], Any]) -> DtypeReduction:
    """Declare a reduction with PyTorch's ``(input, dim=None, keepdim=False, *, dtype=None)``
    from ``body(x, dims, keepdim)``, which gets the input converted to ``dtype`` (when given)
    and ``dim`` as `reduced_dims` (sorted non-negative dims, every dim for None).

    The public function has the body's name and docstring, and calls the body directly.
    """
    op = body.__name__

    def fn(
        input: Any,  # noqa: A002 - PyTorch's names
        dim: Dims = None,
        keepdim: bool = False,
        *,
        dtype: Any = None,
    ) -> Any:
        x = input if dtype is None else as_dtype_of(input, dtype, op)  # no call for the default
        return body(x, reduced_dims(dim, len(shape_of(x)), op), keepdim)

    fn.__name__, fn.__qualname__, fn.__doc__ = op, body.__qualname__, body.__doc__
    fn.__module__ = body.__module__
    return export()(fn)


@reduction
def sum(x: Any, dims: tuple[int, ...], keepdim: bool) -> Any:  # noqa: A001 - PyTorch's name
    """The sum over ``dim`` (an int, a tuple, or None for every dim); with ``dtype``, of the
    input converted to it first."""
    return Sum(dims, keepdim)(x)


@reduction
def mean(x: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
    """The mean over ``dim``: the sum divided by the count (NaN over an empty dim, as in
    PyTorch); with ``dtype``, of the input converted to it first."""
    shape = shape_of(x)
    count = math.prod([shape[d] for d in dims])
    total = Sum(dims, keepdim)(x)
    return total / count if count else total * np.nan


class Amax(Reduction):
    """The largest element over ``axes``; tied maxima share the gradient evenly (PyTorch's
    ``amax``). `Amin` is the same with the smallest."""

    name = "amax"
    reduce: Any = staticmethod(np.max)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return type(self).reduce(x, axis=self.axes, keepdims=self.keepdims)  # type: ignore[no-any-return]

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.raw_inputs
        # A NaN is the extremum of its slice (numpy propagates it), so it takes the gradient.
        hit = (x == type(self).reduce(x, axis=self.axes, keepdims=True)) | np.isnan(x)
        count = np.sum(hit, axis=self.axes, keepdims=True).astype(x.dtype)
        kept = reshape(g, kept_shape(x.shape, self.axes))
        return (where(hit, broadcast_to(kept / count, x.shape), 0.0),)


class Amin(Amax):
    """The smallest element over ``axes``; tied minima share the gradient evenly."""

    name = "amin"
    reduce = staticmethod(np.min)


@export()
def amax(input: Any, dim: Dims = (), keepdim: bool = False) -> Any:  # noqa: A002
    """The largest element over ``dim`` (an int or a tuple; every dim when ``()`` or None); tied
    maxima share the gradient evenly, as in PyTorch.

    Examples
    --------
    >>> amax(np.array([[1.0, 4.0], [3.0, 2.0]]), dim=1)
    array([4., 3.])
    """
    return Amax(_nonempty_dims(dim, input, "amax"), keepdim)(input)


@export()
def amin(input: Any, dim: Dims = (), keepdim: bool = False) -> Any:  # noqa: A002
    """The smallest element over ``dim`` (every dim when ``()`` or None); tied minima share the
    gradient evenly.

    Examples
    --------
    >>> amin(np.array([[1.0, 4.0], [3.0, 2.0]]), dim=0)
    array([1., 2.])
    """
    return Amin(_nonempty_dims(dim, input, "amin"), keepdim)(input)


def _nonempty_dims(dim: Dims, x: Any, op: str) -> tuple[int, ...]:
    """The dims to reduce (PyTorch reads ``dim=()`` as every dim), or an error where one is
    empty: an extremum of nothing is undefined."""
    shape = shape_of(x)
    axes = reduced_dims(None if dim == () else dim, len(shape), op)
    if 0 in [shape[a] for a in axes]:
        raise OpError(f"{op}: cannot reduce an input of shape {shape} over an empty dim")
    return axes


class ValuesIndices(NamedTuple):
    """The ``(values, indices)`` pair of `max`, `min`, `median`, `mode`, `cummax`, `cummin` (as
    PyTorch's ``torch.return_types``): unpacks as a tuple, or read ``.values`` and ``.indices``."""

    values: Any
    indices: Any


def take_along(x: Any, index: np.ndarray, dim: int) -> Any:
    """The elements of ``x`` at positions ``index`` along ``dim`` (``index`` has ``x``'s shape,
    any length along ``dim``): numpy's ``take_along_axis``, differentiable through `getitem`, so
    the gradient goes to the positions taken."""
    shape = index.shape
    parts = tuple(
        index if d == dim else np.arange(n).reshape((n,) + (1,) * (len(shape) - d - 1))
        for d, n in enumerate(shape)
    )
    return getitem(x, parts if shape else ...)


def pick_along(x: Any, index: np.ndarray, dim: int, keepdim: bool) -> ValuesIndices:
    """``(values, indices)`` for one index per slice along ``dim`` (``index`` of the kept shape):
    the values come from `take_along`, so the gradient goes to the index picked."""
    values = take_along(x, index, dim)
    if not keepdim and index.ndim:
        values, index = squeeze(values, dim), np.squeeze(index, dim)
    out_index = type(x)._wrap(index) if isinstance(x, Node) else index
    return ValuesIndices(values, out_index)


def _extremum(x: Any, dim: Any, keepdim: bool, op: str, pick: Any, elementwise: Any) -> Any:
    if dim is None:
        if keepdim:
            raise TypeError(f"{op}: keepdim needs a dim (got keepdim=True without one)")
        return (Amax if op == "max" else Amin)(_nonempty_dims(None, x, op), False)(x)
    if isinstance(dim, Node | np.ndarray):
        return elementwise(x, dim)
    if isinstance(dim, tuple | list):
        raise TypeError(
            f"{op}: dim must be one int, not {dim!r}; use a{op}(dim={tuple(dim)}) to reduce over "
            "several dims"
        )
    raw = x.data if isinstance(x, Node) else np.asarray(x)
    (d,) = _nonempty_dims(dim, raw, op) or (0,)
    index = (pick(raw, axis=d, keepdims=True) if raw.ndim else np.zeros((), np.int64)).astype(
        np.int64
    )
    return pick_along(x, index, d, keepdim)


@export()
def max(input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """PyTorch's three ``max``: the largest element of ``input`` (``max()``; tied maxima share
    the gradient); the named pair ``(values, indices)`` along one ``dim`` (``max(dim)``, the
    gradient going to the index picked, the first among ties); or, given a tensor in place of
    ``dim``, the elementwise `maximum`. `amax` reduces over several dims.

    Examples
    --------
    >>> x = np.array([[1.0, 4.0], [3.0, 2.0]])
    >>> max(x), max(x, 1)
    (np.float64(4.0), ValuesIndices(values=array([4., 3.]), indices=array([1, 0])))
    """
    return _extremum(input, dim, keepdim, "max", np.argmax, maximum)


@export()
def min(input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """PyTorch's three ``min``: the smallest element, the pair ``(values, indices)`` along one
    ``dim``, or the elementwise `minimum` with a tensor (see `max`).

    Examples
    --------
    >>> x = np.array([[1.0, 4.0], [3.0, 2.0]])
    >>> min(x), min(x, 0).indices
    (np.float64(1.0), array([0, 1]))
    """
    return _extremum(input, dim, keepdim, "min", np.argmin, minimum)


class LogSumExp(Reduction):
    """``log(sum(exp(x)))`` over ``axes``, computed after subtracting the maximum; the rule
    ``g * exp(x - y)`` has every exponent at most 0, so it is as stable as the forward."""

    name = "logsumexp"

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            shift = np.zeros(kept_shape(x.shape, self.axes), x.dtype)
        else:
            shift = np.max(x, axis=self.axes, keepdims=True)
            shift = np.where(np.isfinite(shift), shift, 0)  # all -inf, or an inf: no shift
        with np.errstate(divide="ignore"):  # log(0) = -inf where every term is -inf
            out = np.log(np.add.reduce(np.exp(x - shift), axis=self.axes, keepdims=True)) + shift
        return out if self.keepdims else np.squeeze(out, self.axes)

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.inputs
        shape = self.parents[0].shape
        kept = kept_shape(shape, self.axes)
        y = broadcast_to(reshape(self.output, kept), shape)
        return (broadcast_to(reshape(g, kept), shape) * exp(x - y),)


@export()
def logsumexp(input: Any, dim: Dims = None, keepdim: bool = False) -> Any:  # noqa: A002
    """``log(sum(exp(input)))`` over ``dim``, finite for inputs of any magnitude (every dim when
    None, which PyTorch requires you to name).

    Examples
    --------
    >>> round(float(logsumexp(np.array([1000.0, 1000.0 + np.log(3.0)]))) - 1000.0, 12)  # log 4
    1.38629436112
    """
    return LogSumExp(reduced_dims(dim, len(shape_of(input)), "logsumexp"), keepdim)(input)


def _truth(fn: Any, x: Any, dim: Dims, keepdim: bool, op: str) -> Any:
    raw = x.data if isinstance(x, Node) else np.asarray(x)
    axes = reduced_dims(dim, raw.ndim, op)
    out = np.asarray(fn(raw, axis=axes, keepdims=keepdim), dtype=np.bool_)
    return type(x)._wrap(out) if isinstance(x, Node) else out


@export()
def any(input: Any, dim: Dims = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """Whether any element over ``dim`` is nonzero (every dim when None); boolean, no gradient.

    Examples
    --------
    >>> any(np.array([[0.0, 1.0], [0.0, 0.0]]), dim=1)
    array([ True, False])
    """
    return _truth(np.any, input, dim, keepdim, "any")


@export()
def all(input: Any, dim: Dims = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """Whether every element over ``dim`` is nonzero, as `any` (True over no elements).

    Examples
    --------
    >>> all(np.array([[0.0, 1.0], [2.0, 3.0]]), dim=1), all(np.zeros(0))
    (array([False,  True]), array(True))
    """
    return _truth(np.all, input, dim, keepdim, "all")


def _shifted(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """``x`` minus its maximum over ``axes``: every entry at most 0, the largest exactly 0."""
    return x - np.maximum.reduce(x, axis=axes, keepdims=True)


class Softmax(OverAxes):
    """``exp(x)`` over its sum along ``axes``; the rule is ``y * (g - sum(g * y))``."""

    name = "softmax"

    def forward(self, x: np.ndarray) -> np.ndarray:
        e = np.exp(_shifted(x, self.axes))
        return e / np.add.reduce(e, axis=self.axes, keepdims=True)  # type: ignore[no-any-return]

    def backward(self, g: Any) -> tuple[Any, ...]:
        y = self.output
        return (y * (g - sum(g * y, self.axes, keepdim=True)),)


class LogSoftmax(OverAxes):
    """``x`` minus the log of the sum of ``exp(x)``; the rule is ``g - exp(y) * sum(g)``."""

    name = "log_softmax"

    def forward(self, x: np.ndarray) -> np.ndarray:
        z = _shifted(x, self.axes)
        return z - np.log(np.add.reduce(np.exp(z), axis=self.axes, keepdims=True))

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (g - exp(self.output) * sum(g, self.axes, keepdim=True),)


@export(functional=True)
def softmax(input: Any, dim: Dims = -1) -> Any:  # noqa: A002 - PyTorch's name
    """``exp(input)`` normalised to sum to 1 over ``dim``, stable for inputs of any magnitude.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    return Softmax(reduced_dims(dim, len(shape_of(input)), "softmax"))(input)


@export(functional=True)
def log_softmax(input: Any, dim: Dims = -1) -> Any:  # noqa: A002 - PyTorch's name
    """``input - log(sum(exp(input)))`` over ``dim``, computed without overflow or ``log(0)``.

    Examples
    --------
    >>> import numpy as np
    >>> np.exp(log_softmax(np.array([0.0, np.log(3.0)])))
    array([0.25, 0.75])
    """
    return LogSoftmax(reduced_dims(dim, len(shape_of(input)), "log_softmax"))(input)


def _index_of(pick: Any, input: Any, dim: int | None, keepdim: bool, op: str) -> Any:  # noqa: A002
    raw = input.data if isinstance(input, Node) else np.asarray(input)
    if dim is not None:
        (dim,) = normalize_dims(dim, raw.ndim, op)
        out = pick(raw, axis=dim, keepdims=keepdim) if raw.ndim else np.zeros((), np.int64)
    else:
        out = pick(raw.reshape(-1))
        if keepdim:
            out = np.reshape(out, (1,) * raw.ndim)
    out = np.asarray(out, dtype=np.int64)
    return type(input)._wrap(out) if isinstance(input, Node) else out


@export()
def argmax(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The index of the largest element along ``dim`` (of the flattened input when None); no
    gradient.

    Examples
    --------
    >>> argmax(np.array([[1.0, 4.0], [3.0, 2.0]]), dim=1)
    array([1, 0])
    """
    return _index_of(np.argmax, input, dim, keepdim, "argmax")


@export()
def argmin(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The index of the smallest element, as `argmax` gives the largest; the first among ties.

    Examples
    --------
    >>> argmin(np.array([2.0, 1.0, 1.0]))
    array(1)
    """
    return _index_of(np.argmin, input, dim, keepdim, "argmin")
