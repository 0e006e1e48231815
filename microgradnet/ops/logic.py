"""Boolean results and bit operations: isnan isinf isfinite isclose, logical_and/or/xor/not,
bitwise_and/or/xor/not; and ``nan_to_num``, which replaces the non-finite values.

Everything but ``nan_to_num`` computes on the data and returns a tensor outside the graph (no
gradient): booleans for the tests and the logical operations, integers (or booleans, for boolean
inputs) for the bit operations, which refuse floating-point inputs as PyTorch does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import Node
from .base import Op
from .errors import DtypeError, OpError
from .promotion import promote, result_dtype
from .registry import export
from .select import where
from .shape import raw_data


def _on_data(result: Any, *args: Any) -> Any:
    """``result`` as a constant node of the kind of the first node among ``args``, if any."""
    for a in args:
        if isinstance(a, Node):
            return type(a)._wrap(np.asarray(result))
    return result


@export()
def isnan(input: Any) -> Any:  # noqa: A002 - PyTorch's name
    """True where ``input`` is NaN.

    Examples
    --------
    >>> isnan(np.array([1.0, np.nan]))
    array([False,  True])
    """
    return _on_data(np.isnan(raw_data(input)), input)


@export()
def isinf(input: Any) -> Any:  # noqa: A002 - PyTorch's name
    """True where ``input`` is ``inf`` or ``-inf``."""
    return _on_data(np.isinf(raw_data(input)), input)


@export()
def isfinite(input: Any) -> Any:  # noqa: A002 - PyTorch's name
    """True where ``input`` is neither infinite nor NaN."""
    return _on_data(np.isfinite(raw_data(input)), input)


@export()
def isclose(
    input: Any,  # noqa: A002 - PyTorch's names
    other: Any,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> Any:
    """True where ``|input - other| <= atol + rtol * |other|`` (equal infinities are close; NaNs
    only with ``equal_nan``); broadcasts.

    Examples
    --------
    >>> isclose(np.array([1.0, 1.1, np.nan]), np.array([1.0 + 1e-9, 1.0, np.nan]))
    array([ True, False, False])
    """
    if rtol < 0 or atol < 0:
        raise OpError(f"isclose: rtol and atol must be non-negative, not {rtol} and {atol}")
    result = np.isclose(raw_data(input), raw_data(other), rtol=rtol, atol=atol, equal_nan=equal_nan)
    return _on_data(result, input, other)


def _logical(name: str, fn: Callable[..., Any], doc: str) -> Callable[..., Any]:
    def logical(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
        return _on_data(fn(raw_data(input), raw_data(other)), input, other)

    logical.__name__ = logical.__qualname__ = name
    logical.__doc__ = doc
    return export()(logical)


logical_and = _logical(
    "logical_and", np.logical_and, "True where both inputs are nonzero; broadcasts."
)
logical_or = _logical(
    "logical_or", np.logical_or, "True where either input is nonzero; broadcasts."
)
logical_xor = _logical(
    "logical_xor", np.logical_xor, "True where exactly one input is nonzero; broadcasts."
)


@export()
def logical_not(input: Any) -> Any:  # noqa: A002 - PyTorch's name
    """True where ``input`` is zero.

    Examples
    --------
    >>> logical_not(np.array([0.0, 2.0]))
    array([ True, False])
    """
    return _on_data(np.logical_not(raw_data(input)), input)


def _integers(name: str, *args: Any) -> list[Any]:
    """The raw data of ``args``, checked to be integers or booleans."""
    raws = [raw_data(a) for a in args]
    for r in raws:
        kind = np.asarray(r).dtype.kind
        if kind not in "biu":
            raise DtypeError(
                f"{name}: needs integer or boolean inputs, not dtype {np.asarray(r).dtype}"
            )
    return raws


def _bitwise(name: str, fn: Callable[..., Any], doc: str) -> Callable[..., Any]:
    def bitwise(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
        return _on_data(fn(*_integers(name, input, other)), input, other)

    bitwise.__name__ = bitwise.__qualname__ = name
    bitwise.__doc__ = doc
    return export()(bitwise)


bitwise_and = _bitwise(
    "bitwise_and",
    np.bitwise_and,
    "The bits set in both integer inputs (``&``; logical and for booleans); broadcasts.",
)
bitwise_or = _bitwise(
    "bitwise_or",
    np.bitwise_or,
    "The bits set in either integer input (``|``; logical or for booleans); broadcasts.",
)
bitwise_xor = _bitwise(
    "bitwise_xor",
    np.bitwise_xor,
    "The bits set in exactly one integer input (``^``; logical xor for booleans); broadcasts.",
)


def _shift(name: str, left: bool, doc: str) -> Callable[..., Any]:
    def shift(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
        a, b = promote(*_integers(name, input, other))
        if getattr(a, "dtype", None) == np.bool_ and getattr(b, "dtype", None) == np.bool_:
            a = a.astype(np.int64)  # PyTorch shifts booleans as int64
        dtype = result_dtype(a, b)
        assert dtype is not None
        count = np.asarray(b)
        beyond = (count < 0) | (count >= 8 * dtype.itemsize)  # numpy leaves these to the machine
        if np.any(beyond):
            b = np.where(beyond, 0, count).astype(dtype)
        out = np.left_shift(a, b) if left else np.right_shift(a, b)
        if np.any(beyond):  # every bit shifted out: 0, or -1 for a negative number shifted right
            out = np.where(beyond, 0 if left else np.where(np.asarray(a) < 0, -1, 0), out)
        return _on_data(np.asarray(out, dtype=dtype), input, other)

    shift.__name__ = shift.__qualname__ = name
    shift.__doc__ = doc
    return export()(shift)


bitwise_left_shift = _shift(
    "bitwise_left_shift",
    True,
    """The bits of an integer input moved ``other`` places up (``<<``), wrapping around the dtype
    as PyTorch does; broadcasts; no gradient.

    Examples
    --------
    >>> bitwise_left_shift(np.array([1, 3], np.int32), 2)
    array([ 4, 12], dtype=int32)
    """,
)
bitwise_right_shift = _shift(
    "bitwise_right_shift",
    False,
    """The bits of an integer input moved ``other`` places down (``>>``, keeping the sign);
    broadcasts; no gradient.

    Examples
    --------
    >>> bitwise_right_shift(np.array([-8, 8], np.int32), 2)
    array([-2,  2], dtype=int32)
    """,
)


@export()
def bitwise_not(input: Any) -> Any:  # noqa: A002 - PyTorch's name
    """Every bit of an integer input flipped (``~x == -x - 1``; logical not for booleans).

    Examples
    --------
    >>> bitwise_not(np.array([5, -1])), bitwise_not(np.array([True, False]))
    (array([-6,  0]), array([False,  True]))
    """
    (raw,) = _integers("bitwise_not", input)
    return _on_data(np.invert(raw), input)


class NanToNum(Op):
    """NaN, ``inf`` and ``-inf`` replaced by numbers; the gradient is 1 where the input is finite
    and 0 where it was replaced (PyTorch)."""

    __slots__ = ("nan", "posinf", "neginf")
    name = "nan_to_num"

    def __init__(self, nan: float, posinf: float | None, neginf: float | None) -> None:
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, x: Any) -> Any:
        return np.nan_to_num(x, copy=True, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, g: Any) -> tuple[Any, ...]:
        (x,) = self.raw_inputs
        return (where(np.isfinite(x), g, 0.0),)

    def extra_repr(self) -> str:
        return f"nan={self.nan}, posinf={self.posinf}, neginf={self.neginf}"


@export()
def nan_to_num(
    input: Any,  # noqa: A002 - PyTorch's names
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> Any:
    """``input`` with NaN replaced by ``nan``, ``inf`` by ``posinf`` and ``-inf`` by ``neginf``
    (by default the largest and the smallest finite numbers of the dtype).

    Examples
    --------
    >>> nan_to_num(np.array([np.nan, np.inf, -np.inf, 1.5]), posinf=9.0, neginf=-9.0)
    array([ 0. ,  9. , -9. ,  1.5])
    """
    return NanToNum(nan, posinf, neginf)(input)
