"""`Tape`: a recorded call as a flat list of steps over numbered slots, and its replay.

A slot holds one value of the call: an input's node or data, a constant, the data of an
operation's output, a gradient. Each step reads slots and writes one or more: an op's
``forward``, an op's derivative rule, the sum of two gradients, a gradient added into ``.grad``,
an optimizer's update. Replaying runs the steps in the recorded order, so the same numpy
functions see the same kinds of operands in the same order as in the eager call: the results are
the same bits.

Steps are small objects that say what they are (`lowering` reads them to write the flat program
of numpy calls that later calls run); calling one on the slots replays it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..engine import Node


class Step:
    """One recorded step; ``step(slots)`` replays it."""

    __slots__ = ()

    def __call__(self, slots: list[Any]) -> None:
        raise NotImplementedError

    def refs(self) -> tuple[NodeRef | ValueRef, ...]:
        """The nodes and values a replay finds through a `NodeRef` or `ValueRef` (none for a
        step that reads slots only, or constants)."""
        return ()


# -- how a step finds a node or a value ------------------------------------------------------------


class NodeRef:
    """How a replay finds a node a step acts on."""

    __slots__ = ()

    def get(self, slots: list[Any]) -> Node:
        raise NotImplementedError


class InputNode(NodeRef):
    """A node among the arguments, bound to ``slots[slot]`` at each replay."""

    __slots__ = ("slot",)

    def __init__(self, slot: int) -> None:
        self.slot = slot

    def get(self, slots: list[Any]) -> Node:
        return slots[self.slot]  # type: ignore[no-any-return]


class MadeNode(NodeRef):
    """A node made during the call: a stand-in whose data is set from ``slots[slot]``."""

    __slots__ = ("stub", "slot")

    def __init__(self, stub: Node, slot: int) -> None:
        self.stub, self.slot = stub, slot

    def get(self, slots: list[Any]) -> Node:
        self.stub.data = slots[self.slot]
        return self.stub


class OutsideNode(NodeRef):
    """A node from outside the call (a parameter, a captured tensor): the same object."""

    __slots__ = ("node",)

    def __init__(self, node: Node) -> None:
        self.node = node

    def get(self, slots: list[Any]) -> Node:
        return self.node


class ValueRef:
    """An argument of a recorded call: ``slots[slot]``, or the constant ``value`` when
    ``slot`` is None."""

    __slots__ = ("slot", "value")

    def __init__(self, slot: int | None, value: Any = None) -> None:
        self.slot, self.value = slot, value

    def get(self, slots: list[Any]) -> Any:
        return self.value if self.slot is None else slots[self.slot]


# -- the steps -------------------------------------------------------------------------------------


class Load(Step):
    """``slots[out] = node.data`` for a node from outside the call (a parameter, a captured
    tensor): read at its place in the call, since an update may have changed it."""

    __slots__ = ("node", "out")

    def __init__(self, node: Node, out: int) -> None:
        self.node, self.out = node, out

    def __call__(self, slots: list[Any]) -> None:
        slots[self.out] = self.node.data


class Forward(Step):
    """``slots[out] = op.forward(*slots[ins])`` (``op._float_forward`` on `Value` data)."""

    __slots__ = ("op", "ins", "out", "floats", "_fn")

    def __init__(self, op: Any, ins: Sequence[int], out: int, floats: bool) -> None:
        self.op, self.ins, self.out, self.floats = op, tuple(ins), out, floats
        self._fn = op._float_forward if floats else op.forward

    def __call__(self, slots: list[Any]) -> None:
        args = [slots[i] for i in self.ins]
        slots[self.out] = self._fn(args) if self.floats else self._fn(*args)


class Compute(Step):
    """``slots[out] = fn(*slots[ins])``: a result without a graph (a comparison, an index)."""

    __slots__ = ("fn", "ins", "out")

    def __init__(self, fn: Callable[..., Any], ins: Sequence[int], out: int) -> None:
        self.fn, self.ins, self.out = fn, tuple(ins), out

    def __call__(self, slots: list[Any]) -> None:
        slots[self.out] = self.fn(*[slots[i] for i in self.ins])


class Sum(Step):
    """``slots[out] = slots[a] + slots[b]``: two gradients of one node, as the engine adds them."""

    __slots__ = ("a", "b", "out")

    def __init__(self, a: int, b: int, out: int) -> None:
        self.a, self.b, self.out = a, b, out

    def __call__(self, slots: list[Any]) -> None:
        slots[self.out] = slots[self.a] + slots[self.b]


class Rule(Step):
    """An op's derivative rule: its input stand-ins get their data from ``slots`` (``bound``:
    stand-in and slot), its output stand-in from ``slots[out]``; the gradient of input ``j``
    goes to ``slots[k]`` for each ``(j, k)`` of ``targets``."""

    __slots__ = ("op", "bound", "out_stub", "out", "grad", "targets")

    def __init__(
        self,
        op: Any,
        bound: Sequence[tuple[Node, int]],
        out_stub: Node,
        out: int,
        grad: int,
        targets: Sequence[tuple[int, int]],
    ) -> None:
        self.op, self.bound, self.out_stub = op, tuple(bound), out_stub
        self.out, self.grad, self.targets = out, grad, tuple(targets)

    def __call__(self, slots: list[Any]) -> None:
        for stub, i in self.bound:
            stub.data = slots[i]
        self.out_stub.data = slots[self.out]
        gs = self.op.vjp(self.out_stub, slots[self.grad], False)
        for j, k in self.targets:
            slots[k] = gs[j]


class Accumulate(Step):
    """``node._accumulate(slots[grad])``: a gradient added into ``.grad``."""

    __slots__ = ("node", "grad")

    def __init__(self, node: NodeRef, grad: int) -> None:
        self.node, self.grad = node, grad

    def __call__(self, slots: list[Any]) -> None:
        self.node.get(slots)._accumulate(slots[self.grad])

    def refs(self) -> tuple[NodeRef | ValueRef, ...]:
        return (self.node, ValueRef(self.grad))


class Call(Step):
    """``fn(*args)``, run again as it is (``optimizer.step()``, ``zero_grad()``)."""

    __slots__ = ("fn", "args")

    def __init__(self, fn: Callable[..., Any], args: Sequence[Any]) -> None:
        self.fn, self.args = fn, tuple(args)

    def __call__(self, slots: list[Any]) -> None:
        self.fn(*self.args)


class InPlace(Step):
    """``method(target, *args)``: an in-place update (``add_``, ``-=``, ``[i] = v``)."""

    __slots__ = ("method", "target", "args")

    def __init__(self, method: Callable[..., Any], target: NodeRef, args: Sequence[ValueRef]):
        self.method, self.target, self.args = method, target, tuple(args)

    def __call__(self, slots: list[Any]) -> None:
        self.method(self.target.get(slots), *[a.get(slots) for a in self.args])

    def refs(self) -> tuple[NodeRef | ValueRef, ...]:
        return (self.target, *self.args)


class SetGrad(Step):
    """``node.grad = value`` (None or a number) from the user's code."""

    __slots__ = ("node", "value")

    def __init__(self, node: NodeRef, value: Any) -> None:
        self.node, self.value = node, value

    def __call__(self, slots: list[Any]) -> None:
        self.node.get(slots).grad = self.value

    def refs(self) -> tuple[NodeRef | ValueRef, ...]:
        return (self.node,)


# -- the tape --------------------------------------------------------------------------------------


class Tape:
    """The steps of one traced signature and what a replay needs around them.

    Attributes
    ----------
    template : list
        The initial slots: constants where the call used them, None elsewhere.
    steps : list of Step
        In the order of the eager call.
    inputs : list of (int, int, int)
        For each node among the flattened arguments: its position, the slot of the node and the
        slot of its data.
    outputs : list of (str, Any)
        How each leaf of the returned value is made: ``("input", node slot)`` (an argument
        returned as it is), ``("wrap", (slot, wrap))`` (a new node around a slot's data),
        ``("object", x)`` (anything else, returned as it is).
    structure : Any
        The nesting of the returned value (`pytree`).
    internal : set of int
        Constant slots holding arrays made by the trace itself (a default seed gradient), which
        nothing outside the record can change.
    """

    def __init__(self) -> None:
        self.template: list[Any] = []
        self.steps: list[Step] = []
        self.inputs: list[tuple[int, int, int]] = []
        self.outputs: list[tuple[str, Any]] = []
        self.structure: Any = None
        self.internal: set[int] = set()
        self.floats = False  # whether any step computes on `Value` data

    def slot(self, value: Any = None) -> int:
        """A new slot, starting as ``value`` at every replay (None: written by a step)."""
        self.template.append(value)
        return len(self.template) - 1

    def replay(self, flat: list[Any]) -> Any:
        """Run the steps on the flattened arguments ``flat``; return what the call returns."""
        slots = self.template.copy()
        for position, node_slot, data_slot in self.inputs:
            node: Node = flat[position]
            slots[node_slot] = node
            slots[data_slot] = node.data
        for step in self.steps:
            step(slots)
        return self.output(slots)

    def output(self, slots: list[Any]) -> Any:
        """The returned value, built from the slots."""
        from .pytree import unflatten

        leaves = []
        for kind, what in self.outputs:
            if kind == "input":
                leaves.append(slots[what])
            elif kind == "wrap":
                slot, wrap = what
                leaves.append(wrap(slots[slot]))
            else:
                leaves.append(what)
        return unflatten(self.structure, leaves)

    def __repr__(self) -> str:
        return f"Tape({len(self.steps)} steps, {len(self.template)} slots)"
