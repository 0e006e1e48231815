"""PyTorch's type promotion for elementwise operations on two inputs.

numpy and PyTorch agree on most mixes: two arrays of one dtype, a float array with a Python
number, two integer or two floating arrays. They differ where the categories (bool, integer,
floating) mix or a 0-d array is involved:

* the dtype comes from the inputs with dims; a 0-d input only counts when its category is higher
  (``float32 array + float64 0-d`` is float32, where numpy says float64);
* mixing categories keeps the dtype of the higher one (``int32 + float32`` is float32, numpy's
  float64), and a Python float with integers gives the default float dtype (float32 in PyTorch,
  numpy's float64);
* true division and the functions that only give floats (``atan2``, ``copysign``) turn integers
  into the default float dtype.

`promote` casts the inputs of such a mix to PyTorch's dtype before numpy computes; the common
cases return at once. The default float dtype lives here, below `Tensor`, which sets it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: The dtype of tensors made from Python floats: `microgradnet.set_default_dtype` sets it.
DEFAULT: dict[str, np.dtype] = {"dtype": np.dtype(np.float64)}

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_INT64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)


def _category(dtype: np.dtype) -> int:
    return _CATEGORY.get(dtype.kind, 2)


def result_dtype(*operands: Any) -> np.dtype | None:
    """PyTorch's result dtype for ``operands`` (arrays, 0-d arrays, Python numbers); None when
    none of them is an array or a number.

    Examples
    --------
    >>> result_dtype(np.zeros(2, np.int32), np.zeros(2, np.float32))
    dtype('float32')
    >>> result_dtype(np.zeros(2, np.float32), np.float64(1.0)), result_dtype(np.arange(2), 0.5)
    (dtype('float32'), dtype('float64'))
    """
    tiers: tuple[list[np.dtype], list[np.dtype]] = ([], [])
    scalar = -1
    for x in operands:
        if isinstance(x, np.ndarray | np.generic):
            tiers[x.ndim == 0].append(x.dtype)
        elif isinstance(x, bool):
            scalar = max(scalar, 0)
        elif isinstance(x, int):
            scalar = max(scalar, 1)
        elif isinstance(x, float):
            scalar = max(scalar, 2)
    dtype, category = None, -1
    for dtypes in tiers:
        if dtypes:
            top = max(map(_category, dtypes))
            if top > category:
                dtype = np.result_type(*(d for d in dtypes if _category(d) == top))
                category = top
    if scalar > category:
        dtype = (_BOOL, _INT64, DEFAULT["dtype"])[scalar]
    return dtype


def _cast(x: Any, dtype: np.dtype) -> Any:
    if isinstance(x, np.ndarray | np.generic) and x.dtype != dtype:
        return x.astype(dtype)
    return x


def promote(a: Any, b: Any, floating: bool = False) -> tuple[Any, Any]:
    """``a`` and ``b`` (raw data), cast so that numpy computes in PyTorch's result dtype;
    ``floating`` for an operation whose result is floating (true division): integers become the
    default float dtype. Python numbers stay numbers.

    Examples
    --------
    >>> a, b = promote(np.array([1, 2], np.int32), np.array([0.5], np.float32))
    >>> (a + b).dtype
    dtype('float32')
    """
    if (  # the commonest case, checked first
        type(a) is np.ndarray
        and type(b) is np.ndarray
        and a.dtype is b.dtype
        and (not floating or a.dtype.kind == "f")
    ):
        return a, b
    da: np.dtype | None = getattr(a, "dtype", None)
    db: np.dtype | None = getattr(b, "dtype", None)
    if da is None:
        if db is None:  # Python numbers (Value)
            return a, b
        if db.kind == "f":  # a number and a float array: numpy agrees
            return a, b
    elif db is None:
        if da.kind == "f":
            return a, b
    elif da == db and (da.kind == "f" or not floating):  # one dtype: numpy agrees
        return a, b
    elif (
        a.ndim and b.ndim and _category(da) == _category(db) and (da.kind == "f" or not floating)
    ):  # two arrays with dims of one category: numpy promotes as PyTorch does
        return a, b
    want = result_dtype(a, b)
    if want is None:
        return a, b
    if floating and want.kind != "f":
        want = DEFAULT["dtype"]
    if want == np.result_type(a, b):
        return a, b
    return _cast(a, want), _cast(b, want)
