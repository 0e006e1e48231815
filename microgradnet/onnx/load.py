"""`load`: an ONNX file as a microgradnet module whose forward runs the graph with Tensor ops.

Floating-point initializers become trainable `Parameter`s under their own (dotted) names, so
``state_dict()`` and ``named_parameters()`` give the names the file holds; batch norm's running
statistics become buffers; integer initializers (shapes, indices) stay constants. Each ONNX
operator has one interpreter in `OPERATORS`, written with `microgradnet.ops`, so the gradients
of the loaded model are microgradnet's exact ones, to every order. Shape computations (``Shape``,
``Gather`` on shapes, ``Concat`` of sizes, ...) run on plain numpy arrays.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import nn, ops
from ..engine import Node
from ..interop.extras import require
from ..nn import functional as F  # noqa: N812 - PyTorch's convention
from ..ops.conv import Conv, ConvGeometry, ConvTranspose
from ..ops.pool import avg_pool, max_pool
from ..tensor import Tensor

Attrs = dict[str, Any]
Operator = Callable[[list[Any], Attrs, int], list[Any]]


def _raw(x: Any) -> np.ndarray:
    """A constant input (shape, axes, indices, condition) as a numpy array."""
    return np.asarray(x.data if isinstance(x, Node) else x)


def _ints(x: Any) -> list[int]:
    return [int(v) for v in _raw(x).reshape(-1)]


def _axes(ins: list[Any], attrs: Attrs, position: int = 1) -> list[int] | None:
    """Axes given as an input (newer opsets) or an attribute (older ones)."""
    if len(ins) > position and ins[position] is not None:
        return _ints(ins[position])
    return attrs.get("axes")


def _one(fn: Callable[..., Any]) -> Operator:
    return lambda ins, attrs, opset: [fn(*ins)]


def _reduce(kind: str) -> Operator:
    def run(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
        axes = _axes(ins, attrs)
        keep = bool(attrs.get("keepdims", 1))
        x = ins[0]
        if not axes:
            if attrs.get("noop_with_empty_axes", 0):
                return [x]
            axes = list(range(len(np.shape(_raw(x)))))
        fn = {"sum": ops.sum, "mean": ops.mean, "max": ops.amax, "min": ops.amin}[kind]
        return [fn(x, tuple(axes), keepdim=keep) if axes else x]

    return run


def _reshape(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    x = ins[0]
    shape = np.shape(_raw(x))
    target = _ints(ins[1])
    if not attrs.get("allowzero", 0):
        target = [shape[i] if t == 0 else t for i, t in enumerate(target)]
    return [ops.reshape(x, tuple(target))]


def _slice(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    x = ins[0]
    ndim = len(np.shape(_raw(x)))
    if opset < 10:
        starts, ends = attrs["starts"], attrs["ends"]
        axes, steps = attrs.get("axes"), None
    else:
        starts, ends = _ints(ins[1]), _ints(ins[2])
        axes = _axes(ins, {}, 3)
        steps = _ints(ins[4]) if len(ins) > 4 and ins[4] is not None else None
    axes = list(range(len(starts))) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index: list[Any] = [slice(None)] * ndim
    for a, s, e, st in zip(axes, starts, ends, steps):
        index[a % ndim] = slice(s, e, st)
    return [ops.getitem(x, tuple(index))]


def _gather(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    x, idx = ins
    axis = attrs.get("axis", 0) % max(len(np.shape(_raw(x))), 1)
    index = _raw(idx).astype(np.int64)
    return [ops.getitem(x, (slice(None),) * axis + (index,))]


def _squeeze(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    axes = _axes(ins, attrs)
    return [ops.squeeze(ins[0], None if axes is None else tuple(axes))]


def _unsqueeze(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    axes = _axes(ins, attrs)
    return [ops.unsqueeze(ins[0], tuple(axes or ()))]


def _fold(fn: Callable[[Any, Any], Any]) -> Operator:
    def run(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
        out = ins[0]
        for x in ins[1:]:
            out = fn(out, x)
        return [out]

    return run


def _clip(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    lo = ins[1] if len(ins) > 1 else attrs.get("min")
    hi = ins[2] if len(ins) > 2 else attrs.get("max")
    if lo is None and hi is None:
        return [ins[0]]
    return [ops.clamp(ins[0], lo, hi)]


def _softmax(fn: Callable[..., Any]) -> Operator:
    def run(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
        ndim = len(np.shape(_raw(ins[0])))
        axis = attrs.get("axis", -1 if opset >= 13 else 1) % ndim
        if opset < 13 and axis != ndim - 1:
            raise ValueError(
                f"load: Softmax of opset {opset} over axis {axis} of a {ndim}-d input flattens "
                "the trailing axes, which this loader does not do"
            )
        return [fn(ins[0], axis)]

    return run


def _gemm(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    a, b = ins[0], ins[1]
    if attrs.get("transA", 0):
        a = ops.matrix_transpose(a)
    if attrs.get("transB", 0):
        b = ops.matrix_transpose(b)
    y = ops.matmul(a, b)
    alpha, beta = attrs.get("alpha", 1.0), attrs.get("beta", 1.0)
    if alpha != 1.0:
        y = y * alpha
    if len(ins) > 2 and ins[2] is not None:
        y = y + (ins[2] if beta == 1.0 else ins[2] * beta)
    return [y]


def _pairs(attrs: Attrs, n: int) -> tuple[tuple[int, int], ...]:
    pads = attrs.get("pads", [0] * 2 * n)
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", b"VALID", "NOTSET", "VALID"):
        raise ValueError(f"load: auto_pad={attrs['auto_pad']!r} is not supported; use pads")
    return tuple((pads[i], pads[i + n]) for i in range(n))


def _geometry(attrs: Attrs, n: int) -> ConvGeometry:
    return ConvGeometry(
        tuple(attrs.get("strides", [1] * n)),
        _pairs(attrs, n),
        tuple(attrs.get("dilations", [1] * n)),
        int(attrs.get("group", 1)),
    )


def _bias(y: Any, ins: list[Any], n: int) -> Any:
    if len(ins) > 2 and ins[2] is not None:
        y = y + ops.reshape(ins[2], (-1,) + (1,) * n)
    return y


def _conv(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    n = len(np.shape(_raw(ins[1]))) - 2
    return [_bias(Conv(_geometry(attrs, n))(ins[0], ins[1]), ins, n)]


def _conv_transpose(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    x, w = ins[0], ins[1]
    n = len(np.shape(_raw(w))) - 2
    geo = _geometry(attrs, n)
    extra = attrs.get("output_padding", [0] * n)
    sizes = np.shape(_raw(x))[2:]
    kernel = np.shape(_raw(w))[2:]
    size = tuple(
        (m - 1) * s - lo - hi + d * (k - 1) + e + 1
        for m, s, (lo, hi), d, k, e in zip(
            sizes, geo.stride, geo.padding, geo.dilation, kernel, extra
        )
    )
    if "output_shape" in attrs:
        raise ValueError("load: ConvTranspose with output_shape is not supported; use pads")
    return [_bias(ConvTranspose(geo, size)(x, w), ins, n)]


def _padded(x: Any, pairs: tuple[tuple[int, int], ...], value: float) -> Any:
    """``x`` with ``value`` joined before and after each spatial axis (constants, so gradients
    are those of the join)."""
    dtype = _raw(x).dtype
    for axis, (lo, hi) in enumerate(pairs, start=2):
        shape = list(np.shape(_raw(x)))
        parts = []
        if lo:
            parts.append(np.full(shape[:axis] + [lo] + shape[axis + 1 :], value, dtype))
        parts.append(x)
        if hi:
            parts.append(np.full(shape[:axis] + [hi] + shape[axis + 1 :], value, dtype))
        x = ops.cat(parts, axis) if len(parts) > 1 else x
    return x


def _max_pool(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    kernel = attrs["kernel_shape"]
    n = len(kernel)
    x = _padded(ins[0], _pairs(attrs, n), -np.inf)
    out, _ = max_pool(
        x,
        tuple(kernel),
        tuple(attrs.get("strides", [1] * n)),
        0,
        tuple(attrs.get("dilations", [1] * n)),
        bool(attrs.get("ceil_mode", 0)),
        n,
    )
    return [out]


def _average_pool(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    kernel = attrs["kernel_shape"]
    n = len(kernel)
    pairs = _pairs(attrs, n)
    strides = tuple(attrs.get("strides", [1] * n))
    ceil = bool(attrs.get("ceil_mode", 0))
    if any(d != 1 for d in attrs.get("dilations", [1] * n)):
        raise ValueError("load: AveragePool with dilations is not supported")
    if attrs.get("count_include_pad", 0):
        return [
            avg_pool(_padded(ins[0], pairs, 0.0), tuple(kernel), strides, 0, ceil, True, None, n)
        ]
    if any(lo != hi for lo, hi in pairs):
        raise ValueError("load: AveragePool with uneven pads and count_include_pad=0")
    pads = tuple(lo for lo, _ in pairs)
    return [avg_pool(ins[0], tuple(kernel), strides, pads, ceil, False, None, n)]


def _global(fn: Callable[..., Any]) -> Operator:
    def run(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
        ndim = len(np.shape(_raw(ins[0])))
        return [fn(ins[0], tuple(range(2, ndim)), keepdim=True)]

    return run


def _batch_norm(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    if attrs.get("training_mode", 0):
        raise ValueError("load: BatchNormalization in training mode is not supported")
    x, scale, bias, mean, var = ins
    n = len(np.shape(_raw(x))) - 2
    shape = (-1,) + (1,) * n
    eps = attrs.get("epsilon", 1e-5)
    y = (x - ops.reshape(mean, shape)) / ops.sqrt(ops.reshape(var, shape) + eps)
    return [y * ops.reshape(scale, shape) + ops.reshape(bias, shape)]


def _layer_norm(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    x = ins[0]
    ndim = len(np.shape(_raw(x)))
    axes = tuple(range(attrs.get("axis", -1) % ndim, ndim))
    centred = x - ops.mean(x, axes, keepdim=True)
    y = centred / ops.sqrt(
        ops.mean(centred * centred, axes, keepdim=True) + attrs.get("epsilon", 1e-5)
    )
    y = y * ins[1]
    return [y + ins[2] if len(ins) > 2 and ins[2] is not None else y]


def _flatten(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    shape = np.shape(_raw(ins[0]))
    axis = attrs.get("axis", 1) % (len(shape) + 1)
    return [ops.reshape(ins[0], (math.prod(shape[:axis]), math.prod(shape[axis:])))]


def _expand(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    shape = np.broadcast_shapes(np.shape(_raw(ins[0])), tuple(_ints(ins[1])))
    return [ops.broadcast_to(ins[0], shape)]


def _div(a: Any, b: Any) -> Any:
    if not isinstance(a, Node) and not isinstance(b, Node):
        ra, rb = _raw(a), _raw(b)
        if ra.dtype.kind in "iu" and rb.dtype.kind in "iu":
            return np.trunc(ra / rb).astype(np.result_type(ra, rb))  # ONNX divides ints so
    return ops.div(a, b)


def _pow(a: Any, b: Any) -> Any:
    if not isinstance(b, Node) and _raw(b).size == 1:
        return ops.pow(a, float(_raw(b)))  # a number: microgradnet's pow by a constant
    return ops.pow(a, b)


def _cast(ins: list[Any], attrs: Attrs, opset: int) -> list[Any]:
    from onnx import helper  # present: load() required it

    dtype = helper.tensor_dtype_to_np_dtype(attrs["to"])
    x = ins[0]
    if isinstance(x, Node):
        if x.data.dtype != dtype:
            raise ValueError(f"load: Cast of a computed {x.data.dtype} value to {dtype}")
        return [x]
    return [_raw(x).astype(dtype)]


#: Every ONNX operator the loader runs.
OPERATORS: dict[str, Operator] = {
    "Add": _one(ops.add),
    "Sub": _one(ops.sub),
    "Mul": _one(ops.mul),
    "Div": _one(_div),
    "Pow": _one(_pow),
    "Neg": _one(ops.neg),
    "Exp": _one(ops.exp),
    "Log": _one(ops.log),
    "Sqrt": _one(ops.sqrt),
    "Abs": _one(ops.abs),
    "Sign": _one(ops.sign),
    "Tanh": _one(ops.tanh),
    "Sigmoid": _one(ops.sigmoid),
    "Relu": _one(ops.relu),
    "Softsign": _one(ops.softsign),
    "LeakyRelu": lambda ins, attrs, opset: [F.leaky_relu(ins[0], attrs.get("alpha", 0.01))],
    "MatMul": _one(ops.matmul),
    "Gemm": _gemm,
    "ReduceSum": _reduce("sum"),
    "ReduceMean": _reduce("mean"),
    "ReduceMax": _reduce("max"),
    "ReduceMin": _reduce("min"),
    "Softmax": _softmax(ops.softmax),
    "LogSoftmax": _softmax(ops.log_softmax),
    "Reshape": _reshape,
    "Flatten": _flatten,
    "Transpose": lambda ins, attrs, opset: [
        ops.permute(ins[0], attrs.get("perm", list(reversed(range(np.ndim(_raw(ins[0])))))))
    ],
    "Expand": _expand,
    "Slice": _slice,
    "Gather": _gather,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Concat": lambda ins, attrs, opset: [ops.cat(list(ins), attrs["axis"])],
    "Where": lambda ins, attrs, opset: [ops.where(_raw(ins[0]).astype(bool), ins[1], ins[2])],
    "Max": _fold(ops.maximum),
    "Min": _fold(ops.minimum),
    "Clip": _clip,
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "MaxPool": _max_pool,
    "AveragePool": _average_pool,
    "GlobalMaxPool": _global(ops.amax),
    "GlobalAveragePool": _global(ops.mean),
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "Identity": lambda ins, attrs, opset: [ins[0]],
    "Dropout": lambda ins, attrs, opset: [ins[0]],
    "Constant": lambda ins, attrs, opset: [attrs["value"]],
    "Shape": lambda ins, attrs, opset: [
        np.array(np.shape(_raw(ins[0]))[attrs.get("start", 0) : attrs.get("end")], np.int64)
    ],
    "Cast": _cast,
}


class OnnxModule(nn.Module):
    """An ONNX graph run by microgradnet: call it with the graph's inputs, in order; floating
    initializers are its parameters, under their names in the file.

    Attributes
    ----------
    input_names, output_names : list of str
        The graph's inputs (initializers excluded) and outputs.
    """

    def __init__(self, proto: Any, numpy_helper: Any, helper: Any) -> None:
        super().__init__()
        graph = proto.graph
        self.opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 1)
        unknown = sorted(
            {n.op_type for n in graph.node if n.op_type not in OPERATORS}
            | {n.domain for n in graph.node if n.domain not in ("", "ai.onnx")}
        )
        if unknown:
            raise ValueError(
                f"load: the operators {unknown} are not supported; supported are "
                f"{', '.join(sorted(OPERATORS))}"
            )
        statistics = {
            n.input[k]
            for n in graph.node
            if n.op_type == "BatchNormalization"
            for k in (3, 4)
            if len(n.input) > k
        }
        self._tensors: dict[str, Any] = {}
        self._constants: dict[str, np.ndarray] = {}
        for init in graph.initializer:
            array = np.array(numpy_helper.to_array(init))
            if array.dtype in (np.float32, np.float64):
                value = Tensor(array) if init.name in statistics else nn.Parameter(array)
                self._place(init.name, value, buffer=init.name in statistics)
                self._tensors[init.name] = value
            else:
                self._constants[init.name] = array
        self._nodes = [
            (
                n.op_type,
                list(n.input),
                list(n.output),
                {a.name: _attribute(helper, numpy_helper, a) for a in n.attribute},
            )
            for n in graph.node
        ]
        known = set(self._tensors) | set(self._constants)
        self.input_names = [i.name for i in graph.input if i.name not in known]
        self.output_names = [o.name for o in graph.output]

    def _place(self, name: str, value: Tensor, buffer: bool) -> None:
        """Register ``value`` under the dotted ``name``, in sub-modules made for its prefixes
        (so ``0.weight`` is the parameter ``weight`` of a child ``0``)."""
        *path, leaf = name.split(".")
        owner: nn.Module = self
        if all(path) and leaf:
            for part in path:
                child = owner._modules.get(part)
                if child is None:
                    if part in owner._parameters or part in owner._buffers or hasattr(owner, part):
                        owner = self
                        leaf = name
                        break
                    child = nn.Module()
                    owner.add_module(part, child)
                owner = child
        else:
            leaf = name
        if buffer:
            owner.register_buffer(leaf, value)
        else:
            owner.register_parameter(leaf, value)  # type: ignore[arg-type]

    def forward(self, *inputs: Any) -> Any:
        """Run the graph on ``inputs`` (Tensors or arrays, one per graph input); returns the
        output, or a tuple of them."""
        if len(inputs) != len(self.input_names):
            raise TypeError(
                f"OnnxModule: the graph takes {len(self.input_names)} inputs "
                f"{self.input_names}, got {len(inputs)}"
            )
        env: dict[str, Any] = {**self._constants, **self._tensors}
        for name, x in zip(self.input_names, inputs):
            raw = _raw(x)
            env[name] = x if isinstance(x, Node) or raw.dtype.kind != "f" else Tensor(raw)
        for op_type, ins, outs, attrs in self._nodes:
            try:
                args = [env[n] if n else None for n in ins]
            except KeyError as err:
                raise ValueError(
                    f"load: {op_type} reads {err.args[0]!r}, which nothing made"
                ) from None
            try:
                results = OPERATORS[op_type](args, attrs, self.opset)
            except (ValueError, TypeError, IndexError) as err:
                shapes = [np.shape(_raw(a)) if a is not None else None for a in args]
                raise type(err)(f"{op_type} on inputs {ins} of shapes {shapes}: {err}") from err
            env.update(zip(outs, results))
        out = [env[n] for n in self.output_names]
        return out[0] if len(out) == 1 else tuple(out)

    def extra_repr(self) -> str:
        return f"inputs={self.input_names}, outputs={self.output_names}, nodes={len(self._nodes)}"


def _attribute(helper: Any, numpy_helper: Any, a: Any) -> Any:
    value = helper.get_attribute_value(a)
    if hasattr(value, "dims") and hasattr(value, "data_type"):  # a TensorProto
        return np.array(numpy_helper.to_array(value))
    if isinstance(value, bytes):
        return value.decode()
    return value


def load(path: str | os.PathLike[str]) -> OnnxModule:
    """Read an ONNX file as a trainable microgradnet module (`OnnxModule`).

    The file is checked by `onnx.checker` first. Every operator of the graph must be one the
    loader runs (`OPERATORS`): those `export` writes and the usual ones of other exporters
    (``Gemm``, ``Flatten``, ``BatchNormalization``, ``Shape`` arithmetic, ...).

    Raises
    ------
    ValueError
        Naming the operators the loader does not run.
    ModuleNotFoundError
        Without the ``onnx`` package (the extra ``onnx``).

    Examples
    --------
    Fine-tune a file written elsewhere (see ``docs/howto/leaving-for-pytorch.md``)::

        model = microgradnet.onnx.load("model.onnx")
        loss = F.mse_loss(model(x), y)
        loss.backward()  # gradients for every initializer
    """
    onnx = require("onnx", "microgradnet.onnx.load")
    proto = onnx.load(os.fspath(path))
    onnx.checker.check_model(proto)
    return OnnxModule(proto, onnx.numpy_helper, onnx.helper)
