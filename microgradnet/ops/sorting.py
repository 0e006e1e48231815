"""Sorting: ``sort``, ``argsort`` and ``topk``.

The order is worked out on the data (stable, NaN the largest, as PyTorch sorts), and the values
are taken from the input at those positions with `take_along`, so each sorted element's gradient
goes back to the element it came from, at every order. Indices are int64 and carry no gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import numpy as np

from ..engine import Node
from .errors import OpError
from .reduce import ValuesIndices, take_along
from .registry import export
from .shape import normalize_dims


def _order(raw: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """The positions that sort ``raw`` along ``dim``, equal elements in their original order
    (also when descending); NaN counts as the largest."""
    if not descending:
        return np.argsort(raw, axis=dim, kind="stable")
    # Sorting the reversed input stably and reading the result backwards puts ties in their
    # original order (negating would fail for unsigned and boolean data).
    n = raw.shape[dim]
    backwards = np.argsort(np.flip(raw, dim), axis=dim, kind="stable")
    order: np.ndarray = n - 1 - np.flip(backwards, dim)
    return order


def _sorted(input: Any, dim: int, descending: bool, op: str) -> tuple[Any, np.ndarray, int]:  # noqa: A002
    raw = input.data if isinstance(input, Node) else np.asarray(input)
    (d,) = normalize_dims(dim, raw.ndim, op)
    if raw.ndim == 0:
        return input, np.zeros((), np.int64), 0
    return input, _order(raw, d, descending).astype(np.int64), d


def _pair(input: Any, values: Any, index: np.ndarray) -> ValuesIndices:  # noqa: A002
    return ValuesIndices(values, type(input)._wrap(index) if isinstance(input, Node) else index)


R_co = TypeVar("R_co", covariant=True)
R = TypeVar("R")


class Sorting(Protocol[R_co]):
    """The public function of an op declared with `sorting`: PyTorch's signature of ``sort`` and
    ``argsort``."""

    def __call__(
        self,
        input: Any,  # noqa: A002 - PyTorch's names
        dim: int = -1,
        descending: bool = False,
        *,
        stable: bool = False,
    ) -> R_co: ...


def sorting(body: Callable[[Any, np.ndarray, int], R]) -> Sorting[R]:
    """Declare an op with PyTorch's ``(input, dim=-1, descending=False, *, stable=False)`` from
    ``body(input, index, d)``, which gets the int64 positions that sort ``input`` along dim
    ``d`` (non-negative; 0 for a 0-d input). The public function has the body's name and
    docstring."""
    op = body.__name__

    def fn(
        input: Any,  # noqa: A002 - PyTorch's names
        dim: int = -1,
        descending: bool = False,
        *,
        stable: bool = False,
    ) -> R:
        return body(*_sorted(input, dim, descending, op))

    fn.__name__, fn.__qualname__, fn.__doc__ = op, body.__qualname__, body.__doc__
    fn.__module__ = body.__module__
    fn.__annotations__["return"] = body.__annotations__["return"]  # R resolved: the body's type
    return export()(fn)


@sorting
def sort(input: Any, index: np.ndarray, d: int) -> ValuesIndices:  # noqa: A002
    """``(values, indices)``: ``input`` sorted along ``dim`` and where each element came from.
    Equal elements keep their order (``stable`` is accepted and always holds); NaN sorts as the
    largest, as in PyTorch. The gradient of each value goes to the element it came from.

    Examples
    --------
    >>> sort(np.array([3.0, 1.0, 2.0]), descending=True)
    ValuesIndices(values=array([3., 2., 1.]), indices=array([0, 2, 1]))
    """
    return _pair(input, take_along(input, index, d), index)


@sorting
def argsort(input: Any, index: np.ndarray, d: int) -> Any:  # noqa: A002
    """The positions that sort ``input`` along ``dim`` (int64, no gradient): `sort`'s indices.

    Examples
    --------
    >>> argsort(np.array([[3, 1, 2]]), dim=1)
    array([[1, 2, 0]])
    """
    return type(input)._wrap(index) if isinstance(input, Node) else index


@export()
def topk(
    input: Any,  # noqa: A002 - PyTorch's names
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002 - PyTorch's name
) -> ValuesIndices:
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along
    ``dim``, in order; the gradient of each value goes to the element it came from.

    Examples
    --------
    >>> topk(np.array([1.0, 5.0, 3.0, 4.0]), 2)
    ValuesIndices(values=array([5., 4.]), indices=array([1, 3]))
    """
    raw = input.data if isinstance(input, Node) else np.asarray(input)
    (d,) = normalize_dims(dim, raw.ndim, "topk")
    n = raw.shape[d] if raw.ndim else 1
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k <= n:
        raise OpError(f"topk: k ({k!r}) must be an int from 0 to {n}, the size of dim {d}")
    x, index, d = _sorted(input, dim, largest, "topk")
    if raw.ndim:
        index = np.take(index, np.arange(k), axis=d)
    return _pair(input, take_along(x, index, d), index)
