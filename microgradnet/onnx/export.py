"""`export`: a model's recorded forward pass written as an ONNX graph."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import nn
from ..engine import Node
from ..interop.extras import require
from . import convert
from .trace import Trace, compare, record

DEFAULT_OPSET = 18
MIN_OPSET = 13

DynamicAxes = Mapping[str, Mapping[int, str] | Sequence[int]]


def export(
    model: nn.Module,
    example_inputs: Any,
    path: str | os.PathLike[str],
    dynamic_axes: DynamicAxes | None = None,
    opset: int | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
) -> None:
    """Write ``model`` as an ONNX file: the graph of one forward pass on ``example_inputs``.

    The model runs in eval mode (dropout off, batch norm on its running statistics), then goes
    back to its mode. Every recorded operation becomes ONNX nodes (`convert.OPS`); max pooling,
    leaky ReLU and embedding layers become their ONNX operators (`convert.LAYERS`). Parameters
    become initializers named by their dotted names (``0.weight``); other constants get fresh
    names. The model also runs on the example's values shuffled (and one longer along each
    dynamic axis), so that a constant taken from the input's values, which the graph would
    freeze, is an error rather than a wrong file. `onnx.checker` checks the result.

    Parameters
    ----------
    model : nn.Module
        A model of Tensor layers whose outputs are floating-point Tensors (one or a tuple).
    example_inputs : Tensor, array or tuple of them
        One value per argument of ``model``'s forward: floating point, or integer (indices).
    path : str or path-like
        The file to write.
    dynamic_axes : mapping, optional
        For input and output names, the axes whose size may change (a list, or a mapping of
        axis to a symbolic name such as ``{"input": {0: "batch"}}``). Output axes that follow a
        dynamic input axis are dynamic without being named.
    opset : int, optional
        The ONNX opset (18 by default; 13 or later).
    input_names, output_names : sequence of str, optional
        The graph's input and output names (``input``/``output``, or ``input_0``, ... when
        there are several).

    Raises
    ------
    ValueError
        For an op with no ONNX form (naming it), a constant computed from the input's values,
        or a bad name or opset.
    ModuleNotFoundError
        Without the ``onnx`` package (the extra ``onnx``).
    """
    onnx = require("onnx", "microgradnet.onnx.export")
    opset = DEFAULT_OPSET if opset is None else int(opset)
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= newest:
        raise ValueError(f"export: opset {opset} is outside [{MIN_OPSET}, {newest}]")
    arrays = [_as_array(x, k) for k, x in enumerate(_as_tuple(example_inputs))]
    in_names = _names(input_names, len(arrays), "input")
    dynamic = _dynamic(dynamic_axes or {}, in_names, arrays)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        first = record(model, arrays)
        second = record(model, _variant(arrays, dynamic))
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    out_names = _names(output_names, len(first.outputs), "output")
    unknown = set(dynamic_axes or {}) - set(in_names) - set(out_names)
    if unknown:
        raise ValueError(
            f"export: dynamic_axes names {sorted(unknown)}, which are neither inputs {in_names} "
            f"nor outputs {out_names}"
        )
    _check_convertible(first)
    compare(first, second, "export")
    proto = _build(
        onnx, model, first, second, in_names, out_names, dynamic, dynamic_axes or {}, opset
    )
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, os.fspath(path))


def _as_tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, tuple | list) else (x,)


def _as_array(x: Any, k: int) -> np.ndarray:
    a = np.array(x.data if isinstance(x, Node) else x)
    if a.dtype not in (np.float32, np.float64, np.int32, np.int64):
        raise TypeError(
            f"export: example input {k} has dtype {a.dtype}; inputs are float32, float64, int32 "
            "or int64 arrays or Tensors"
        )
    return a


def _names(given: Sequence[str] | None, n: int, kind: str) -> list[str]:
    if given is None:
        return [kind] if n == 1 else [f"{kind}_{k}" for k in range(n)]
    names = list(given)
    if len(names) != n or len(set(names)) != n:
        raise ValueError(f"export: {n} distinct {kind} names needed, got {names}")
    return names


def _dynamic(axes: DynamicAxes, names: list[str], arrays: list[np.ndarray]) -> list[dict[int, str]]:
    """Per input, its dynamic axes and their symbolic names."""
    out: list[dict[int, str]] = []
    for name, a in zip(names, arrays):
        given = axes.get(name, {})
        pairs = given.items() if isinstance(given, Mapping) else ((k, None) for k in given)
        found = {}
        for axis, symbol in pairs:
            if not -a.ndim <= axis < a.ndim:
                raise ValueError(f"export: dynamic axis {axis} of {name!r} (shape {a.shape})")
            found[axis % a.ndim] = symbol or f"{name}_dim{axis % a.ndim}"
        out.append(found)
    return out


def _variant(arrays: list[np.ndarray], dynamic: list[dict[int, str]]) -> list[np.ndarray]:
    """The inputs one longer along each dynamic axis, their values shuffled."""
    rng = np.random.default_rng(0)
    out = []
    for a, axes in zip(arrays, dynamic):
        for axis in axes:
            a = np.take(a, np.arange(a.shape[axis] + 1) % a.shape[axis], axis=axis)
        out.append(rng.permutation(a.reshape(-1)).reshape(a.shape))
    return out


def _check_convertible(trace: Trace) -> None:
    for node in trace.order:
        if node._ctx is not None and id(node) not in trace.calls:
            name = node._ctx.name
            if name not in convert.OPS:
                raise ValueError(
                    f"export: the op {name} has no ONNX form; exportable ops are "
                    f"{', '.join(sorted(convert.OPS))} and the layers "
                    f"{', '.join(sorted(convert.LAYERS))}"
                )


def _build(
    onnx: Any,
    model: nn.Module,
    first: Trace,
    second: Trace,
    in_names: list[str],
    out_names: list[str],
    dynamic: list[dict[int, str]],
    dynamic_axes: DynamicAxes,
    opset: int,
) -> Any:
    helper = onnx.helper
    g = convert.Graph(helper, onnx.numpy_helper, opset)
    g.names.update(in_names + out_names)
    params = {id(p): n for n, p in model.named_parameters()}
    params.update({id(b): n for n, b in model.named_buffers()})
    g.names.update(params.values())
    names: dict[int, str] = {}
    twin = {id(a): b for a, b in zip(first.order, second.order)}
    outputs = {id(o): k for k, o in enumerate(first.outputs)}
    renamed = {k for k, o in enumerate(first.outputs) if first.outputs.count(o) == 1}

    def input_name(value: Any) -> str | None:
        k = first.input_index(value)
        return None if k is None else in_names[k]

    def name_of(node: Node) -> str:
        return names[id(node)]

    for node in first.order:
        other = twin[id(node)]
        k = outputs.get(id(node))
        target = out_names[k] if k is not None and k in renamed else None
        call = first.calls.get(id(node))
        if call is None and node._ctx is None:
            names[id(node)] = _leaf(g, node, first, params, in_names)
            if target is not None:
                g.node("Identity", [names[id(node)]], target)
                names[id(node)] = target
            continue
        kind = type(call.module).__name__ if call else node._ctx.name  # type: ignore[union-attr]
        out = target or g.fresh(kind)
        if call is not None:
            ins = [name_of(r) for r in call.reads]
            if isinstance(call.module, nn.Embedding):
                ins.append(
                    input_name(call.input)
                    or g.const(np.asarray(getattr(call.input, "data", call.input)), "indices")
                )
            inner = second.calls[id(other)].input
            info = convert.Shapes(
                [np.shape(getattr(call.input, "data", call.input))],
                [np.shape(getattr(inner, "data", inner))],
                node.shape,
                other.shape,
                node.data.dtype,
                input_name,
            )
            convert.LAYERS[type(call.module).__name__](g, call.module, ins, out, info)
        else:
            op = node._ctx
            assert op is not None and other._ctx is not None
            parents = list(op.parents)
            other_parents = list(other._ctx.parents)
            info = convert.Shapes(
                [p.shape for p in parents],
                [p.shape for p in other_parents],
                node.shape,
                other.shape,
                node.data.dtype,
                input_name,
            )
            convert.OPS[op.name](g, op, [name_of(p) for p in parents], out, info)
        names[id(node)] = out
    for k, o in enumerate(first.outputs):
        if k not in renamed:
            g.node("Identity", [names[id(o)]], out_names[k])
    graph = helper.make_graph(
        g.nodes,
        "microgradnet",
        [_value_info(helper, n, x.data, dyn) for n, x, dyn in zip(in_names, first.inputs, dynamic)],
        [
            _value_info(
                helper, n, o.data, _output_axes(n, o, o2, first, second, dynamic, dynamic_axes)
            )
            for n, o, o2 in zip(out_names, first.outputs, second.outputs)
        ],
        g.initializers,
    )
    opsets = [helper.make_opsetid("", opset)]
    return helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name="microgradnet",
        ir_version=helper.find_min_ir_version_for(opsets),
    )


def _leaf(
    g: convert.Graph, node: Node, trace: Trace, params: dict[int, str], in_names: list[str]
) -> str:
    """The ONNX name of a leaf: an input; a parameter (an initializer under its dotted name);
    a buffer (a constant under its dotted name); or another constant."""
    k = trace.input_index(node)
    if k is not None:
        return in_names[k]
    name = params.get(id(node))
    if name is None:
        return g.const(np.asarray(node.data), "const")
    if isinstance(node, nn.Parameter):
        return g.initializer(np.asarray(node.data), name)
    return g.const(np.asarray(node.data), name=name)


def _value_info(helper: Any, name: str, data: np.ndarray, dynamic: Mapping[int, str]) -> Any:
    shape = [dynamic.get(i, n) for i, n in enumerate(data.shape)]
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(data.dtype), shape)


def _output_axes(
    name: str,
    out: Node,
    out2: Node,
    first: Trace,
    second: Trace,
    dynamic: list[dict[int, str]],
    dynamic_axes: DynamicAxes,
) -> dict[int, str]:
    """Symbolic names of an output's dynamic axes: those given, else that of an input axis of
    the same sizes in both passes, else a fresh one."""
    given = dynamic_axes.get(name, {})
    named = dict(given.items()) if isinstance(given, Mapping) else {}
    symbols = {
        (x.shape[a], x2.shape[a]): s
        for x, x2, axes in zip(first.inputs, second.inputs, dynamic)
        for a, s in axes.items()
    }
    found = {}
    for i, (a, b) in enumerate(zip(out.shape, out2.shape)):
        if a != b:
            found[i] = named.get(i) or symbols.get((a, b)) or f"{name}_dim{i}"
    return found
