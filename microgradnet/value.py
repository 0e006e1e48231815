"""`Value`: one Python float that records the operations made from it, micrograd's scalar.

It runs on the same engine and the same derivative rules as `Tensor`; only the storage differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import ops
from .engine import GraphOp, Node
from .ops.arithmetic import Add, Div, Mul, Neg, Pow, PowConst, Sub
from .ops.registry import install

# `Value._op`'s labels where micrograd's differ from the op's name. micrograd composes - and / from
# + and *; here each is one node. Others keep their names ('tanh', 'exp', 'weighted_sum', ...).
_MICROGRAD_OPS = {"add": "+", "mul": "*", "sub": "-", "div": "/", "pow": "**", "relu": "ReLU"}


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
        self.data = float(data)
        self.grad = 0.0
        self.requires_grad = requires_grad
        self._ctx = None
        self._retains_grad = True
        self.label = label

    @classmethod
    def _wrap(cls, data: Any, ctx: GraphOp | None = None, like: Node | None = None) -> Value:
        v = object.__new__(cls)
        v.data = data if type(data) is float else float(data)
        v.grad = 0.0
        v.requires_grad = ctx is not None
        v._ctx = ctx
        v._retains_grad = True
        v.label = ""
        return v

    def _raw_grad(self, g: Any) -> float:
        return float(g)

    def _accumulate(self, g: Any) -> None:
        self.grad += float(g)

    @property
    def shape(self) -> tuple[int, ...]:
        """Always ``()``: a Value is a scalar."""
        return ()

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
        return self.data

    # -- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other: Any) -> Value:
        return Add().apply(self, _operand(other, "add"))  # type: ignore[no-any-return]

    def __radd__(self, other: Any) -> Value:
        return Add().apply(_operand(other, "add"), self)  # type: ignore[no-any-return]

    def __sub__(self, other: Any) -> Value:
        return Sub().apply(self, _operand(other, "sub"))  # type: ignore[no-any-return]

    def __rsub__(self, other: Any) -> Value:  # other - self
        return Sub().apply(_operand(other, "sub"), self)  # type: ignore[no-any-return]

    def __mul__(self, other: Any) -> Value:
        return Mul().apply(self, _operand(other, "mul"))  # type: ignore[no-any-return]

    def __rmul__(self, other: Any) -> Value:
        return Mul().apply(_operand(other, "mul"), self)  # type: ignore[no-any-return]

    def __truediv__(self, other: Any) -> Value:
        return Div().apply(self, _operand(other, "div"))  # type: ignore[no-any-return]

    def __rtruediv__(self, other: Any) -> Value:  # other / self
        return Div().apply(_operand(other, "div"), self)  # type: ignore[no-any-return]

    def __pow__(self, other: Any) -> Value:
        if isinstance(other, int | float):
            return PowConst(other).apply(self)  # type: ignore[no-any-return]
        return Pow().apply(self, _operand(other, "pow"))  # type: ignore[no-any-return]

    def __rpow__(self, other: Any) -> Value:  # other ** self
        return Pow().apply(_operand(other, "pow"), self)  # type: ignore[no-any-return]

    def __neg__(self) -> Value:
        return Neg().apply(self)  # type: ignore[no-any-return]

    def __abs__(self) -> Value:
        return ops.abs(self)

    # -- comparisons of the data (plain bools) ------------------------------------------------
    def __lt__(self, other: Any) -> bool:
        return self.data < float(other)

    def __le__(self, other: Any) -> bool:
        return self.data <= float(other)

    def __gt__(self, other: Any) -> bool:
        return self.data > float(other)

    def __ge__(self, other: Any) -> bool:
        return self.data >= float(other)

def _operand(other: Any, op: str) -> Value:
    """The other operand of ``op`` as a Value: numbers become constants (no gradient)."""
    if isinstance(other, Value):
        return other
    if isinstance(other, int | float) and not isinstance(other, bool):
        return Value._wrap(float(other))
    raise TypeError(f"{op}: cannot combine a Value with a {type(other).__name__}")


install(Value, "value")
