"""`Value`: one Python float that records the operations made from it, micrograd's scalar.

It runs on the same engine and the same derivative rules as `Tensor`; only the storage differs.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import engine, value_fast
from .engine import GraphOp, Node, node_maker
from .ops.arithmetic import Add, Div, Mul, Neg, Pow, PowConst, Sub
from .ops.base import Op
from .ops.registry import TABLE, Entry, install

# `Value._op`'s labels where micrograd's differ from the op's name. micrograd composes - and / from
# + and *; here each is one node. Others keep their names ('tanh', 'exp', 'weighted_sum', ...).
_MICROGRAD_OPS = {"add": "+", "mul": "*", "sub": "-", "div": "/", "pow": "**", "relu": "ReLU"}


_Method = Callable[["Value", Any], Any]


def _comparison(compare: Callable[[float, float], bool]) -> _Method:
    """``self < other`` (and the like) on the data: a plain bool."""

    def method(self: Value, other: Any) -> bool:
        return compare(self.data, float(other))

    return method


class Value(Node):
    """A scalar node for neuron-level graphs: ``.data`` and ``.grad`` are Python floats.

    Every `Value` keeps its gradient after ``backward()`` (not only the leaves), so a drawing of
    the graph shows them all. Python numbers mixed into expressions become constant `Value`s.

    Parameters
    ----------
    data : float
        The number.
    label : str
        A name shown in drawings.
    requires_grad : bool
        Whether ``backward`` computes a gradient for this value (True, as in micrograd).

    Examples
    --------
    >>> from microgradnet import Value
    >>> x, w, b = Value(2.0), Value(-3.0), Value(1.0)
    >>> y = (x * w + b).sigmoid()
    >>> y.backward()
    >>> round(w.grad, 6)
    0.013296
    """

    __slots__ = ("label", "__weakref__")

    holds_float = True
    label: str

    if TYPE_CHECKING:  # methods installed from the table of operations

        def __getattr__(self, name: str) -> Any: ...

    def __init__(self, data: float, label: str = "", requires_grad: bool = True) -> None:
        if isinstance(data, Node):
            raise TypeError(f"Value: expected a number, got a {type(data).__name__}")
        self._fill(float(data))
        self.requires_grad = requires_grad
        self.label = label

    if TYPE_CHECKING:

        @classmethod
        def _wrap(cls, data: Any, ctx: GraphOp | None = None, like: Node | None = None) -> Value:
            """A value around ``data``, made by ``ctx`` (None: a constant)."""

        def _fill(self, data: float) -> None:
            """Set every slot: a constant holding ``data``."""

    else:  # `engine.node_maker` writes them
        _wrap, _fill = node_maker(
            float, lambda data, like: float(data), grad=0.0, _retains_grad=True, label=""
        )

    def _raw_grad(self, g: Any) -> float:
        return float(g)

    def _accumulate(self, g: Any) -> None:
        self.grad += float(g)

    #: Always ``()``: a Value is a scalar. A class constant rather than a property: every rule
    #: reads its inputs' shapes (``sum_to``), and a plain attribute is one Python step fewer.
    shape: tuple[int, ...] = ()

    @property
    def _op(self) -> str:
        """micrograd's label of the operation that made this value ('' for a leaf): '+', '*',
        '**2' for a power by a number, 'ReLU', 'tanh', 'exp'; see `_MICROGRAD_OPS` for the rest."""
        ctx = self._ctx
        if ctx is None:
            return ""
        if isinstance(ctx, PowConst):
            return f"**{ctx.p}"
        return _MICROGRAD_OPS.get(ctx.name, ctx.name)

    @property
    def _prev(self) -> set[Value]:
        """The set of inputs of the operation that made this value, as in micrograd."""
        return set() if self._ctx is None else set(self._ctx.parents)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    def __float__(self) -> float:
        data: float = self.data
        return data

    # -- arithmetic ---------------------------------------------------------------------------
    # Set below, once the class exists (`_install_operators`): ``+ - * / **`` both ways, unary
    # ``-`` and ``abs()``, recorded by `microgradnet.value_fast`.
    if TYPE_CHECKING:

        def __add__(self, other: Any) -> Value: ...
        def __radd__(self, other: Any) -> Value: ...
        def __sub__(self, other: Any) -> Value: ...
        def __rsub__(self, other: Any) -> Value: ...
        def __mul__(self, other: Any) -> Value: ...
        def __rmul__(self, other: Any) -> Value: ...
        def __truediv__(self, other: Any) -> Value: ...
        def __rtruediv__(self, other: Any) -> Value: ...
        def __pow__(self, other: Any) -> Value: ...
        def __rpow__(self, other: Any) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...

    # -- comparisons of the data (plain bools) ------------------------------------------------
    __lt__ = _comparison(operator.lt)
    __le__ = _comparison(operator.le)
    __gt__ = _comparison(operator.gt)
    __ge__ = _comparison(operator.ge)


def _operand(other: Any, op: str) -> Value:
    """The other operand of ``op`` as a Value: numbers become constants (no gradient)."""
    if isinstance(other, Value):
        return other
    if isinstance(other, int | float) and not isinstance(other, bool):
        return Value._wrap(float(other))
    raise TypeError(f"{op}: cannot combine a Value with a {type(other).__name__}")


def _install_operators() -> None:
    """Python's arithmetic operators on `Value`, by the ops of `ops.arithmetic`, recorded by the
    fast paths of `microgradnet.value_fast`."""
    methods: dict[str, Callable[..., Any]] = {
        "__pow__": value_fast.power(Value, PowConst, Pow, _operand),
        "__rpow__": value_fast.binary(Value, Pow, operator.pow, _operand, reflected=True),
        "__neg__": value_fast.unary(Value, Neg, operator.neg),
        "__abs__": _method(TABLE["abs"]),
    }
    for op, compute, dunder in (
        (Add, operator.add, "add"),
        (Sub, operator.sub, "sub"),
        (Mul, operator.mul, "mul"),
        (Div, operator.truediv, "truediv"),
    ):
        methods[f"__{dunder}__"] = value_fast.binary(Value, op, compute, _operand)
        methods[f"__r{dunder}__"] = value_fast.binary(Value, op, compute, _operand, reflected=True)
    for name, method in methods.items():
        method.__name__, method.__qualname__ = name, f"Value.{name}"
        setattr(Value, name, method)


def _method(entry: Entry) -> Any:
    """The `Value` method of an entry of the table: an elementwise op that computes on floats
    (``on_floats``) gets the fast path, the others are the entry's function itself."""
    op = getattr(entry.fn, "op", None)
    if isinstance(op, type) and issubclass(op, Op) and op.on_floats is not None:
        method = value_fast.unary(Value, op, op.on_floats)
        method.__name__, method.__qualname__ = entry.name, f"Value.{entry.name}"
        method.__doc__ = entry.fn.__doc__
        return method
    return entry.fn


_install_operators()
install(Value, "value", _method)
engine.float_pass = value_fast.float_pass
