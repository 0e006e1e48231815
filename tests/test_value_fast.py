"""`Value`'s fast paths (`microgradnet.value_fast`) give exactly what the general machinery gives.

Recording: an operator builds the same node and the same op, slot for slot, as `Op.apply`.
Backward: `value_fast.float_pass` leaves the same gradients, bit for bit, as `engine.propagate`'s
general loop, on random graphs that include singular points (IEEE infinities and NaNs), and keeps
its semantics: released graphs, retained graphs, ``autograd.grad``, anomaly mode, ops of every
kind, no reference cycle.
"""

from __future__ import annotations

import contextlib
import gc
import math
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgradnet as mg
from microgradnet import Value, engine, ops, value_fast
from microgradnet.engine import GraphOp, Node
from microgradnet.ops.arithmetic import Add, Div, Mul, Neg, Pow, PowConst, Sub
from microgradnet.ops.base import Op

MISSING = object()


def slots(op: Any) -> dict[str, Any]:
    """Every slot an op has, by name (MISSING where unset)."""
    names = {name for cls in type(op).__mro__ for name in getattr(cls, "__slots__", ())}
    return {name: getattr(op, name, MISSING) for name in sorted(names)}


def same_float(a: float, b: float) -> bool:
    """Equal bit for bit, as far as Python can tell: NaN matches NaN, 0.0 does not match -0.0."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def same_constant(p: Any, q: Any) -> bool:
    """Two constants made from the same number (each operator call makes its own)."""
    return (
        type(p) is type(q) is Value
        and p._ctx is q._ctx is None
        and not p.requires_grad
        and not q.requires_grad
        and same_float(p.data, q.data)
    )


def assert_same_node(fast: Any, general: Any) -> None:
    assert type(fast) is type(general)
    assert type(fast.data) is float and same_float(fast.data, general.data)
    for name in ("grad", "requires_grad", "_retains_grad", "label"):
        assert getattr(fast, name) == getattr(general, name), name
    if general._ctx is None:
        assert fast._ctx is None
        return
    assert type(fast._ctx) is type(general._ctx)
    mine, theirs = slots(fast._ctx), slots(general._ctx)
    assert mine.keys() == theirs.keys()
    for name, value in theirs.items():
        if name == "parents":
            for p, q in zip(mine[name], value, strict=True):
                assert p is q or (same_constant(p, q)), name
        elif name == "_seq":  # numbered in creation order (the fast one is made first)
            assert type(mine[name]) is int and mine[name] < value
        elif type(value) is float:  # a power's exponent, which may be NaN
            assert type(mine[name]) is float and same_float(mine[name], value), name
        else:
            assert mine[name] == value, name


# -- recording ------------------------------------------------------------------------------------

BINARY: list[tuple[Callable[[Any, Any], Any], type[Op]]] = [
    (lambda a, b: a + b, Add),
    (lambda a, b: a - b, Sub),
    (lambda a, b: a * b, Mul),
    (lambda a, b: a / b, Div),
    (lambda a, b: a**b, Pow),
]
UNARY: list[tuple[Callable[[Any], Any], Callable[[Any], Any]]] = [
    (lambda a: -a, lambda a: Neg().apply(a)),
    (lambda a: a**2, lambda a: PowConst(2).apply(a)),
    (lambda a: a**-0.5, lambda a: PowConst(-0.5).apply(a)),
    (lambda a: a.relu(), ops.relu),
    (lambda a: a.tanh(), ops.tanh),
    (lambda a: a.exp(), ops.exp),
    (lambda a: a.sigmoid(), ops.sigmoid),
    (lambda a: a.log(), ops.log),
    (lambda a: a.sqrt(), ops.sqrt),
    (lambda a: abs(a), ops.abs),
]
# Ordinary numbers and the places where floats raise or leave the reals.
numbers = st.one_of(
    st.floats(-3, 3),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, -8.0, 710.0, 1e308, math.inf, -math.inf, math.nan]),
)


@given(numbers, numbers, st.booleans(), st.booleans(), st.booleans())
def test_binary_operators_record_what_apply_records(
    x: float, y: float, x_grad: bool, y_grad: bool, grad_mode: bool
) -> None:
    a, b = Value(x, requires_grad=x_grad), Value(y, requires_grad=y_grad)
    with mg.set_grad_enabled(grad_mode):
        for fn, op in BINARY:
            assert_same_node(fn(a, b), op().apply(a, b))
            assert_same_node(fn(x, b), op().apply(Value._wrap(x), b))  # the reflected form
            if op is not Pow:  # a number becomes a constant (a power's is the op's parameter)
                assert_same_node(fn(a, y), op().apply(a, Value._wrap(y)))
        assert_same_node(a**y, PowConst(y).apply(a))


@given(numbers, st.booleans(), st.booleans())
def test_unary_operators_record_what_apply_records(x: float, x_grad: bool, grad_mode: bool) -> None:
    a = Value(x, requires_grad=x_grad)
    with mg.set_grad_enabled(grad_mode):
        for fn, general in UNARY:
            assert_same_node(fn(a), general(a))


def test_operators_record_without_op_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path is the one taken: none of these reach `Op.apply` or `Op.__init__`."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the general path was taken")

    a, b = Value(1.5), Value(-0.5)
    monkeypatch.setattr(Op, "apply", refuse)
    monkeypatch.setattr(Op, "__init__", refuse)
    for out in (a + b, a - 2, 2 - a, a * b, 3 * a, a / b, 1 / a, a**2, a**a, 2**a, -a, a.relu()):
        assert out._ctx is not None
    for out in (a.tanh(), a.exp(), a.sigmoid(), abs(b), (a + 1).log()):
        assert out._ctx is not None


def test_singular_points_fall_back_to_ieee_results() -> None:
    assert Value(0.0).log().data == -math.inf
    assert (Value(1.0) / 0.0).data == math.inf
    assert math.isnan((Value(-8.0) ** 0.5).data)
    assert (Value(0.0) ** -1).data == math.inf
    assert Value(1000.0).exp().data == math.inf
    assert (Value(10.0) ** 400).data == math.inf


def test_bad_operands_are_refused_by_name() -> None:
    with pytest.raises(TypeError, match="mul: cannot combine a Value with a str"):
        Value(1.0) * "2"
    with pytest.raises(TypeError, match="add: cannot combine a Value with a Tensor"):
        Value(1.0) + mg.tensor(1.0)
    with pytest.raises(TypeError, match="pow: cannot combine a Value with a list"):
        Value(1.0) ** [2]


def test_value_subclasses_take_the_general_path() -> None:
    class Named(Value):
        __slots__ = ()

    a = Named(2.0)
    assert type(a * 3) is Named and type(a.relu()) is Named and type(a**2) is Named
    assert type(3 * a) is Value  # the constant comes first, as with `Op.apply`


# -- backward -------------------------------------------------------------------------------------

# Each step combines earlier nodes; operands reach singular points (division by zero, log of a
# negative number, relu and abs at 0, 0 ** negative) as often as ordinary ones.
STEPS: dict[str, Callable[..., Any]] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x**y,
    "radd": lambda x, y: 1.5 + x,
    "rsub": lambda x, y: 2.0 - y,
    "rmul": lambda x, y: -0.5 * x,
    "rdiv": lambda x, y: 1.0 / x,
    "rpow": lambda x, y: 2.0**x,
    "neg": lambda x, y: -x,
    "square": lambda x, y: x**2,
    "root": lambda x, y: x**0.5,
    "relu": lambda x, y: x.relu(),
    "tanh": lambda x, y: x.tanh(),
    "exp": lambda x, y: x.exp(),
    "log": lambda x, y: x.log(),
    "sigmoid": lambda x, y: x.sigmoid(),
    "abs": lambda x, y: abs(x),
}
leaves = st.lists(st.sampled_from([0.0, 1.0, -1.0, 0.5, -2.0, 3.0]) | st.floats(-3, 3), min_size=1)
programs = st.lists(
    st.tuples(st.sampled_from(sorted(STEPS)), st.integers(0, 99), st.integers(0, 99)),
    min_size=1,
    max_size=12,
)


def build(xs: list[float], program: list[tuple[str, int, int]]) -> tuple[list[Value], Value]:
    """The leaves and the root of ``program`` run on fresh Values ``xs``; every node made."""
    nodes = [Value(x) for x in xs]
    for name, i, j in program:
        nodes.append(STEPS[name](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    root = nodes[-1]
    for extra in nodes[len(xs) : -1]:  # every node reaches the root, some through two paths
        root = root + extra * 0.25
    return nodes, root


@contextlib.contextmanager
def general_pass() -> Iterator[None]:
    """Within the block, `engine.propagate` runs its general loop for Values too."""
    saved, engine.float_pass = engine.float_pass, None
    try:
        yield
    finally:
        engine.float_pass = saved


def test_float_pass_is_installed() -> None:
    assert engine.float_pass is value_fast.float_pass


@settings(max_examples=150, deadline=None)
@given(leaves, programs, st.booleans())
def test_float_pass_gives_the_general_gradients_bit_for_bit(
    xs: list[float], program: list[Any], seeded: bool
) -> None:
    nodes_f, root_f = build(xs, program)
    nodes_g, root_g = build(xs, program)
    seed = -1.25 if seeded else None
    root_f.backward(seed)
    with general_pass():
        root_g.backward(seed)
    for f, g in zip(nodes_f + [root_f], nodes_g + [root_g], strict=True):
        assert same_float(f.data, g.data)
        assert same_float(f.grad, g.grad), (f, g)


@settings(max_examples=60, deadline=None)
@given(leaves, programs)
def test_autograd_grad_and_several_roots_agree_with_the_general_pass(
    xs: list[float], program: list[Any]
) -> None:
    nodes_f, root_f = build(xs, program)
    nodes_g, root_g = build(xs, program)
    k = len(xs)
    found_f = mg.autograd.grad(
        [root_f, nodes_f[-1]], nodes_f[:k], [1.0, 2.0], retain_graph=True, allow_unused=True
    )
    mg.autograd.backward([root_f, nodes_f[k]], [0.5, -1.0], inputs=nodes_f[:k])
    with general_pass():
        found_g = mg.autograd.grad(
            [root_g, nodes_g[-1]], nodes_g[:k], [1.0, 2.0], retain_graph=True, allow_unused=True
        )
        mg.autograd.backward([root_g, nodes_g[k]], [0.5, -1.0], inputs=nodes_g[:k])
    for f, g in zip(found_f, found_g, strict=True):
        assert (f is None) == (g is None)
        if f is not None:
            assert type(f) is Value and same_float(f.data, g.data)
    for f, g in zip(nodes_f, nodes_g, strict=True):
        assert same_float(f.grad, g.grad)


def test_the_pass_runs_the_rules_without_vjp(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain Values take the fast pass: not one `Op.vjp` call (singular points would need one)."""

    def refuse(*args: Any) -> None:
        raise AssertionError("Op.vjp was called")

    x, w = Value(0.5), Value(-2.0)
    y = ((x * w + 1).tanh() * x.exp() - w / 3) ** 2 + (x - w).relu()
    monkeypatch.setattr(Op, "vjp", refuse)
    y.backward()
    assert x.grad != 0.0 and w.grad != 0.0


def test_released_graph_names_retain_graph_and_retained_graph_accumulates() -> None:
    x = Value(2.0)
    y = x * x + x.tanh()
    y.backward(retain_graph=True)
    first = x.grad
    y.backward()
    assert x.grad == 2 * first
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_singular_rule_gives_the_ieee_gradient() -> None:
    x = Value(0.0)
    x.log().backward()
    assert x.grad == math.inf
    z = Value(0.0)
    (z**0.5).backward()
    assert z.grad == math.inf


def test_anomaly_mode_takes_the_general_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anomaly mode checks each rule's results in `Op.vjp`, so the pass goes through it."""
    calls: list[str] = []
    vjp = Op.vjp

    def counted(self: Op, out: Node, grad: Any, graph: bool) -> Any:
        calls.append(self.name)
        return vjp(self, out, grad, graph)

    monkeypatch.setattr(Op, "vjp", counted)
    x = Value(0.5)
    y = (x * x).tanh()
    with mg.autograd.detect_anomaly():
        y.backward()
    assert calls == ["tanh", "mul"]
    assert x.grad == 2 * 0.5 * (1 - math.tanh(0.25) ** 2)


def test_create_graph_takes_the_general_pass() -> None:
    x = Value(3.0)
    y = x**3
    y.backward(create_graph=True)
    assert x.grad == 27.0
    (dx,) = mg.autograd.grad(x**3, x, create_graph=True)
    (ddx,) = mg.autograd.grad(dx, x)
    assert (dx.data, ddx.data) == (27.0, 18.0)


class Twice(Op):
    """An op with its own ``release``, which the pass must call."""

    __slots__ = ()
    name = "twice"
    released = 0

    def forward(self, a: Any) -> Any:
        return a * 2

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (g * 2,)

    def release(self) -> None:
        super().release()
        Twice.released += 1


class Half(GraphOp):
    """A graph op that is not an `Op`: the pass goes through its ``vjp`` and ``release``."""

    __slots__ = ("parents", "_seq", "released")
    name = "half"

    def __init__(self, parent: Node) -> None:
        self.parents = (parent,)
        self._seq = next(engine.creation_counter)
        self.released = False

    def vjp(self, out: Node, grad: Any, graph: bool) -> tuple[Any, ...]:
        return (grad * 0.5,)

    def release(self) -> None:
        self.released = True


def test_ops_of_every_kind() -> None:
    x = Value(3.0)
    half = Half(x)
    y = Twice().apply(Value._wrap(x.data * 0.5, half)) * x
    before = Twice.released
    y.backward()
    assert x.grad == 3.0 * 2 * 0.5 + 3.0  # through twice(half(x)), and directly
    assert Twice.released == before + 1 and half.released


def test_graph_is_freed_by_reference_counting_and_outputs_are_not_kept() -> None:
    x = Value(0.3)
    y = (x * 2 + 1).tanh() * x
    ops_seen = [n._ctx for n in engine.topological_order([y]) if n._ctx is not None]
    y.backward()
    assert all(op._out is None for op in ops_seen)  # type: ignore[attr-defined]
    del ops_seen
    ref = weakref.ref(y)
    gc.disable()
    try:
        del y
        assert ref() is None
    finally:
        gc.enable()


def test_inputs_of_floats_for_every_arity() -> None:
    a, b, c = Value(1.0), Value(2.0), Value(0.25)
    for out in (-a, a * b, ops.lerp(a, b, c)):
        op: Any = out._ctx
        assert op.inputs == tuple(p.data for p in op.parents) == op.raw_inputs
    assert Value(1.0).shape == () and a.shape == ()
