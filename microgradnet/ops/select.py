"""Elementwise choices between inputs: where, maximum, minimum, clamp (alias clip).

The choice is piecewise constant, so each rule routes the incoming gradient with `where` and a
mask computed from the data: the mask is a constant of the rule, and `where` is linear in its
inputs, so the rules differentiate again. At ties `maximum` and `minimum` split the gradient evenly
between the two inputs (as PyTorch does); `clip` gives the whole gradient to ``x`` when it sits
exactly on a bound (as PyTorch's ``clamp``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import Node
from .base import Op
from .errors import OpError
from .promotion import promote
from .registry import export
from .shape import shape_of, sum_to


class Where(Op, params=("cond",)):
    """``a`` where ``cond`` holds, else ``b``; ``cond`` is a constant boolean array."""

    name = "where"
    cond: Any

    def forward(self, a: Any, b: Any) -> Any:
        return np.where(self.cond, a, b)

    def on_floats(self, a: float, b: float) -> float:
        return a if self.cond else b

    def backward(self, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        return (
            sum_to(where(self.cond, g, 0.0), pa.shape) if pa.requires_grad else None,
            sum_to(where(self.cond, 0.0, g), pb.shape) if pb.requires_grad else None,
        )

    def extra_repr(self) -> str:
        return f"cond of shape {np.shape(self.cond)}"


@export(method=False)
def where(condition: Any, input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
    """``input`` where ``condition`` is true, else ``other``, with broadcasting; ``condition``
    (boolean) gets no gradient.

    Examples
    --------
    >>> import numpy as np
    >>> where(np.array([True, False]), np.array([1.0, 2.0]), 0.0)
    array([1., 0.])
    """
    a, b = input, other
    if type(condition) is bool and type(a) is float and type(b) is float:
        return a if condition else b  # what Where's on_floats gives, in one step (Value rules)
    raw = condition.data if isinstance(condition, Node) else condition
    if isinstance(raw, bool | np.bool_):
        return Where(bool(raw))(a, b)
    raw = np.asarray(raw)
    if raw.dtype != np.bool_:
        raise TypeError(f"where: the condition must be boolean, not of dtype {raw.dtype}")
    try:
        np.broadcast_shapes(raw.shape, shape_of(a), shape_of(b))
    except ValueError:
        raise OpError(
            f"where: a condition of shape {raw.shape} and inputs of shapes {shape_of(a)}, "
            f"{shape_of(b)} do not broadcast together"
        ) from None
    if not isinstance(a, Node) and not isinstance(b, Node):
        return np.where(raw, a, b)
    return Where(raw)(a, b)


class _Extremum(Op):
    """The elementwise larger (``Maximum``) or smaller (``Minimum``) of two inputs."""

    __slots__ = ()
    pick: Any = None  # np.maximum or np.minimum
    wins: Any = None  # np.greater or np.less: where ``a`` alone is chosen

    def forward(self, a: Any, b: Any) -> Any:
        return type(self).pick(*promote(a, b))

    def backward(self, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        a, b = self.raw_inputs
        tie = np.equal(a, b)
        share = where(tie, g * 0.5, g) if np.any(tie) else g
        a_wins = type(self).wins(a, b)
        return (
            sum_to(where(a_wins | tie, share, 0.0), pa.shape) if pa.requires_grad else None,
            sum_to(where(a_wins, 0.0, share), pb.shape) if pb.requires_grad else None,
        )


class Maximum(_Extremum):
    """The elementwise larger input; ties split the gradient evenly."""

    __slots__ = ()
    name = "maximum"
    pick = staticmethod(np.maximum)
    wins = staticmethod(np.greater)


class Minimum(_Extremum):
    """The elementwise smaller input; ties split the gradient evenly."""

    __slots__ = ()
    name = "minimum"
    pick = staticmethod(np.minimum)
    wins = staticmethod(np.less)


def _declare(op: type[_Extremum], which: str, example: str) -> Callable[[Any, Any], Any]:
    """Export ``op.name(input, other)``, computed by ``op``; ``example`` is its result on
    ``[1.0, 5.0]`` and ``2.0``."""

    def fn(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
        return op()(input, other)

    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = f"""The elementwise {which} of ``input`` and ``other``; at ties each gets half the
    gradient.

    Examples
    --------
    >>> {op.name}(np.array([1.0, 5.0]), 2.0)
    {example}
    """
    return export()(fn)


maximum = _declare(Maximum, "larger", "array([2., 5.])")
minimum = _declare(Minimum, "smaller", "array([1., 2.])")


class Clip(Op):
    """``x`` limited to ``[lo, hi]``; ``lo`` and ``hi`` may be arrays that broadcast with ``x``.

    Where ``lo > hi`` the result is ``hi``, as in numpy and PyTorch.
    """

    __slots__ = ()
    name = "clamp"

    def forward(self, x: Any, lo: Any, hi: Any) -> Any:
        return np.minimum(np.maximum(x, lo), hi)

    def on_floats(self, x: float, lo: float, hi: float) -> float:
        return min(max(x, lo), hi)

    def backward(self, g: Any) -> tuple[Any, ...]:
        px, plo, phi = self.parents
        x, lo, hi = self.raw_inputs
        to_hi = np.maximum(x, lo) > hi
        to_lo = np.less(x, lo) & ~to_hi
        return (
            sum_to(where(to_lo | to_hi, 0.0, g), px.shape) if px.requires_grad else None,
            sum_to(where(to_lo, g, 0.0), plo.shape) if plo.requires_grad else None,
            sum_to(where(to_hi, g, 0.0), phi.shape) if phi.requires_grad else None,
        )


@export()
def clamp(input: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002
    """``input`` limited to ``[min, max]`` (None: no bound on that side); numpy's ``a_min`` and
    ``a_max`` are accepted too, and ``clip`` is another name for it.

    The gradient goes to ``input`` where ``min <= input <= max`` (bounds included) and to the
    bound that was chosen elsewhere, so a bound given as a tensor that requires grad gets one too.

    Examples
    --------
    >>> import numpy as np
    >>> clamp(np.array([-2.0, 0.5, 3.0]), -1.0, 1.0)
    array([-1. ,  0.5,  1. ])
    """
    return _clamp(input, min, max, "clamp")


@export()
def clip(input: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002
    """Another name for `clamp` (PyTorch's and numpy's)."""
    return _clamp(input, min, max, "clip")


def _clamp(x: Any, lo: Any, hi: Any, op: str) -> Any:
    if lo is None and hi is None:
        raise OpError(f"{op}: give at least one of min and max (input of shape {shape_of(x)})")
    return Clip()(x, -np.inf if lo is None else lo, np.inf if hi is None else hi)
