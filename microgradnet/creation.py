"""Making tensors: ``zeros``, ``ones``, ``full``, ``arange``, ``linspace``, ``eye``, random draws,
the ``*_like`` forms and ``from_numpy``, with PyTorch's signatures.

Sizes come as separate ints or as one tuple (``zeros(2, 3)`` or ``zeros((2, 3))``); every function
takes ``dtype=`` and ``requires_grad=``. Floating results have the default dtype (float64 unless
`set_default_dtype` says otherwise); random draws come from the generator `manual_seed` seeds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import random as _random
from .engine import Node
from .ops.cast import as_dtype
from .ops.errors import DtypeError, OpError
from .tensor import Tensor, get_default_dtype, sizes

__all__ = [
    "arange", "empty", "empty_like", "eye", "from_numpy", "full", "full_like", "linspace",
    "normal", "ones", "ones_like", "rand", "rand_like", "randint", "randint_like", "randn",
    "randn_like", "zeros", "zeros_like",
]  # fmt: skip


def _dtype(dtype: Any, default: Any, op: str) -> np.dtype:
    return as_dtype(default if dtype is None else dtype, op)


def _made(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(data, requires_grad=requires_grad)


def _generator(generator: np.random.Generator | None) -> np.random.Generator:
    return _random.default_generator if generator is None else generator


def _uniform(generator: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return generator.random(shape)


def _standard_normal(generator: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return generator.standard_normal(shape)


def _drawn(
    op: str,
    shape: tuple[int, ...],
    dtype: Any,
    requires_grad: bool,
    generator: np.random.Generator | None,
    draw: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray],
) -> Tensor:
    """The tensor of ``draw(generator, shape)`` in ``dtype`` (the default float dtype if None)."""
    dt = _dtype(dtype, get_default_dtype(), op)
    return _made(draw(_generator(generator), shape).astype(dt), requires_grad)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of shape ``size``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.zeros(2, 3).shape, mg.zeros((2,), dtype="int64")
    ((2, 3), tensor([0, 0], dtype=int64))
    """
    shape = sizes(size, "zeros")
    return _made(np.zeros(shape, _dtype(dtype, get_default_dtype(), "zeros")), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of shape ``size``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.ones(3)
    tensor([1., 1., 1.])
    """
    shape = sizes(size, "ones")
    return _made(np.ones(shape, _dtype(dtype, get_default_dtype(), "ones")), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size`` (its values are whatever the memory held)."""
    shape = sizes(size, "empty")
    return _made(np.empty(shape, _dtype(dtype, get_default_dtype(), "empty")), requires_grad)


def _fill_dtype(fill_value: Any) -> Any:
    """PyTorch's dtype for a fill value: bool, int64, or the default float dtype."""
    if isinstance(fill_value, bool | np.bool_):
        return np.bool_
    if isinstance(fill_value, int | np.integer):
        return np.int64
    return get_default_dtype()


def full(size: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` repeated to ``size``; the dtype follows the value (int64 for an int).

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.full((2,), 7), mg.full((2,), 0.5)
    (tensor([7, 7], dtype=int64), tensor([0.5, 0.5]))
    """
    shape = sizes((size,), "full")
    dt = _dtype(dtype, _fill_dtype(fill_value), "full")
    return _made(np.full(shape, fill_value, dt), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``start, start + step, ...`` below ``end`` (``arange(n)`` counts from 0); int64 when every
    bound is an int, else the default float dtype.

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.arange(3), mg.arange(0, 1, 0.25)
    (tensor([0, 1, 2], dtype=int64), tensor([0.  , 0.25, 0.5 , 0.75]))
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise OpError("arange: step must not be zero")
    integral = all(isinstance(v, int | np.integer) for v in (start, end, step))
    dt = _dtype(dtype, np.int64 if integral else get_default_dtype(), "arange")
    # Computed in float64 (or int64) first, as PyTorch does, then converted.
    data = np.arange(start, end, step, dtype=np.int64 if integral else np.float64)
    return _made(data.astype(dt), requires_grad)


def linspace(
    start: float, end: float, steps: int, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.linspace(0, 1, 5)
    tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise OpError(f"linspace: steps must be a non-negative int, not {steps!r}")
    dt = _dtype(dtype, get_default_dtype(), "linspace")
    if dt == np.bool_:
        raise DtypeError("linspace: a bool dtype is not supported (PyTorch has none either)")
    return _made(np.linspace(start, end, int(steps)).astype(dt), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The ``n`` by ``m`` (``n`` by ``n``) identity matrix.

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.eye(2, 3)
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    shape = sizes((n,) if m is None else (n, m), "eye")
    dt = _dtype(dtype, get_default_dtype(), "eye")
    return _made(np.eye(shape[0], shape[-1], dtype=dt), requires_grad)


def rand(
    *size: Any,
    dtype: Any = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Uniform draws from [0, 1) of shape ``size``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> _ = mg.manual_seed(0)
    >>> a = mg.rand(3)
    >>> _ = mg.manual_seed(0)
    >>> a.tolist() == mg.rand(3).tolist(), a.shape
    (True, (3,))
    """
    return _drawn("rand", sizes(size, "rand"), dtype, requires_grad, generator, _uniform)


def randn(
    *size: Any,
    dtype: Any = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Standard normal draws of shape ``size``."""
    return _drawn("randn", sizes(size, "randn"), dtype, requires_grad, generator, _standard_normal)


def randint(
    low: int | None = None,
    high: Any = None,
    size: Any = None,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Integers drawn uniformly from [``low``, ``high``) (``randint(high, size)`` from 0), int64.

    Parameters
    ----------
    low, high : int
        The bounds, ``high`` excluded. As in PyTorch, ``randint(high, size)``,
        ``randint(high, size=size)`` and ``randint(high=high, size=size)`` draw from 0.
    size : tuple of int
        The shape of the result.
    dtype : dtype, optional
        The result's dtype (default int64).
    requires_grad : bool
        Whether autograd records operations on the result.
    generator : numpy.random.Generator, optional
        Where the draws come from (default: the generator `manual_seed` seeds).

    Examples
    --------
    >>> import microgradnet as mg
    >>> x = mg.randint(3, 7, (100,))
    >>> x.dtype, set(x.tolist()) <= {3, 4, 5, 6}
    (dtype('int64'), True)
    >>> mg.randint(2, size=(3,)).shape, mg.randint(high=1, size=(2,)).tolist()
    ((3,), [0, 0])
    """
    if size is None and isinstance(high, tuple | list):
        low, high, size = None, low, high  # randint(high, size)
    elif high is None:
        low, high = None, low  # randint(high, size=size)
    if low is None:
        low = 0
    if high is None or size is None:
        raise TypeError("randint: expected randint(low, high, size) or randint(high, size)")
    if high <= low:
        raise OpError(f"randint: high ({high}) must be greater than low ({low})")
    shape = sizes((size,), "randint")
    dt = _dtype(dtype, np.int64, "randint")
    return _made(_generator(generator).integers(low, high, shape).astype(dt), requires_grad)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Normal draws with ``mean`` and ``std``: numbers with a ``size``, or tensors (broadcast
    together) giving one draw per element.

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.normal(2.0, 0.5, (3,)).shape, mg.normal(mg.zeros(2, 2), 1.0).shape
    ((3,), (2, 2))
    """
    m = mean.data if isinstance(mean, Node) else np.asarray(mean)
    s = std.data if isinstance(std, Node) else np.asarray(std)
    if np.any(s < 0):
        raise OpError("normal: std must be non-negative")
    shape = np.broadcast_shapes(m.shape, s.shape) if size is None else sizes((size,), "normal")
    floats = [a.dtype for a in (m, s) if a.dtype.kind == "f" and a.ndim]
    dt = _dtype(dtype, floats[0] if floats else get_default_dtype(), "normal")
    draw = m + s * _generator(generator).standard_normal(shape)
    return _made(np.asarray(draw).astype(dt), requires_grad)


# ------------------------------------------------------------------------------ the *_like forms


def _like(x: Any, dtype: Any, op: str) -> tuple[tuple[int, ...], np.dtype]:
    data = x.data if isinstance(x, Node) else np.asarray(x)
    return data.shape, _dtype(dtype, data.dtype, op)


def zeros_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Zeros of ``input``'s shape and dtype (or ``dtype``)."""
    shape, dt = _like(input, dtype, "zeros_like")
    return _made(np.zeros(shape, dt), requires_grad)


def ones_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Ones of ``input``'s shape and dtype (or ``dtype``)."""
    shape, dt = _like(input, dtype, "ones_like")
    return _made(np.ones(shape, dt), requires_grad)


def empty_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """An uninitialised tensor of ``input``'s shape and dtype (or ``dtype``)."""
    shape, dt = _like(input, dtype, "empty_like")
    return _made(np.empty(shape, dt), requires_grad)


def full_like(
    input: Any,  # noqa: A002
    fill_value: Any,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``fill_value`` in ``input``'s shape and dtype (or ``dtype``)."""
    shape, dt = _like(input, dtype, "full_like")
    return _made(np.full(shape, fill_value, dt), requires_grad)


def rand_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """`rand` of ``input``'s shape and dtype (or ``dtype``)."""
    shape, dt = _like(input, dtype, "rand_like")
    return rand(shape, dtype=dt, requires_grad=requires_grad)


def randn_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """`randn` of ``input``'s shape and dtype (or ``dtype``)."""
    shape, dt = _like(input, dtype, "randn_like")
    return randn(shape, dtype=dt, requires_grad=requires_grad)


def randint_like(
    input: Any,  # noqa: A002
    low: int,
    high: int | None = None,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """`randint` of ``input``'s shape and dtype (or ``dtype``); ``randint_like(x, high)`` draws
    from [0, ``high``)."""
    shape, dt = _like(input, dtype, "randint_like")
    if high is None:
        low, high = 0, low
    return randint(low, high, shape, dtype=dt, requires_grad=requires_grad)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing ``ndarray``'s memory and dtype: a change to one shows in the other.

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> a = np.zeros(2)
    >>> t = mg.from_numpy(a)
    >>> a[0] = 5.0
    >>> t
    tensor([5., 0.])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, not {type(ndarray).__name__}")
    if ndarray.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: dtype {ndarray.dtype} is not supported")
    return Tensor._wrap(ndarray)
