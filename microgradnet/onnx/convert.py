"""The ONNX form of each operation: a table from op name to a converter.

A converter gets the graph being built (`Graph`), the recorded op, the ONNX names of its inputs,
the name its result must take, and the shapes of both recorded passes (`Shapes`), from which it
tells a size along a dynamic axis (different in the two passes) from a fixed one. Layers
exported whole (`trace.WHOLE`) have converters of their own, by class name, in `LAYERS`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import nn
from ..ops.pool import pool_geometry

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


class Graph:
    """The nodes and initializers of the ONNX graph being built, with fresh names."""

    def __init__(self, helper: Any, numpy_helper: Any, opset: int) -> None:
        self.helper, self.numpy_helper, self.opset = helper, numpy_helper, opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.names: set[str] = set()

    def fresh(self, hint: str) -> str:
        """A name not used yet, made from ``hint``."""
        name, k = hint, 0
        while name in self.names:
            k += 1
            name = f"{hint}_{k}"
        self.names.add(name)
        return name

    def node(self, op_type: str, inputs: list[str], out: str | None = None, **attrs: Any) -> str:
        """Add a node; returns the name of its (first) output."""
        out = out or self.fresh(op_type.lower())
        self.nodes.append(
            self.helper.make_node(op_type, inputs, [out], name=self.fresh(f"/{op_type}"), **attrs)
        )
        return out

    def const(self, array: Any, hint: str = "const", name: str | None = None) -> str:
        """A ``Constant`` node holding ``array`` (initializers are kept for parameters, which
        `load` makes trainable)."""
        name = name or self.fresh(hint)
        tensor = self.numpy_helper.from_array(np.asarray(array), name)
        return self.node("Constant", [], name, value=tensor)

    def initializer(self, array: Any, name: str) -> str:
        """A parameter, as an initializer named ``name``."""
        self.initializers.append(self.numpy_helper.from_array(np.asarray(array), name))
        return name

    def ints(self, values: Any) -> str:
        """A 1-d int64 initializer (axes, shapes, starts)."""
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1), "ints")


@dataclasses.dataclass
class Shapes:
    """Input and output shapes and dtype in the first pass, and the shapes in the second."""

    inputs: list[tuple[int, ...]]
    inputs2: list[tuple[int, ...]]
    out: tuple[int, ...]
    out2: tuple[int, ...]
    dtype: np.dtype
    #: The ONNX name of an index array when it is a graph input, else None.
    input_name: Callable[[Any], str | None]


Converter = Callable[[Graph, Any, list[str], str, Shapes], object]


def _simple(op_type: str) -> Converter:
    def convert(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
        g.node(op_type, ins, out)

    return convert


def _pow(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    if hasattr(op, "p"):  # PowConst: the exponent is a number
        ins = [ins[0], g.const(np.asarray(op.p, dtype=s.dtype), "exponent")]
    g.node("Pow", ins, out)


def _reduce(op_type: str) -> Converter:
    def convert(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
        if not op.axes:
            g.node("Identity", ins, out)
        elif op_type == "ReduceSum" or g.opset >= 18:
            g.node(op_type, [ins[0], g.ints(op.axes)], out, keepdims=int(op.keepdims))
        else:
            g.node(op_type, ins, out, axes=list(op.axes), keepdims=int(op.keepdims))

    return convert


def _along_one_axis(op_type: str) -> Converter:
    def convert(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
        if len(op.axes) != 1:
            raise ValueError(f"export: {op.name} over several dims {op.axes} has no ONNX form")
        g.node(op_type, ins, out, axis=op.axes[0])

    return convert


def reshape_target(
    old: tuple[int, ...], old2: tuple[int, ...], new: tuple[int, ...], new2: tuple[int, ...]
) -> list[int]:
    """ONNX Reshape's shape for both passes: fixed sizes as they are, a size along a dynamic
    axis as 0 (copy the input's) where the input has it at the same place, else as -1 (once).

    Examples
    --------
    >>> reshape_target((2, 3, 4), (5, 3, 4), (2, 12), (5, 12))
    [0, 12]
    """
    target = []
    for i, (a, b) in enumerate(zip(new, new2)):
        if a == b:
            target.append(a)
        elif i < len(old) and old[i] == a and old2[i] == b:
            target.append(0)
        else:
            target.append(-1)
    if target.count(-1) > 1:
        raise ValueError(
            f"export: a reshape from {old} to {new} merges or splits several dynamic axes, "
            "which ONNX Reshape cannot express"
        )
    return target


def _reshape(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    target = reshape_target(s.inputs[0], s.inputs2[0], s.out, s.out2)
    g.node("Reshape", [ins[0], g.ints(target)], out)


def _expand(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    old, old2 = s.inputs[0], s.inputs2[0]
    lead = len(s.out) - len(old)
    target = []
    for i, (a, b) in enumerate(zip(s.out, s.out2)):
        if a == b:
            target.append(a)
        elif i >= lead and old[i - lead] == a and old2[i - lead] == b:
            target.append(1)  # Expand keeps the input's size where the shape says 1
        else:
            raise ValueError(
                f"export: broadcast_to from {old} to {s.out} along a dynamic axis has no ONNX form"
            )
    g.node("Expand", [ins[0], g.ints(target)], out)


def _sum_to(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    old = s.inputs[0]
    lead = len(old) - len(op.shape)
    axes = list(range(lead)) + [
        lead + i for i, n in enumerate(op.shape) if n == 1 and old[lead + i] != 1
    ]
    summed = g.node("ReduceSum", [ins[0], g.ints(axes)], keepdims=1) if axes else ins[0]
    target = reshape_target(old, s.inputs2[0], s.out, s.out2)
    g.node("Reshape", [summed, g.ints(target)], out)


def _getitem(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    shape = s.inputs[0]
    parts = list(op.index) if isinstance(op.index, tuple) else [op.index]
    if any(p is Ellipsis for p in parts):
        k = parts.index(Ellipsis)
        used = sum(1 for p in parts if p is not None and p is not Ellipsis)
        parts[k : k + 1] = [slice(None)] * (len(shape) - used)
    arrays = [p for p in parts if isinstance(p, np.ndarray)]
    if (
        any(a.dtype == np.bool_ for a in arrays)
        or len(arrays) > 1
        or (arrays and any(p is None or isinstance(p, int | np.integer) for p in parts))
    ):
        raise ValueError(
            f"export: getitem with index [{op.extra_repr()}] has no ONNX form; indexing "
            "exports with slices, integers, None and a single integer array"
        )
    x = ins[0]
    starts, ends, axes, steps = [], [], [], []
    axis = 0
    for p in parts:
        if isinstance(p, slice) and p != slice(None):
            step = 1 if p.step is None else int(p.step)
            starts.append(int(p.start) if p.start is not None else 0 if step > 0 else -1)
            ends.append(int(p.stop) if p.stop is not None else INT64_MAX if step > 0 else INT64_MIN)
            axes.append(axis)
            steps.append(step)
        if p is not None:
            axis += 1
    if axes:
        x = g.node("Slice", [x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    axis, removed = 0, 0
    unsqueeze, out_pos = [], 0
    for p in parts:
        if p is None:
            unsqueeze.append(out_pos)
            out_pos += 1
            continue
        if isinstance(p, np.ndarray):
            name = s.input_name(p) or g.const(p.astype(np.int64), "index")
            x = g.node("Gather", [x, name], axis=axis - removed)
            out_pos += p.ndim
        elif isinstance(p, int | np.integer):
            x = g.node(
                "Gather", [x, g.const(np.asarray(int(p), np.int64), "index")], axis=axis - removed
            )
            removed += 1
        else:
            out_pos += 1
        axis += 1
    if unsqueeze:
        x = g.node("Unsqueeze", [x, g.ints(unsqueeze)])
    g.node("Identity", [x], out)


def _stack(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    axis = g.ints([op.axis])
    g.node("Concat", [g.node("Unsqueeze", [x, axis]) for x in ins], out, axis=op.axis)


def _where(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    g.node("Where", [g.const(np.asarray(op.cond, dtype=bool), "condition"), *ins], out)


def _clamp(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    g.node("Min", [g.node("Max", ins[:2]), ins[2]], out)


def _pads(geometry: Any) -> list[int]:
    return [lo for lo, _ in geometry.padding] + [hi for _, hi in geometry.padding]


def _conv(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    geo = op.geometry
    kernel = s.inputs[1][2:]
    natural = tuple(
        (n + lo + hi - d * (k - 1) - 1) // st + 1
        for n, k, st, (lo, hi), d in zip(
            s.inputs[0][2:], kernel, geo.stride, geo.padding, geo.dilation
        )
    )
    if op.size is not None and tuple(op.size) != natural:
        raise ValueError("export: conv cut to a given size (a gradient's) has no ONNX form")
    _conv_node(g, "Conv", ins, out, kernel, geo)


def _conv_node(
    g: Graph, kind: str, ins: list[str], out: str, kernel: Any, geo: Any, **extra: Any
) -> None:
    """An ONNX ``Conv`` or ``ConvTranspose`` node with the geometry's attributes."""
    g.node(
        kind,
        ins,
        out,
        kernel_shape=list(kernel),
        strides=list(geo.stride),
        pads=_pads(geo),
        dilations=list(geo.dilation),
        group=geo.groups,
        **extra,
    )


def _conv_transpose(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    geo = op.geometry
    kernel = s.inputs[1][2:]
    extra = [
        size - ((m - 1) * st - lo - hi + d * (k - 1) + 1)
        for size, m, st, (lo, hi), d, k in zip(
            op.size, s.inputs[0][2:], geo.stride, geo.padding, geo.dilation, kernel
        )
    ]
    _conv_node(g, "ConvTranspose", ins, out, kernel, geo, output_padding=extra)


def _window_sum(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    geo = op.geometry
    if any(d != 1 for d in geo.dilation) and g.opset < 19:
        raise ValueError("export: a dilated window sum needs opset 19 or later")
    attrs: dict[str, Any] = {"dilations": list(geo.dilation)} if g.opset >= 19 else {}
    mean = g.node(
        "AveragePool",
        ins,
        kernel_shape=list(op.kernel),
        strides=list(geo.stride),
        pads=_pads(geo),
        count_include_pad=1,
        **attrs,
    )
    g.node("Mul", [mean, g.const(np.asarray(math.prod(op.kernel), dtype=s.dtype), "count")], out)


def _weighted_sum(g: Graph, op: Any, ins: list[str], out: str, s: Shapes) -> None:
    n = op.n
    total = ins[2 * n]
    for k, (w, x) in enumerate(zip(ins[:n], ins[n : 2 * n])):
        total = g.node("Add", [total, g.node("Mul", [w, x])], out if k == n - 1 else None)
    if n == 0:
        g.node("Identity", [total], out)


#: Every op with an ONNX form, by op name.
OPS: dict[str, Converter] = {
    "add": _simple("Add"),
    "sub": _simple("Sub"),
    "mul": _simple("Mul"),
    "div": _simple("Div"),
    "pow": _pow,
    "neg": _simple("Neg"),
    "exp": _simple("Exp"),
    "log": _simple("Log"),
    "sqrt": _simple("Sqrt"),
    "abs": _simple("Abs"),
    "sign": _simple("Sign"),
    "tanh": _simple("Tanh"),
    "sigmoid": _simple("Sigmoid"),
    "relu": _simple("Relu"),
    "softsign": _simple("Softsign"),
    "matmul": _simple("MatMul"),
    "sum": _reduce("ReduceSum"),
    "amax": _reduce("ReduceMax"),
    "amin": _reduce("ReduceMin"),
    "leaky_relu": lambda g, op, ins, out, s: g.node(
        "LeakyRelu", ins, out, alpha=float(op.negative_slope)
    ),
    "softmax": _along_one_axis("Softmax"),
    "log_softmax": _along_one_axis("LogSoftmax"),
    "reshape": _reshape,
    "permute": lambda g, op, ins, out, s: g.node("Transpose", ins, out, perm=list(op.dims)),
    "broadcast_to": _expand,
    "sum_to": _sum_to,
    "getitem": _getitem,
    "concatenate": lambda g, op, ins, out, s: g.node("Concat", ins, out, axis=op.axis),
    "stack": _stack,
    "where": _where,
    "maximum": _simple("Max"),
    "minimum": _simple("Min"),
    "clamp": _clamp,
    "conv": _conv,
    "conv_transpose": _conv_transpose,
    "window_sum": _window_sum,
    "weighted_sum": _weighted_sum,
}


# ------------------------------------------------------------------------ layers exported whole


def _batched(
    g: Graph, x: str, shape: tuple[int, ...], n: int, run: Callable[[str], str], out: str
) -> None:
    """``run`` on a batch: an input without its batch axis gets one, and loses it after."""
    if len(shape) == n + 2:
        g.node("Identity", [run(x)], out)
        return
    zero = g.ints([0])
    g.node("Squeeze", [run(g.node("Unsqueeze", [x, zero])), zero], out)


def _max_pool(g: Graph, m: Any, ins: list[str], out: str, s: Shapes) -> None:
    if m.return_indices:
        raise ValueError(f"export: {type(m).__name__} with return_indices has no ONNX form here")
    shape = s.inputs[0]
    n = 1 if isinstance(m, nn.MaxPool1d) else 2
    geo, kernel, _ = pool_geometry(
        type(m).__name__,
        shape[len(shape) - n :],
        m.kernel_size,
        m.stride,
        m.padding,
        m.dilation,
        m.ceil_mode,
    )

    def run(x: str) -> str:
        return g.node(
            "MaxPool",
            [x],
            kernel_shape=list(kernel),
            strides=list(geo.stride),
            pads=_pads(geo),
            dilations=list(geo.dilation),
        )

    _batched(g, ins[0], shape, n, run, out)


def _adaptive_max_pool(g: Graph, m: Any, ins: list[str], out: str, s: Shapes) -> None:
    if m.return_indices:
        raise ValueError(f"export: {type(m).__name__} with return_indices has no ONNX form here")
    shape = s.inputs[0]
    n = 1 if isinstance(m, nn.AdaptiveMaxPool1d) else 2
    size = shape[len(shape) - n :]
    wanted = (m.output_size,) * n if isinstance(m.output_size, int | None) else m.output_size
    target = [m_ if o is None else int(o) for o, m_ in zip(wanted, size)]
    if all(t == 1 for t in target):
        _batched(g, ins[0], shape, n, lambda x: g.node("GlobalMaxPool", [x]), out)
        return
    if any(a % t for a, t in zip(size, target)):
        raise ValueError(
            f"export: {type(m).__name__} from {size} to {tuple(target)} has windows of unequal "
            "sizes, which ONNX MaxPool cannot express"
        )
    kernel = [a // t for a, t in zip(size, target)]
    _batched(
        g,
        ins[0],
        shape,
        n,
        lambda x: g.node("MaxPool", [x], kernel_shape=kernel, strides=kernel),
        out,
    )


def _embedding(g: Graph, m: Any, ins: list[str], out: str, s: Shapes) -> None:
    g.node("Gather", ins, out, axis=0)


def _leaky_relu(g: Graph, m: Any, ins: list[str], out: str, s: Shapes) -> None:
    g.node("LeakyRelu", ins, out, alpha=float(m.negative_slope))


#: Layers exported whole, by class name (see `trace.WHOLE`).
LAYERS: dict[str, Converter] = {
    "MaxPool1d": _max_pool,
    "MaxPool2d": _max_pool,
    "AdaptiveMaxPool1d": _adaptive_max_pool,
    "AdaptiveMaxPool2d": _adaptive_max_pool,
    "Embedding": _embedding,
    "LeakyReLU": _leaky_relu,
}
