"""Lowering a `Tape` into a flat list of numpy calls (`Recorded`), ready for `program`.

The tape's steps run once more with `capture.Traced` arrays in the slots: forwards, rules and
sums of gradients record the numpy calls they make. The steps that act on the world are written
as effects instead of being run: a gradient stored into ``.grad``, ``optimizer.zero_grad()``, and
``optimizer.step()``, whose update rule (``_update``) is itself recorded with the group's numbers
read again at each call (`capture.Live`). Any other step (an in-place update, an optimizer this
module does not know, a step whose update rule reads values as Python data) stays an *opaque*
step: the program calls the tape's own step object, exactly as a tape replay would.

Nothing outside is changed while lowering: inputs and parameters are read as copies.

A lowering is run twice, the second time on random data of the same shapes and dtypes
(`signature`): if the calls or the constants differ, something read the values outside the
record (an array made with numpy from traced data, a value turned into a Python number), and the
tape is not lowered.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..engine import Node
from ..optim.optimizer import Optimizer
from ..tensor import Tensor
from .capture import (
    Instr,
    Live,
    LoweringError,
    Recorder,
    Traced,
    Var,
    current_recorder,
    paused,
    recording,
)
from .tape import (
    Accumulate,
    Call,
    Compute,
    Forward,
    InputNode,
    Load,
    MadeNode,
    OutsideNode,
    Rule,
    SetGrad,
    Step,
    Sum,
    Tape,
    ValueRef,
)

_UNKNOWN = object()  # what ``.grad`` of a node holds when the program cannot know


class Recorded:
    """One lowering run: the recorder (instructions, vars, guards), the output of the call, and
    the opaque steps' slots."""

    def __init__(self, rec: Recorder, outputs: list[tuple[str, Any]], structure: Any) -> None:
        self.rec = rec
        self.outputs = outputs
        self.structure = structure


def lower(tape: Tape, flat: Sequence[Any], rng: np.random.Generator | None = None) -> Recorded:
    """Run ``tape`` on traced copies of its inputs' data (random data of the same shapes and
    dtypes when ``rng`` is given) and record its numpy calls."""
    if tape.floats:
        raise LoweringError("a Value graph (Python floats, not numpy calls)")
    rec = Recorder(_external(tape))
    with recording(rec):
        return _Lowering(tape, flat, rec, rng).run()


def _external(tape: Tape) -> set[int]:
    """ids of the arrays the outside world may hold: the tape's constants (but those the trace
    made itself) and arrays held by ops."""
    found: set[int] = set()
    for i, v in enumerate(tape.template):
        if isinstance(v, np.ndarray) and i not in tape.internal:
            found.add(id(v))
    for step in tape.steps:
        op = getattr(step, "op", None)
        if op is None:
            continue
        for cls in type(op).__mro__:
            for name in getattr(cls, "__slots__", ()):
                _collect(getattr(op, name, None), found)
    return found


def _collect(x: Any, found: set[int]) -> None:
    if isinstance(x, np.ndarray):
        found.add(id(x))
    elif type(x) is tuple or type(x) is list:
        for e in x:
            _collect(e, found)


class _Lowering:
    def __init__(
        self, tape: Tape, flat: Sequence[Any], rec: Recorder, rng: np.random.Generator | None
    ) -> None:
        self.tape, self.flat, self.rec, self.rng = tape, flat, rec, rng
        self.slots = list(tape.template)
        self.positions: dict[int, int] = {}  # node slot -> position among the arguments
        self.grads: dict[int, Any] = {}  # id(node) -> var, None, or _UNKNOWN

    # -- values ------------------------------------------------------------------------------------
    def _copy(self, raw: Any) -> np.ndarray:
        if not isinstance(raw, np.ndarray):
            raise LoweringError(f"a node holding {type(raw).__name__}, not an array")
        with paused():
            copy = raw.copy(order="K")  # laid out as the data is: results are laid out after it
            if self.rng is None or raw.size == 0:
                return copy
            if raw.dtype.kind == "f":
                copy[...] = self.rng.standard_normal(raw.shape)
            elif raw.dtype.kind in "biu":
                copy[...] = self.rng.permutation(raw.ravel()).reshape(raw.shape)
            return copy

    def _read(self, kind: str, raw: Any, expr: Any) -> Traced:
        var = self.rec.new_var(kind, self._copy(raw))
        var.expr = expr
        instr = Instr("read", None, [expr], {}, outs=[var])
        var.producer = instr
        self.rec.emit(instr)
        return self.rec.traced(var)

    def operand(self, x: Any) -> Any:
        """A slot's value as an operand: a var, or a constant."""
        if isinstance(x, np.generic):
            return x
        return self.rec.ref(x)

    # -- the run -----------------------------------------------------------------------------------
    def run(self) -> Recorded:
        tape, slots, rec = self.tape, self.slots, self.rec
        for i, v in enumerate(slots):
            if isinstance(v, np.ndarray) and i not in tape.internal:
                slots[i] = rec.traced(rec.const(v))  # the user's array: read by reference
        for position, node_slot, data_slot in tape.inputs:
            node = self.flat[position]
            self.positions[node_slot] = position
            slots[node_slot] = node
            slots[data_slot] = self._read("input", node.data, ("input", position))
        for step in tape.steps:
            self.step(step)
        outputs: list[tuple[str, Any]] = []
        for kind, what in tape.outputs:
            if kind == "input":
                outputs.append(("input", self.positions[what]))
            elif kind == "wrap":
                slot, wrap = what
                outputs.append(("wrap", (self.operand(slots[slot]), wrap)))
            else:
                outputs.append(("object", what))
        return Recorded(rec, outputs, tape.structure)

    def step(self, step: Step) -> None:
        _LOWER_STEP.get(type(step), _Lowering.opaque)(self, step)

    def load(self, step: Load) -> None:
        self.slots[step.out] = self._read("load", step.node.data, ("data", step.node))

    def replay(self, step: Step) -> None:
        """A step that only computes on slots: run on traced arrays, it records its calls."""
        step(self.slots)

    # -- effects -----------------------------------------------------------------------------------
    def node_expr(self, ref: Any) -> Any:
        """How the program finds a node: ``("node", n)`` (a constant) or ``("input", i)``."""
        if isinstance(ref, OutsideNode):
            return ("node", ref.node)
        if isinstance(ref, InputNode):
            return ("input", self.positions[ref.slot])
        return None

    def effect(self, kind: str, *args: Any, writes: Sequence[Var] = ()) -> Instr:
        instr = Instr("effect", kind, args, {}, writes=writes)
        self.rec.emit(instr)
        return instr

    def accumulate(self, step: Accumulate) -> None:
        where = self.node_expr(step.node)
        g = self.operand(self.slots[step.grad])
        if where is None or not isinstance(g, Var):
            self.opaque(step)
            return
        if where[0] == "node":
            node = where[1]
            known = self.grads.get(id(node), _UNKNOWN)
            data = node.data
            if (
                (known is None or isinstance(known, Var))
                and _plain_tensor(node)
                and hasattr(node, "_grad")
                and isinstance(data, np.ndarray)
                and not g.scalar
                and g.dtype == data.dtype
                and g.shape == data.shape
            ):
                if isinstance(known, Var):
                    # A second gradient: `Tensor._accumulate` stores ``old + g`` (a bare array
                    # until someone reads ``.grad``, which no step of the program does).
                    total = self.rec.traced(known) + self.rec.traced(g)
                    g = self.rec.var_of(total)  # type: ignore[arg-type]
                # else ``.grad`` is None: `Tensor._accumulate` stores a copy of the gradient.
                self.effect("grad", where, g)
                self.grads[id(node)] = g
                return
            self.grads[id(node)] = _UNKNOWN
        self.effect("accumulate", where, g)

    def set_grad(self, step: SetGrad) -> None:
        where = self.node_expr(step.node)
        if where is None or step.value is not None:
            self.opaque(step)
            return
        self.effect("grad", where, None)
        if where[0] == "node":
            self.grads[id(where[1])] = None

    def opaque(self, step: Step) -> None:
        """A step the program calls as it is, with the slots it reads filled in."""
        reads: dict[int, Any] = {}
        writes: list[Var] = []
        for r in step.refs():
            if isinstance(r, InputNode):
                reads[r.slot] = ("input", self.positions[r.slot])
            elif isinstance(r, MadeNode | ValueRef) and r.slot is not None:
                x = self.operand(self.slots[r.slot])
                if isinstance(x, Var) and x.kind in ("const", "extern"):
                    raise LoweringError("an opaque step on a constant array")
                reads[r.slot] = x
                if isinstance(r, MadeNode) and isinstance(x, Var):
                    writes.append(x)
        self.effect("opaque", step, tuple(reads), tuple(reads.values()), writes=writes)
        self.grads = {k: _UNKNOWN for k in self.grads}

    def call(self, step: Call) -> None:
        fn, args = step.fn, step.args
        owner = getattr(fn, "__self__", None)
        func = getattr(fn, "__func__", None)
        if isinstance(owner, Optimizer):
            if func is Optimizer.zero_grad and args in ((), (True,)):
                if self.zero_grad(owner):
                    return
            elif func is Optimizer.step and args in ((), (None,)):
                mark = self.rec.mark()
                saved = dict(self.grads)
                try:
                    self.optimizer_step(owner)
                    return
                except Exception:
                    self.rec.undo(mark)
                    self.grads = saved
        self.opaque(step)

    def _params(self, opt: Optimizer) -> list[Tensor] | None:
        params = [p for g in opt.param_groups for p in g["params"]]
        if not all(_plain_tensor(p) and isinstance(p.data, np.ndarray) for p in params):
            return None
        if not hasattr(params[0], "_grad"):
            return None
        groups = tuple(opt.param_groups)
        self.rec.guard(("groups", opt, groups, tuple(tuple(g["params"]) for g in groups)), True)
        return params

    def zero_grad(self, opt: Optimizer) -> bool:
        params = self._params(opt)
        if params is None:
            return False
        for p in params:
            self.effect("grad", ("node", p), None)
            self.grads[id(p)] = None
        return True

    def optimizer_step(self, opt: Optimizer) -> None:
        """`Optimizer.step` written out: for each parameter with a gradient, its ``_update`` rule
        recorded on the parameter's data and its gradient, then copied into the data."""
        if self._params(opt) is None:
            raise LoweringError("an optimizer of Values")
        for group in opt.param_groups:
            live = _LiveGroup(group)
            for p in group["params"]:
                grad = self.grads.get(id(p), _UNKNOWN)
                if grad is _UNKNOWN:
                    raise LoweringError("a gradient the program cannot know")
                if grad is None:
                    continue
                data = self._read("load", p.data, ("data", p))
                state = _ShadowState(self, opt, p)
                new = opt._update(data, self.rec.traced(grad), state, live)  # type: ignore[arg-type]
                if not isinstance(new, Traced):
                    raise LoweringError("an update rule that computes outside numpy")
                self.rec.setitem(data, Ellipsis, new)  # `Tensor.copy_`
                if not p.holds_float:
                    self.effect("bump", ("node", p))  # its version counter, as copy_ counts
                for key, value in state.stores.items():
                    v = value if isinstance(value, Live) else self.operand(value)
                    if not isinstance(v, Var | Live):
                        raise LoweringError("an optimizer state entry of a constant")
                    self.effect("state", opt, p, key, v)


#: How each kind of step is lowered (steps are `tape`'s classes, never subclassed); any other
#: kind (an in-place update) is opaque.
_LOWER_STEP: dict[type[Step], Callable[[_Lowering, Any], None]] = {
    Load: _Lowering.load,
    Forward: _Lowering.replay,
    Compute: _Lowering.replay,
    Sum: _Lowering.replay,
    Rule: _Lowering.replay,
    Accumulate: _Lowering.accumulate,
    Call: _Lowering.call,
    SetGrad: _Lowering.set_grad,
}


def _plain_tensor(p: Any) -> bool:
    """A `Tensor` (a `Parameter` too) whose gradients and in-place copies are `Tensor`'s."""
    cls = type(p)
    return (
        isinstance(p, Tensor)
        and cls._accumulate is Tensor._accumulate
        and cls.copy_ is Tensor.copy_
        and cls._inplace is Tensor._inplace
    )


class _LiveGroup(dict[str, Any]):
    """A parameter group whose numbers are read again at each call."""

    def __init__(self, group: dict[str, Any]) -> None:
        super().__init__(group)
        self.group = group

    def __getitem__(self, key: str) -> Any:
        value = dict.__getitem__(self, key)
        if type(value) in (int, float, bool) or isinstance(value, np.number | np.bool_):
            return Live(value, ("item", self.group, key))
        if value is None or isinstance(value, str | tuple | frozenset):
            # Read as it is now: the program holds while it equals this.
            current_recorder().guard(("equal", self.group, key, value), True)
            return value
        raise LoweringError(f"a parameter group's {key!r} of type {type(value).__name__}")

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            return default
        return self[key]


class _ShadowState:
    """``optimizer.state[p]`` as an update rule sees it while recorded: arrays are read at each
    call, numbers are live, writes are noted; whether a key is there is a guard."""

    def __init__(self, lowering: _Lowering, opt: Optimizer, p: Node) -> None:
        self.lowering, self.opt, self.p = lowering, opt, p
        self.real = opt.state.get(p, {})
        self.stores: dict[str, Any] = {}

    def _has(self, key: str) -> bool:
        if key in self.stores:
            return True
        found = key in self.real
        self.lowering.rec.guard(("has", self.opt, self.p, key), found)
        return found

    def __contains__(self, key: str) -> bool:
        return self._has(key)

    def __getitem__(self, key: str) -> Any:
        if key in self.stores:
            return self.stores[key]
        if not self._has(key):
            raise KeyError(key)
        value = self.real[key]
        expr = ("state", self.opt, self.p, key)
        if isinstance(value, np.ndarray):
            return self.lowering._read("load", value, expr)
        if type(value) in (int, float, bool):
            return Live(value, expr)
        raise LoweringError(f"an optimizer state entry of type {type(value).__name__}")

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if self._has(key) else default

    def __setitem__(self, key: str, value: Any) -> None:
        self.stores[key] = value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if not self._has(key):
            self.stores[key] = default
        return self[key]

    def update(self, *others: Any, **entries: Any) -> None:
        for other in others:
            self.stores.update(other)
        self.stores.update(entries)


# -- the differential check ------------------------------------------------------------------------


def signature(recorded: Recorded) -> list[Any]:
    """What two lowerings of one tape on different data must share: every call, every constant,
    every guard, every output."""
    rec = recorded.rec
    out: list[Any] = [len(rec.vars)]
    for instr in rec.instrs:
        out.append(
            (
                instr.how,
                _describe(instr.fn),
                _describe(instr.args),
                _describe(instr.kwargs),
                _describe(instr.outs),
                _describe(instr.writes),
            )
        )
    out.append(_describe(rec.guards))
    out.append(_describe(recorded.outputs))
    return out


def _describe(x: Any) -> Any:
    if isinstance(x, Var):
        if x.kind in ("const", "extern"):
            return ("const", _describe(x.value))
        return ("var", x.n, x.kind, x.raw.dtype.str, x.raw.shape, x.root.n, x.scalar)
    if isinstance(x, Live):
        return ("live", _describe(x.expr))
    if isinstance(x, np.ndarray):
        return ("array", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, np.generic):
        return ("scalar", x.dtype.str, x.tobytes())
    if type(x) is float:
        return ("float", np.float64(x).tobytes())
    if type(x) is tuple or type(x) is list:
        return (type(x).__name__, *[_describe(e) for e in x])
    if type(x) is dict:
        return ("dict", *[(k, _describe(v)) for k, v in x.items()])
    if type(x) is slice:
        return ("slice", _describe(x.start), _describe(x.stop), _describe(x.step))
    if isinstance(x, int | str | bool | type(None) | type(Ellipsis) | np.dtype | type):
        return x
    owner = getattr(x, "__self__", None)
    if owner is not None and not isinstance(owner, types.ModuleType):  # a bound method
        return ("method", _describe(owner), getattr(x, "__name__", None))
    return ("object", id(x))
