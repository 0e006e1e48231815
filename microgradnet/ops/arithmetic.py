"""Elementwise arithmetic with numpy broadcasting: add, sub, mul, div, pow, neg.

Each gradient goes through ``sum_to``, so an input that was broadcast gets the summed gradient of
all its copies. ``add``, ``sub``, ``mul`` and ``div`` are each one `broadcasting` declaration
(the remainders of ``ops/rounding.py`` are too). The `Tensor` and `Value` operators call these
classes directly.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine import Node
from .base import Op
from .errors import OpError
from .promotion import DEFAULT, promote
from .registry import export
from .shape import raw_array, raw_data, sum_to

#: The gradient of one input of a `broadcasting` op, ``rule(g, a, b)``, before `sum_to`.
Rule = Callable[[Any, Any, Any], Any]


def broadcasting(
    name: str,
    doc: str,
    forward: Callable[[Any, Any], Any],
    da: Rule | None,
    db: Rule | None,
    *,
    reads: str | None = None,
) -> type[Op]:
    """Declare an op of two inputs that broadcast together, in one statement.

    ``forward(a, b)`` computes it on raw data. ``da(g, a, b)`` and ``db(g, a, b)`` give the
    gradients of ``a`` and ``b`` for the output's gradient ``g``, each called only for an input
    that requires grad, and summed down to that input's shape (`sum_to`); None stands for ``g``
    itself, passed on without a call (both inputs of ``a + b``). In the rules ``a`` and ``b`` are
    the op's ``inputs`` with ``reads="inputs"`` (nodes when the pass is recorded, so the rules
    differentiate again), its ``raw_inputs`` with ``reads="raw_inputs"`` (for piecewise-constant
    factors), or None with ``reads=None`` (rules that do not read them: the inputs may then
    change in place after the op). The class is named after ``name`` (``floor_divide``:
    ``FloorDivide``) and belongs to the caller's module.
    """
    read = None if reads is None else getattr(Op, reads).fget

    def backward(self: Op, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        a, b = (None, None) if read is None else read(self)
        ga = gb = None
        # `sum_to` is called only where broadcasting made the gradient larger than the input.
        if pa.requires_grad:
            ga = g if da is None else da(g, a, b)
            if getattr(ga, "shape", ()) != pa.shape:
                ga = sum_to(ga, pa.shape)
        if pb.requires_grad:
            gb = g if db is None else db(g, a, b)
            if getattr(gb, "shape", ()) != pb.shape:
                gb = sum_to(gb, pb.shape)
        return ga, gb

    body = {
        "__slots__": (),
        "__doc__": doc,
        "__module__": sys._getframe(1).f_globals["__name__"],
        "name": name,
        "forward": staticmethod(forward),
        "backward": backward,
    }
    return type("".join(w.title() for w in name.split("_")), (Op,), body)


def _promoted(compute: Callable[[Any, Any], Any], floating: bool = False) -> Callable[..., Any]:
    """The forward ``compute(a, b)`` on raw data promoted to PyTorch's result dtype (with
    ``floating``, integers become floats too). ``compute`` is an `operator` function,
    ``operator.add`` for ``+``: Python's operator itself, so the forward gains no Python call."""

    ndarray = np.ndarray

    def forward(a: Any, b: Any) -> Any:
        # Where numpy and PyTorch compute alike, without `promote`: two arrays of one dtype
        # (floating, if need be), or a floating array and a Python float (``lr * grad``).
        ta, tb = type(a), type(b)
        if ta is ndarray:
            if tb is ndarray:
                if a.dtype is b.dtype and (not floating or a.dtype.kind == "f"):
                    return compute(a, b)
            elif tb is float and a.dtype.kind == "f":
                return compute(a, b)
        elif ta is float and tb is ndarray and b.dtype.kind == "f":
            return compute(a, b)
        a, b = promote(a, b, floating)
        return compute(a, b)

    return forward


Add = broadcasting("add", "``a + b``.", _promoted(operator.add), None, None)
Sub = broadcasting("sub", "``a - b``.", _promoted(operator.sub), None, lambda g, a, b: -g)
Mul = broadcasting(
    "mul",
    "``a * b``.",
    _promoted(operator.mul),
    lambda g, a, b: g * b,
    lambda g, a, b: g * a,
    reads="inputs",
)
Div = broadcasting(
    "div",
    "``a / b``; integers divide into the default float dtype.",
    _promoted(operator.truediv, floating=True),
    lambda g, a, b: g / b,
    lambda g, a, b: -(g * a) / (b * b),
    reads="inputs",
)


class Pow(Op):
    """``a ** b`` for two inputs, with PyTorch's gradients at ``a = 0``: at ``b = 0`` the base's
    gradient is 0, and for ``b >= 0`` so is the exponent's."""

    __slots__ = ()
    name = "pow"

    def forward(self, a: Any, b: Any) -> Any:
        a, b = promote(a, b)
        kind = np.result_type(a, b).kind
        if kind == "b":
            return np.logical_or(a, np.logical_not(b))  # numpy's bool ** bool is int8
        if kind in "iu" and np.any(np.asarray(b) < 0):  # numpy refuses; PyTorch rounds to 0
            ra, rb = np.asarray(a), np.asarray(b)
            odd = np.remainder(rb, 2) == 1
            small = np.where(ra == 1, 1, np.where(ra == -1, np.where(odd, -1, 1), 0))
            return np.where(rb < 0, small, ra ** np.maximum(rb, 0)).astype(np.result_type(a, b))
        return a**b

    def backward(self, g: Any) -> tuple[Any, ...]:
        from .select import where
        from .unary import log

        pa, pb = self.parents
        a, b = self.inputs
        ra, rb = self.raw_inputs
        ga = gb = None
        if pa.requires_grad:
            # b * a ** (b - 1) is 0 * inf at a = b = 0, where PyTorch's gradient is 0.
            ga = sum_to(where((ra == 0) & (rb == 0), 0.0, g * b * pow(a, b - 1)), pa.shape)
        if pb.requires_grad:
            # log(0) is -inf; where 0 ** b is 0 or 1 the exponent's gradient is 0 (PyTorch).
            safe = where((ra == 0) & (rb >= 0), 1.0, a)
            gb = sum_to(where((ra == 0) & (rb >= 0), 0.0, g * self.output * log(safe)), pb.shape)
        return ga, gb


class PowConst(Op, params=("p",)):
    """``x ** p`` for a fixed number ``p``: squares, roots and reciprocals, numpy's fast paths."""

    name = "pow"
    p: float

    def forward(self, x: Any) -> Any:
        kind = getattr(x, "dtype", np.dtype("f")).kind
        if kind in "biu" and type(self.p) is float:
            x = x.astype(DEFAULT["dtype"])  # integers to a float power: the default float dtype
        elif kind == "b":
            x = x.astype(np.int64)  # bools to an int power: int64 (numpy: int8)
        return x**self.p

    def backward(self, g: Any) -> tuple[Any, ...]:
        p = self.p
        (x,) = self.inputs
        if p == 0:
            return (g * 0.0,)
        return (g * p * (x if p == 2 else pow(x, p - 1)),)  # x ** 1 is x, bit for bit


class Neg(Op):
    __slots__ = ()
    name = "neg"

    def forward(self, a: Any) -> Any:
        return -a

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (-g,)


@export()
def add(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
    """``input + other``, with broadcasting."""
    return Add()(input, other)


@export()
def sub(input: Any, other: Any) -> Any:  # noqa: A002
    """``input - other``, with broadcasting."""
    return Sub()(input, other)


@export()
def mul(input: Any, other: Any) -> Any:  # noqa: A002
    """``input * other``, with broadcasting."""
    return Mul()(input, other)


@export()
def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Any:  # noqa: A002
    """``input / other``, with broadcasting; ``rounding_mode='trunc'`` rounds the quotient toward
    0 and ``'floor'`` down (`floor_divide`), integers staying integers, with a gradient of 0.

    Examples
    --------
    >>> div(np.array([7, -7]), 2, rounding_mode="trunc"), div(np.array([7, -7]), 2.0)
    (array([ 3, -3]), array([ 3.5, -3.5]))
    """
    if rounding_mode is None:
        return Div()(input, other)
    from .rounding import floor_divide, trunc

    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode != "trunc":
        raise OpError(f"div: rounding_mode must be None, 'trunc' or 'floor', not {rounding_mode!r}")
    raw = [raw_array(x) for x in (input, other)]
    if all(r.dtype.kind in "biu" for r in raw):  # exactly, without going through floats
        a, b = promote(raw_data(input), raw_data(other))
        q = floor_divide(a, b)
        q = q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))
        return next((type(x)._wrap(q) for x in (input, other) if isinstance(x, Node)), q)
    return trunc(Div()(input, other))


@export()
def pow(input: Any, exponent: Any) -> Any:  # noqa: A001, A002 - the operation's name
    """``input ** exponent``; a Python number as exponent is a constant of the op, not an input.
    As in PyTorch, integers to a negative Python int are an error, and to negative integers of
    a tensor they are what C's integer division gives: 1 and -1 keep their magnitude, the rest
    give 0."""
    if type(exponent) is int and exponent < 0:
        base = raw_array(input)
        if base.dtype.kind in "biu":
            raise OpError(f"pow: integers to negative integer powers are not allowed ({exponent})")
    if type(exponent) is float or type(exponent) is int:
        return PowConst(exponent)(input)
    return Pow()(input, exponent)


@export()
def neg(input: Any) -> Any:  # noqa: A002
    """``-input``."""
    return Neg()(input)
