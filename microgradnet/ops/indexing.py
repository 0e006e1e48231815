"""Indexing with numpy's rules, and its adjoint, the scatter-add.

``getitem`` takes anything numpy indexing takes: ints, slices, None, Ellipsis, integer arrays or
lists, and boolean masks (arrays or nodes). Its gradient scatters the incoming gradient back into
zeros of the input's shape, adding where an integer index repeats an element; the scatter-add's
own gradient is the same indexing again, so both rules differentiate to any order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Node
from .base import Op
from .shape import shape_of

Index = Any


def normalize_index(index: Index) -> tuple[Index, bool]:
    """``index`` with nodes and lists turned into arrays, and whether an element can repeat.

    Only integer arrays can name one element twice; basic indices and boolean masks cannot.

    Examples
    --------
    >>> normalize_index((slice(None), [2, 2]))
    ((slice(None, None, None), array([2, 2])), True)
    """
    parts = index if isinstance(index, tuple) else (index,)
    out: list[Any] = []
    repeats = False
    for part in parts:
        if isinstance(part, Node):
            part = part.data
        if isinstance(part, list):
            part = np.asarray(part) if part else np.zeros(0, dtype=np.intp)
        if isinstance(part, np.ndarray):
            if part.dtype == np.bool_:
                pass
            elif np.issubdtype(part.dtype, np.integer):
                repeats = True
            else:
                raise IndexError(
                    f"getitem: index arrays must hold integers or booleans, not {part.dtype}"
                )
        out.append(part)
    return (tuple(out) if isinstance(index, tuple) else out[0]), repeats


def _describe(index: Index) -> str:
    """A short text for an index: arrays by dtype and shape, the rest as Python writes them."""
    parts = index if isinstance(index, tuple) else (index,)
    text = [
        f"array({p.dtype}, shape {p.shape})" if isinstance(p, np.ndarray) else repr(p)
        for p in parts
    ]
    return ", ".join(text)


class GetItem(Op):
    """``x[index]``."""

    __slots__ = ("index", "repeats")
    name = "getitem"

    def __init__(self, index: Index, repeats: bool) -> None:
        self.index = index
        self.repeats = repeats

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x[self.index]  # type: ignore[no-any-return]

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (ScatterAdd(self.index, self.repeats, self.parents[0].shape)(g),)

    def extra_repr(self) -> str:
        return f"index=[{_describe(self.index)}]"


class ScatterAdd(Op):
    """Zeros of ``shape`` with ``g`` added at ``index``: the gradient of ``x[index]``."""

    __slots__ = ("index", "repeats", "shape")
    name = "scatter_add"

    def __init__(self, index: Index, repeats: bool, shape: tuple[int, ...]) -> None:
        self.index = index
        self.repeats = repeats
        self.shape = shape

    def forward(self, g: np.ndarray) -> np.ndarray:
        out = np.zeros(self.shape, dtype=np.result_type(g))
        if self.repeats:
            np.add.at(out, self.index, g)
        else:
            out[self.index] = g
        return out

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (GetItem(self.index, self.repeats)(g),)

    def extra_repr(self) -> str:
        return f"index=[{_describe(self.index)}], shape={self.shape}"


def getitem(x: Any, index: Index) -> Any:
    """``x[index]`` with numpy's indexing rules; repeated integer indices add their gradients.

    Examples
    --------
    >>> getitem(np.arange(6.0).reshape(2, 3), (slice(None), [2, 0]))
    array([[2., 0.],
           [5., 3.]])
    """
    index, repeats = normalize_index(index)
    try:
        return GetItem(index, repeats)(x)
    except IndexError as err:
        raise IndexError(
            f"getitem: index [{_describe(index)}] does not fit shape {shape_of(x)}: {err}"
        ) from err
