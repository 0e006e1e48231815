"""`Tracer`: watches one eager call and writes its `Tape`.

While a call is traced, the engine hands this thread's events to the tracer
(``this_thread.switches.tracer``):
`Op.__call__` reports each forward, the backward pass runs through `Tracer.propagate` (the engine's
loop, recording each rule, each sum of gradients and each gradient added into ``.grad``), and an
optimizer's ``step``/``zero_grad`` run as one recorded call each. `instrument` adds the rest for
the duration of the trace: in-place updates, comparisons, and reads of data that would leave the
record (``.item()``, ``.numpy()``, ``.data``, ``.grad``, ``float(t)``, ``bool(t)``).

Values are told apart by the node that holds them (or, for arrays, by the array object): a node
made during the call has a slot, an input's node is bound at each replay, and any other node (a
parameter, a tensor the function captured) is read at its place in the call.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

import numpy as np

from ..engine import Grads, Node, Nodes, Reached, into_grad, this_thread, topological_order
from ..ops.base import Op
from ..tensor import Tensor
from ..value import Value
from .pytree import flatten
from .tape import (
    Accumulate,
    Call,
    Compute,
    Forward,
    InPlace,
    InputNode,
    Load,
    MadeNode,
    NodeRef,
    OutsideNode,
    Rule,
    SetGrad,
    Sum,
    Tape,
    ValueRef,
)


class CompileError(RuntimeError):
    """A compiled function with ``fullgraph=True`` did something its replay could not repeat."""


def user_frame() -> FrameType | None:
    """The innermost frame of code outside microgradnet (the user's line)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and is_library(frame):
        frame = frame.f_back
    return frame


def is_library(frame: FrameType) -> bool:
    """Whether ``frame`` runs microgradnet's own code."""
    name = frame.f_globals.get("__name__", "")
    return bool(name == "microgradnet" or name.startswith("microgradnet."))


def where(frame: FrameType | None) -> str:
    """``file:line`` of ``frame``."""
    if frame is None:
        return "an unknown line"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _stand_in(node: Node) -> Node:
    """A bare node of the same front end whose ``data`` a replay sets before each use."""
    stub = (Value if node.holds_float else Tensor)._wrap(node.data)
    stub.requires_grad = node.requires_grad
    return stub


class Tracer:
    """Records one eager call of a function on the flattened arguments ``flat``.

    ``problem`` is None while the call can be replayed, else the first reason it cannot (with
    the line); with ``fullgraph`` such a reason raises `CompileError` at once instead.
    """

    def __init__(self, flat: Sequence[Any], fullgraph: bool) -> None:
        self.tape = Tape()
        self.fullgraph = fullgraph
        self.problem: str | None = None
        self.nodes: dict[int, int] = {}  # id(node made or bound in the call) -> slot of its data
        self.arrays: dict[int, int] = {}  # id(array) -> its slot
        self.node_slots: dict[int, int] = {}  # id(input node) -> slot of the node itself
        self.loaded: dict[int, int] = {}  # id(outside node) -> slot, until state changes
        self.outside: dict[int, Node] = {}  # nodes from outside the call it read or changed
        self.optimizers: dict[int, Any] = {}
        self.made: set[int] = set()  # ids of nodes constructed during the call
        self.trusted = 0  # > 0 while recorded work (a rule) reads data
        self.ops: dict[int, tuple[Op, list[int], list[bool], int]] = {}
        self.replay_ops: list[Op] = []
        self.ruled: set[int] = set()
        self.implicit_seeds: set[int] = set()  # ids of default seed gradients (ones)
        self._keep: list[Any] = []  # what the ids above refer to stays alive while tracing
        for position, x in enumerate(flat):
            if isinstance(x, Node):
                node_slot, data_slot = self.tape.slot(), self.tape.slot()
                self.tape.inputs.append((position, node_slot, data_slot))
                self.node_slots[id(x)] = node_slot
                self._bind(x, data_slot)

    # -- problems -----------------------------------------------------------------------------
    def cannot_replay(self, what: str, frame: FrameType | None = None) -> None:
        """Note (or, with ``fullgraph``, raise) that the call does something a replay would not."""
        message = f"{what} at {where(frame or user_frame())}"
        if self.fullgraph:
            raise CompileError(f"compile(fullgraph=True): {message}")
        if self.problem is None:
            self.problem = message

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """Run eagerly, unrecorded (inside a recorded call such as ``optimizer.step()``)."""
        this_thread.switches.tracer = None
        try:
            yield
        finally:
            this_thread.switches.tracer = self

    def created(self, node: Node) -> None:
        """``node`` was constructed during the call (a temporary, or a lazily made parameter)."""
        self.made.add(id(node))
        self._keep.append(node)

    def created_array(self, array: Any) -> None:
        """Keep ``array`` (made during the call) alive while its id is a key."""
        self._keep.append(array)

    @contextmanager
    def trusting(self) -> Iterator[None]:
        """Reads of ``.data`` in the block belong to recorded work (a rule, a recorded compute)."""
        self.trusted += 1
        try:
            yield
        finally:
            self.trusted -= 1

    # -- slots --------------------------------------------------------------------------------
    def _bind(self, node: Node, slot: int) -> None:
        self.nodes[id(node)] = slot
        self._keep.append(node)
        if type(node.data) is np.ndarray:
            self.arrays[id(node.data)] = slot
            self._keep.append(node.data)

    def _array_slot(self, x: Any) -> int | None:
        """The slot of ``x`` if it is an array the call made or read (the object itself)."""
        return self.arrays.get(id(x)) if type(x) is np.ndarray else None

    def ref(self, x: Any) -> int:
        """The slot of an operand: a node's data, a known array, or a new constant."""
        if isinstance(x, Node):
            return self.node_ref(x)
        slot = self._array_slot(x)
        return self.tape.slot(x) if slot is None else slot

    def node_ref(self, node: Node) -> int:
        """The slot of a node's data; a node from outside the call gets a step that reads it."""
        slot = self.nodes.get(id(node))
        if slot is not None:
            return slot
        data = node.data
        slot = self._array_slot(data)  # a node made around known data (detach)
        if slot is not None:
            return slot
        slot = self.loaded.get(id(node))
        if slot is None:
            slot = self.tape.slot()
            self.loaded[id(node)] = slot
            self.outside[id(node)] = node
            self.tape.steps.append(Load(node, slot))
            if type(data) is np.ndarray:
                self.arrays[id(data)] = slot
                self._keep.append(data)
        return slot

    def node_getter(self, node: Node) -> NodeRef:
        """How a replay finds ``node`` itself: the input's node, a stand-in for a node made in the
        call (its data set from the slot), or the outside node."""
        node_slot = self.node_slots.get(id(node))
        if node_slot is not None:
            return InputNode(node_slot)
        slot = self.nodes.get(id(node))
        if slot is not None:
            return MadeNode(_stand_in(node), slot)
        self.outside[id(node)] = node
        return OutsideNode(node)

    def value_getter(self, x: Any) -> ValueRef:
        """How a replay finds an argument of a recorded call: a node's data, or a constant."""
        if isinstance(x, Node):
            return ValueRef(self.node_ref(x))
        slot = self._array_slot(x)
        return ValueRef(None, x) if slot is None else ValueRef(slot)

    # -- events -------------------------------------------------------------------------------
    def forward(self, op: Op, args: Sequence[Any], raw: Sequence[Any], result: Node) -> None:
        """`Op.__call__` computed ``result`` from ``args`` (raw data ``raw``)."""
        ins = [self.ref(a) for a in args]
        ctx = result._ctx
        replay_op = copy.copy(ctx if isinstance(ctx, Op) else op)
        self.replay_ops.append(replay_op)
        out = self.tape.slot()
        self._bind(result, out)
        if result.holds_float:
            self.tape.floats = True
        self.tape.steps.append(Forward(replay_op, ins, out, result.holds_float))
        if ctx is not None:
            self._keep.append(ctx)
            self.ops[id(ctx)] = (replay_op, ins, [isinstance(a, Node) for a in args], out)

    def compute(self, fn: Callable[..., Any], args: Sequence[Any], result: Node) -> None:
        """A result without a graph computed as ``fn`` of the data of ``args`` (comparisons)."""
        ins = [self.ref(a) for a in args]
        out = self.tape.slot()
        self._bind(result, out)
        self.tape.steps.append(Compute(fn, ins, out))

    def call(self, fn: Callable[..., Any], *args: Any, owner: Any = None) -> Any:
        """Run ``fn(*args)`` unrecorded now and again at each replay (``optimizer.step()``)."""
        if getattr(fn, "__name__", "") == "step" and args and args[0] is not None:
            self.cannot_replay("optimizer.step(closure): the closure's work")
        owner = getattr(fn, "__self__", owner)
        if owner is not None and hasattr(owner, "param_groups"):
            self.optimizers[id(owner)] = owner
            for group in owner.param_groups:
                for p in group["params"]:
                    self.outside.setdefault(id(p), p)
        with self.suspended():
            result = fn(*args)
        self.tape.steps.append(Call(fn, args))
        self.loaded.clear()  # parameters may hold new data now
        return result

    def inplace(self, method: Callable[..., Any], target: Node, args: Sequence[Any]) -> Any:
        """``target.method(*args)``, an in-place update (``add_``, ``-=``, ``[i] = v``)."""
        get_target = self.node_getter(target)
        getters = [self.value_getter(a) for a in args]
        with self.suspended():
            result = method(target, *args)
        self.tape.steps.append(InPlace(method, get_target, getters))
        self.loaded.clear()
        return result

    def set_grad(self, node: Node, value: Any) -> None:
        """``node.grad = value`` from the user's code: None or a number is repeated; anything
        else came from outside the record."""
        if value is not None and type(value) not in (float, int):
            self.cannot_replay("setting .grad to an array")
            return
        self.tape.steps.append(SetGrad(self.node_getter(node), value))

    # -- the backward pass --------------------------------------------------------------------
    def propagate(self, roots: Nodes, seeds: Grads, reached: Reached, *flags: bool) -> None:
        """`engine.propagate`, recording: the same loop, in the same order, with the same sums;
        ``flags`` are its ``retain`` and ``graph``."""
        retain_graph, create_graph = flags
        if create_graph:
            self.cannot_replay("backward(create_graph=True)")
        if reached is not into_grad:
            self.cannot_replay(
                "autograd.grad or backward(inputs=...) (gradients returned or accumulated "
                "into chosen tensors only)"
            )
        if self.problem is not None:
            from ..engine import propagate

            with self.suspended():
                return propagate(roots, seeds, reached, retain_graph, create_graph)
        pending: dict[int, tuple[Any, int]] = {}
        for root, seed in zip(roots, seeds):
            prev = pending.get(id(root))
            entry = (seed, self.ref(seed))
            if id(seed) in self.implicit_seeds:
                self.tape.internal.add(entry[1])
            pending[id(root)] = entry if prev is None else self._sum(prev, entry)
        for node in reversed(topological_order(roots)):
            found = pending.pop(id(node), None)
            if found is None:
                continue
            grad, grad_slot = found
            reached(node, grad)
            ctx = node._ctx
            if ctx is None:  # a leaf: `into_grad` added its gradient into .grad
                self._accumulate(node, grad_slot)
                continue
            with self.trusting():
                grads = ctx.vjp(node, grad, False)
            outs = self._rule(ctx, node, grad_slot, grads)
            for parent, g, k in zip(ctx.parents, grads, outs):
                if g is None or not parent.requires_grad:
                    continue
                prev = pending.get(id(parent))
                pending[id(parent)] = (g, k) if prev is None else self._sum(prev, (g, k))
            if not retain_graph:
                ctx.release()
        return None

    def _sum(self, prev: tuple[Any, int], new: tuple[Any, int]) -> tuple[Any, int]:
        out = self.tape.slot()
        self.tape.steps.append(Sum(prev[1], new[1], out))
        return prev[0] + new[0], out

    def _accumulate(self, node: Node, grad_slot: int) -> None:
        self.tape.steps.append(Accumulate(self.node_getter(node), grad_slot))

    def _rule(self, ctx: Any, node: Node, grad_slot: int, grads: Sequence[Any]) -> list[int]:
        entry = self.ops.get(id(ctx))
        if entry is None:
            self.cannot_replay("backward through operations recorded before the call")
            return [-1] * len(grads)
        replay_op, ins, is_node, out = entry
        self.ruled.add(id(replay_op))
        stubs = [_stand_in(p) for p in ctx.parents]
        replay_op.parents = tuple(stubs)
        replay_op._versions = None
        replay_op._released = False
        replay_op._out = None
        out_stub = _stand_in(node)
        bound = [(stub, i) for stub, i, n in zip(stubs, ins, is_node) if n]
        targets = [
            (j, self.tape.slot())
            for j, (p, g) in enumerate(zip(ctx.parents, grads))
            if g is not None and p.requires_grad
        ]
        self.tape.steps.append(Rule(replay_op, bound, out_stub, out, grad_slot, targets))
        slots = [-1] * len(grads)
        for j, k in targets:
            slots[j] = k
        return slots

    # -- the end ------------------------------------------------------------------------------
    def finish(self, result: Any) -> Tape:
        """Note how a replay builds the returned value; drop what only tracing needed."""
        leaves, structure = flatten(result)
        outputs: list[tuple[str, Any]] = []
        for x in leaves:
            if isinstance(x, Node):
                node_slot = self.node_slots.get(id(x))
                slot = self.nodes.get(id(x))
                if node_slot is not None:
                    outputs.append(("input", node_slot))
                elif slot is not None:
                    outputs.append(("wrap", (slot, (Value if x.holds_float else Tensor)._wrap)))
                else:
                    outputs.append(("object", x))
            else:
                outputs.append(("object", x))
        self.tape.outputs = outputs
        self.tape.structure = structure
        for op in self.replay_ops:
            if id(op) not in self.ruled:
                op.parents = ()  # a forward needs no inputs' nodes; keep none alive
        self._keep.clear()
        return self.tape
