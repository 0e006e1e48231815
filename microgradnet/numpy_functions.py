"""numpy's functions on `Tensor`s: ufuncs and array functions that return Tensors and record.

``np.exp(t)``, ``np.sum(t, axis=0)``, ``np.concatenate([t, a])``, ``array * t`` reach `Tensor`
through numpy's dispatch protocols (``__array_ufunc__`` and ``__array_function__``) and are run by
the operation of the same meaning in the table of operations, with numpy's keywords translated
(``axis`` for ``dim``, ``keepdims`` for ``keepdim``, ``ddof`` for ``correction``). So numpy code
becomes differentiable without edits.

Functions whose results carry no gradient (comparisons, ``isnan``, ``allclose``, ``shape``,
``argsort``, integer arithmetic, ...) run on the data. Any other function without a rule here
raises a `TypeError` naming the Tensor method to use when an input requires grad (its gradient
would be lost silently); without one, it runs on the data too. Results that are arrays come back
as Tensors; ``np.asarray(t)`` gives the data itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import ops
from .engine import Node, this_thread
from .ops.registry import TABLE
from .ops.shape import normalize_dims

#: numpy ufunc name -> the operation's name in the table, where they differ.
_UFUNC_NAMES = {
    "absolute": "abs",
    "fabs": "abs",
    "subtract": "sub",
    "multiply": "mul",
    "true_divide": "div",
    "divide": "div",
    "power": "pow",
    "negative": "neg",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
    "arctan2": "atan2",
    "rint": "round",
    "mod": "remainder",
    "float_power": "pow",
}

#: ufunc.reduce -> the reduction of the table.
_UFUNC_REDUCTIONS = {"add": "sum", "multiply": "prod", "maximum": "amax", "minimum": "amin"}

#: Array functions whose results carry no gradient: they run on the data.
_DATA_FUNCTIONS = {
    np.shape, np.ndim, np.size, np.allclose, np.array_equal, np.array_equiv, np.isclose,
    np.count_nonzero, np.nonzero, np.flatnonzero, np.argwhere, np.argsort, np.argmax, np.argmin,
    np.any, np.all, np.may_share_memory, np.shares_memory, np.result_type, np.iscomplexobj,
    np.isrealobj, np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.searchsorted,
    np.array_repr, np.array_str, np.array2string, np.save, np.isneginf, np.isposinf,
}  # fmt: skip

#: A hint for the message of a function with no rule: the Tensor method that does the same.
_HINTS = {
    "sort": "Tensor.sort (where available) or index with argsort",
    "median": "Tensor.median",
    "dot": "Tensor.matmul (np.dot of arrays with more than 2 dims is not matmul)",
}


def _data(x: Any) -> Any:
    """``x`` with every Tensor (also inside lists and tuples) replaced by its array."""
    if isinstance(x, Node):
        return x.data
    if isinstance(x, list | tuple):
        return type(x)(_data(e) for e in x)
    return x


def _nodes(x: Any) -> list[Node]:
    if isinstance(x, Node):
        return [x]
    if isinstance(x, list | tuple):
        return [n for e in x for n in _nodes(e)]
    return []


def _records(args: Any) -> bool:
    return this_thread.switches.grad_enabled and any(n.requires_grad for n in _nodes(args))


def _wrap(out: Any, like: type) -> Any:
    """Arrays in a result as Tensors (of the class ``like``); everything else unchanged."""
    if isinstance(out, Node):
        return out
    if isinstance(out, np.ndarray):
        return like._wrap(out)  # type: ignore[attr-defined]
    if isinstance(out, tuple) and not hasattr(out, "_fields"):
        return tuple(_wrap(o, like) for o in out)
    if isinstance(out, list):
        return [_wrap(o, like) for o in out]
    return out


def _op(name: str) -> Callable[..., Any] | None:
    entry = TABLE.get(name)
    return None if entry is None else entry.fn


def _unsupported(what: str, name: str) -> TypeError:
    hint = _HINTS.get(name, f"the Tensor method or microgradnet.{name}, where one exists")
    return TypeError(
        f"{what} has no rule for Tensors that require grad, so its gradient would be lost; use "
        f"{hint}, or call it on t.detach().numpy() for the values alone"
    )


def _on_data(fn: Callable[..., Any], args: Any, kwargs: dict[str, Any], like: type) -> Any:
    """``fn`` run on the arrays of the Tensors in ``args`` and ``kwargs``; ``out`` Tensors are
    written in place (their version moves)."""
    out = kwargs.get("out")
    result = fn(*_data(args), **{k: _data(v) for k, v in kwargs.items()})
    for t in _nodes(out):
        t._version += 1  # type: ignore[misc]
    if out is not None:
        return out[0] if isinstance(out, tuple) and len(out) == 1 else out
    return _wrap(result, like)


# ----------------------------------------------------------------------------------- ufuncs


def _scalar(x: Any) -> Any:
    """numpy scalars as Python numbers, which take the other operand's dtype (as in PyTorch)."""
    return x.item() if isinstance(x, np.generic) else x


def _ufunc_call(ufunc: np.ufunc, inputs: tuple[Any, ...]) -> Any:
    name = _UFUNC_NAMES.get(ufunc.__name__, ufunc.__name__)
    if name == "positive":
        return inputs[0]
    fn = _op(name)
    if fn is None:
        return None
    return fn(*[_scalar(x) for x in inputs])


def _ufunc_reduce(ufunc: np.ufunc, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    fn = _op(_UFUNC_REDUCTIONS.get(ufunc.__name__, ""))
    if fn is None or set(kwargs) - {"axis", "keepdims"}:
        return None
    axis = kwargs.get("axis", 0)
    x = inputs[0]
    if axis is None:
        x, axis = ops.reshape(x, -1), 0
    return fn(x, dim=axis, keepdim=kwargs.get("keepdims", False))


def _no_gradient(ufunc: np.ufunc, inputs: tuple[Any, ...]) -> bool:
    """Whether the ufunc's result can carry no gradient: boolean results, integer inputs."""
    if all(t.endswith("?") for t in ufunc.types):
        return True
    dtypes = [np.result_type(_data(x)) for x in inputs]
    return all(dt.kind in "biu" for dt in dtypes)


def array_ufunc(
    like: type, ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """``ufunc`` (called as ``method``) on inputs of which some are Tensors of class ``like``."""
    what = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    dtype = kwargs.pop("dtype", None)
    records = _records((inputs, kwargs.get("out")))
    if kwargs.get("out") is not None:
        if records:
            raise TypeError(
                f"{what}: out= cannot hold a result that records the graph (an input requires "
                "grad); assign the returned Tensor instead"
            )
        return _on_data(getattr(ufunc, method), inputs, {**kwargs, "dtype": dtype}, like)
    kwargs.pop("out", None)
    result = None
    if method == "__call__" and not kwargs:
        result = _ufunc_call(ufunc, inputs)
    elif method == "reduce":
        result = _ufunc_reduce(ufunc, inputs, kwargs)
    if result is None:
        if records and not _no_gradient(ufunc, inputs):
            raise _unsupported(what, _UFUNC_NAMES.get(ufunc.__name__, ufunc.__name__))
        result = _on_data(getattr(ufunc, method), inputs, kwargs, like)
    result = _wrap(result, like)
    return result if dtype is None else ops.to(result, dtype)


# -------------------------------------------------------------------------- array functions


def _reduction(name: str) -> Callable[..., Any]:
    """numpy's ``f(a, axis=None, keepdims=False)`` as the table's ``name(input, dim, keepdim)``."""

    def call(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        fn = _op(name)
        if fn is None:
            return None
        return fn(a, dim=axis, keepdim=keepdims)

    return call


def _extremum(name: str, fallback: str) -> Callable[..., Any]:
    """``np.max`` and ``np.min``: ``amax``/``amin`` (values only, ties share the gradient)."""

    def call(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        fn = _op(name) or _op(fallback)
        return None if fn is None else fn(a, dim=axis, keepdim=keepdims)

    return call


def _spread(name: str) -> Callable[..., Any]:
    """``np.var`` and ``np.std``: numpy's ``ddof`` is PyTorch's ``correction``."""

    def call(a: Any, axis: Any = None, keepdims: bool = False, ddof: float = 0) -> Any:
        fn = _op(name)
        return None if fn is None else fn(a, dim=axis, keepdim=keepdims, correction=ddof)

    return call


def _scan(name: str) -> Callable[..., Any]:
    """``np.cumsum`` and ``np.cumprod``: without ``axis``, over the flattened input."""

    def call(a: Any, axis: int | None = None) -> Any:
        fn = _op(name)
        if fn is None:
            return None
        return fn(ops.reshape(a, -1), 0) if axis is None else fn(a, axis)

    return call


def _concatenate(arrays: Sequence[Any], axis: int | None = 0) -> Any:
    if axis is None:
        return ops.cat([ops.reshape(a, -1) for a in arrays], 0)
    return ops.cat(list(arrays), axis)


def _stack(arrays: Sequence[Any], axis: int = 0) -> Any:
    return ops.stack(list(arrays), axis)


def _where(condition: Any, *xy: Any) -> Any:
    if not xy:
        return None  # np.where(condition) is np.nonzero: no gradient, run on the data
    return ops.where(condition, *xy)


def _reshape(a: Any, shape: Any = None, order: str = "C", *, newshape: Any = None) -> Any:
    if order != "C":
        return None
    return ops.reshape(a, shape if newshape is None else newshape)


def _transpose(a: Any, axes: Any = None) -> Any:
    return ops.reverse_dims(a) if axes is None else ops.permute(a, axes)


def _clip(a: Any, a_min: Any = None, a_max: Any = None) -> Any:
    return ops.clamp(a, a_min, a_max)


def _matmul_2d(a: Any, b: Any) -> Any:
    if len(np.shape(_data(a))) > 2 or len(np.shape(_data(b))) > 2:
        return None
    if not np.shape(_data(a)) or not np.shape(_data(b)):
        return ops.mul(a, b)
    return ops.matmul(a, b)


def _outer(a: Any, b: Any) -> Any:
    return ops.mul(ops.reshape(a, (-1, 1)), ops.reshape(b, (1, -1)))


def _flip(m: Any, axis: Any = None) -> Any:
    ndim = len(np.shape(_data(m)))
    axes = range(ndim) if axis is None else normalize_dims(axis, ndim, "flip")
    index = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(ndim))
    return ops.getitem(m, index)


def _split(ary: Any, indices_or_sections: Any, axis: int = 0) -> Any:
    n = np.shape(_data(ary))[axis]
    if isinstance(indices_or_sections, int | np.integer):
        if n % indices_or_sections:
            return None  # numpy raises; let it say why
        step = n // int(indices_or_sections)
        bounds = list(range(0, n + 1, step)) if step else [0] * (int(indices_or_sections) + 1)
    else:
        bounds = [0, *indices_or_sections, n]
    lead = (slice(None),) * (axis % len(np.shape(_data(ary))))
    return [ops.getitem(ary, (*lead, slice(lo, hi))) for lo, hi in itertools.pairwise(bounds)]


def _take(a: Any, indices: Any, axis: int | None = None) -> Any:
    if axis is None:
        return ops.getitem(ops.reshape(a, -1), indices)
    ndim = len(np.shape(_data(a)))
    (axis,) = normalize_dims(axis, ndim, "take")
    return ops.getitem(a, (slice(None),) * axis + (np.asarray(_data(indices)),))


def _take_along_axis(arr: Any, indices: Any, axis: int | None) -> Any:
    fn = _op("take_along_dim")
    return None if fn is None else fn(arr, indices, axis)


def _trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    fn = _op("diagonal")
    return None if fn is None else ops.sum(fn(a, offset, axis1, axis2), -1)


def _renamed(name: str, **renames: str) -> Callable[..., Any]:
    """numpy's function as the table's ``name``, with numpy's keywords renamed."""

    def call(*args: Any, **kwargs: Any) -> Any:
        fn = _op(name)
        if fn is None:
            return None
        return fn(*args, **{renames.get(k, k): v for k, v in kwargs.items()})

    return call


def _squeeze(a: Any, axis: Any = None) -> Any:
    return ops.squeeze(a, axis)


def _norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
    fn = _op("norm")
    if fn is None or ord not in (None, 2, "fro"):
        return None
    if ord == 2 and ((axis is None and len(np.shape(_data(x))) > 1) or isinstance(axis, tuple)):
        return None  # the spectral norm
    return fn(x, dim=axis, keepdim=keepdims)


_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.sum: _reduction("sum"), np.mean: _reduction("mean"), np.prod: _reduction("prod"),
    np.max: _extremum("amax", "max"), np.min: _extremum("amin", "min"),
    np.amax: _extremum("amax", "max"), np.amin: _extremum("amin", "min"),
    np.var: _spread("var"), np.std: _spread("std"),
    np.cumsum: _scan("cumsum"), np.cumprod: _scan("cumprod"),
    np.concatenate: _concatenate, np.stack: _stack, np.where: _where, np.reshape: _reshape,
    np.ravel: lambda a: ops.reshape(a, -1), np.transpose: _transpose,
    np.swapaxes: lambda a, axis1, axis2: ops.transpose(a, axis1, axis2),
    np.moveaxis: _renamed("movedim"), np.squeeze: _squeeze,
    np.expand_dims: lambda a, axis: ops.unsqueeze(a, axis),
    np.broadcast_to: lambda array, shape: ops.broadcast_to(array, shape), np.clip: _clip,
    np.dot: _matmul_2d, np.outer: _outer, np.einsum: _renamed("einsum"), np.flip: _flip,
    np.split: _split, np.take: _take, np.take_along_axis: _take_along_axis,
    np.tile: _renamed("tile", reps="dims"),
    np.roll: _renamed("roll", shift="shifts", axis="dims"),
    np.repeat: _renamed("repeat_interleave", axis="dim"),
    np.diagonal: _renamed("diagonal", axis1="dim1", axis2="dim2"), np.trace: _trace,
    np.tril: _renamed("tril", k="diagonal"), np.triu: _renamed("triu", k="diagonal"),
    np.round: _renamed("round"), np.around: _renamed("round"), np.copy: lambda a: ops.clone(a),
    np.linalg.norm: _norm,
}  # fmt: skip


def array_function(
    like: type, func: Any, types: Sequence[type], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """numpy's array function ``func`` called with arguments of which some are Tensors."""
    if not all(issubclass(t, Node | np.ndarray) for t in types):
        return NotImplemented
    what = f"numpy.{func.__name__}"
    if func in _DATA_FUNCTIONS:
        return _on_data(func, args, kwargs, like)
    records = _records((args, kwargs))
    if kwargs.get("out") is not None:
        if records:
            raise TypeError(f"{what}: out= cannot hold a result that records the graph")
        return _on_data(func, args, kwargs, like)
    kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    dtype = kwargs.pop("dtype", None)
    rule = _FUNCTIONS.get(func)
    result = None
    if rule is not None:
        result = rule(*args, **kwargs)
    if result is None:
        if records:
            raise _unsupported(what, func.__name__)
        result = _on_data(func, args, {**kwargs, "dtype": dtype} if dtype else kwargs, like)
        return result
    result = _wrap(result, like)
    return result if dtype is None else ops.to(result, dtype)
