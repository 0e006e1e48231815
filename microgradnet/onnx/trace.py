"""One recorded forward pass of a model, as `export` reads it.

A pass runs the model on fresh leaves made from the example inputs (floating ones require grad,
so that every operation is recorded) and keeps, in topological order, the nodes the outputs
depend on. The layers whose graphs pick elements by value (max pooling and leaky ReLU choose by
comparison, so their recorded index or mask holds this example's choice) are recorded as one
call each (`Call`), exported whole as the ONNX operator that makes the same choice at run time;
`Embedding` too, since its indices are an input rather than a node.

`export` records two passes, the second on the example's values shuffled and its dynamic axes
one longer, and compares them op by op (`compare`): what differs is either a size along a
dynamic axis, which the converters write as such, or a constant taken from the input's values,
which ONNX would freeze at this example's, an error naming the op.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import nn
from ..engine import Node, enable_grad, topological_order
from ..ops import Op
from ..tensor import Tensor

#: Layers exported whole rather than op by op.
WHOLE = (
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.AdaptiveMaxPool1d,
    nn.AdaptiveMaxPool2d,
    nn.LeakyReLU,
    nn.Embedding,
)

#: Slots that hold a shape: they may differ between the passes along dynamic axes.
SHAPE_SLOTS = {("reshape", "shape"), ("broadcast_to", "shape"), ("sum_to", "shape")}

_BASE_SLOTS = set(Op.__slots__)


@dataclasses.dataclass
class Call:
    """One call of a layer exported whole: the layer, its input (a node or an index array), its
    output node, and the nodes the export reads (its input node, or the embedding's weight)."""

    module: nn.Module
    input: Any
    output: Node
    reads: list[Node]


@dataclasses.dataclass
class Trace:
    """One pass: the input leaves, the outputs, the live nodes in order and the whole calls."""

    inputs: list[Tensor]
    outputs: list[Node]
    order: list[Node]
    calls: dict[int, Call]

    def input_index(self, value: Any) -> int | None:
        """Which input ``value`` is (a leaf, or the very array an input holds), if any."""
        raw = value.data if isinstance(value, Node) else value
        for i, x in enumerate(self.inputs):
            if value is x or raw is x.data:
                return i
        return None


def record(model: nn.Module, arrays: Sequence[np.ndarray]) -> Trace:
    """Run ``model`` once on ``arrays`` with every operation recorded."""
    inputs = [Tensor(a, requires_grad=bool(np.issubdtype(a.dtype, np.floating))) for a in arrays]
    calls: dict[int, Call] = {}
    patched = []
    for m in model.modules():
        if type(m) in WHOLE and "forward" not in vars(m):
            object.__setattr__(m, "forward", _recording(m, calls))
            patched.append(m)
    try:
        with enable_grad():
            out = model(*inputs)
    finally:
        for m in patched:
            object.__delattr__(m, "forward")
    outputs = list(out) if isinstance(out, tuple | list) else [out]
    for k, o in enumerate(outputs):
        if not isinstance(o, Tensor) or not np.issubdtype(o.dtype, np.floating):
            raise TypeError(
                f"export: output {k} of {type(model).__name__} is a {type(o).__name__}"
                f"{'' if not isinstance(o, Tensor) else ' of dtype ' + str(o.dtype)}; ONNX export "
                "takes models whose outputs are floating-point Tensors"
            )
    return Trace(inputs, outputs, _live(outputs, calls), calls)


def _recording(m: nn.Module, calls: dict[int, Call]) -> Any:
    forward = type(m).forward

    def call(x: Any, *args: Any, **kwargs: Any) -> Any:
        out = forward(m, x, *args, **kwargs)
        if isinstance(out, Tensor):
            reads = [m.weight] if isinstance(m, nn.Embedding) else [x]
            calls[id(out)] = Call(m, x, out, [r for r in reads if isinstance(r, Node)])
        return out

    return call


def _live(outputs: list[Node], calls: dict[int, Call]) -> list[Node]:
    """The nodes the outputs need, in topological order, with each whole call's inside left
    out (its output reads only what the call reads)."""
    order = topological_order(outputs, every=True)
    live = {id(o) for o in outputs}
    for node in reversed(order):
        if id(node) not in live:
            continue
        call = calls.get(id(node))
        reads = call.reads if call else (node._ctx.parents if node._ctx else ())
        live.update(id(p) for p in reads)
    return [n for n in order if id(n) in live]


def slots(op: Any) -> dict[str, Any]:
    """An op's own arguments: its slots beyond those every op has."""
    names = [
        s for c in type(op).__mro__ for s in getattr(c, "__slots__", ()) if s not in _BASE_SLOTS
    ]
    return {s: getattr(op, s) for s in names if hasattr(op, s)}


def compare(first: Trace, second: Trace, where: str) -> None:
    """Raise `ValueError` where the two passes differ in anything but a size along a dynamic
    axis or an input: data-dependent control flow or a constant taken from the input's values."""
    if len(first.order) != len(second.order):
        raise ValueError(
            f"{where}: the model records a different graph for other input values "
            f"({len(first.order)} and {len(second.order)} nodes): it depends on the data, and an "
            "ONNX graph cannot"
        )
    readers = {id(p): n._ctx for n in first.order if n._ctx for p in n._ctx.parents}
    for a, b in zip(first.order, second.order):
        ca, cb = first.calls.get(id(a)), second.calls.get(id(b))
        if (ca is None) != (cb is None) or (ca and cb and ca.module is not cb.module):
            raise ValueError(f"{where}: the model calls its layers differently for other inputs")
        if ca is not None:
            continue
        oa, ob = a._ctx, b._ctx
        if oa is None or ob is None:
            if (oa is None) != (ob is None):
                raise ValueError(f"{where}: the model's graph changes with the input's values")
            _compare_leaves(first, second, a, b, f"{where}: the op {_reader(readers, a)}")
            continue
        if type(oa) is not type(ob):
            raise ValueError(
                f"{where}: the model records {oa.name} for one input and {ob.name} for another"
            )
        for slot, va in slots(oa).items():
            vb = getattr(ob, slot)
            if (oa.name, slot) in SHAPE_SLOTS and len(va) == len(vb):
                continue
            if not _same(va, vb, first, second):
                raise ValueError(
                    f"{where}: the op {oa.name}{_scope(oa)} holds a {slot} that changes with the "
                    "input's values (or with the sizes of its dynamic axes); ONNX would keep this "
                    f"example's. {_HINT}"
                )


_HINT = (
    "Max pooling and leaky ReLU called as functions pick elements by value: use the layers "
    "nn.MaxPool1d/2d, nn.AdaptiveMaxPool1d/2d and nn.LeakyReLU, which export as ONNX operators; "
    "a constant computed from an input's values (a mask, a shape) cannot be exported"
)


def _scope(op: Any) -> str:
    scope = getattr(op, "_scope", None)
    return "" if scope is None else f" (in {type(scope).__name__})"


def _reader(readers: dict[int, Any], leaf: Node) -> str:
    op = readers.get(id(leaf))
    return "?" if op is None else f"{op.name}{_scope(op)}"


def _compare_leaves(first: Trace, second: Trace, a: Node, b: Node, reader: str) -> None:
    ia, ib = first.input_index(a), second.input_index(b)
    if ia is not None or ib is not None:
        if ia != ib:
            raise ValueError(f"{reader} reads different inputs for other values")
        return
    if a is b:
        return  # a parameter or a buffer
    if a.requires_grad or b.requires_grad or not _same(a.data, b.data, first, second):
        raise ValueError(
            f"{reader} reads a constant of shape {a.shape} that changes with the input's values "
            f"(or with the sizes of its dynamic axes); ONNX would keep this example's. {_HINT}"
        )


def _same(a: Any, b: Any, first: Trace, second: Trace) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        ia, ib = first.input_index(a), second.input_index(b)
        if ia is not None or ib is not None:
            return ia == ib
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
        )
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same(x, y, first, second) for x, y in zip(a, b))
    if isinstance(a, Node) or isinstance(b, Node):
        return a is b
    return bool(type(a) is type(b) and a == b)
