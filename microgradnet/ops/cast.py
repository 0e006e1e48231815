"""Copies and dtype conversions: ``clone``, ``to`` and its short forms (``float``, ``long``, ...).

A conversion between floating dtypes is an op: its gradient is converted back, so a float32
parameter used in float64 arithmetic still gets a float32 gradient. A conversion to an integer or
boolean dtype cuts the graph (nothing can be differentiated through it), as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Node
from .base import Op
from .errors import OpError
from .registry import export

#: PyTorch's dtype words, and the Python types, as numpy dtypes.
_NAMES = {
    "float": np.float32,
    "double": np.float64,
    "half": np.float16,
    "long": np.int64,
    "int": np.int32,
    "short": np.int16,
    "bool": np.bool_,
}

#: PyTorch's device names, recognised so that ``to('cuda')`` says why it cannot be.
_DEVICES = ("cpu", "cuda", "mps", "xpu", "meta")

#: PyTorch's dtype names, as numpy dtypes (``microgradnet.float32``, ``microgradnet.long``, ...).
DTYPES = {
    name: np.dtype(dt)
    for name, dt in {
        "float16": np.float16, "float32": np.float32, "float64": np.float64, "half": np.float16,
        "double": np.float64, "int8": np.int8, "int16": np.int16, "int32": np.int32,
        "int64": np.int64, "long": np.int64, "short": np.int16, "uint8": np.uint8,
        "bool": np.bool_, "float": np.float32, "int": np.int32,
    }.items()
}  # fmt: skip
# (``mg.float`` and ``mg.int`` are float32 and int32, as ``torch.float`` and ``torch.int``; the
# strings "float" and "int" keep numpy's meaning, float64 and int64, as the Python types do.)


def as_dtype(dtype: Any, op: str) -> np.dtype:
    """``dtype`` as a numpy dtype: numpy dtypes and their names, PyTorch's words (``'long'``) and
    Python's types (``float`` is float64, ``int`` int64, as numpy reads them); only bool, integer
    and floating dtypes.

    Examples
    --------
    >>> as_dtype("long", "to"), as_dtype(float, "to"), as_dtype("float32", "to")
    (dtype('int64'), dtype('float64'), dtype('float32'))
    """
    if isinstance(dtype, str) and dtype in _NAMES and dtype not in ("float", "int", "bool"):
        dtype = _NAMES[dtype]
    try:
        dt: np.dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a dtype") from None
    if dt.kind not in "biuf":
        raise TypeError(f"{op}: dtype {dt} is not supported; tensors hold bool, integer or float")
    return dt


class Cast(Op, params=("dtype",)):
    """The input converted to the floating dtype ``dtype``; the gradient goes back to the input's
    own dtype."""

    name = "to"
    dtype: np.dtype

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.astype(self.dtype)

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (Cast(self.parents[0].data.dtype)(g),)


class Clone(Op):
    """A copy of the input in new (C-contiguous) memory; the gradient passes unchanged."""

    __slots__ = ()
    name = "clone"

    def forward(self, x: Any) -> Any:
        return np.array(x, copy=True, order="C")

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (g,)


def _convert(x: Any, dtype: np.dtype) -> Any:
    if not isinstance(x, Node):
        return np.asarray(x).astype(dtype)
    if x.data.dtype == dtype:
        return x
    if dtype.kind == "f" and x.data.dtype.kind == "f":
        return Cast(dtype)(x)
    return type(x)._wrap(x.data.astype(dtype))  # integer and bool results leave the graph


def as_dtype_of(input: Any, dtype: Any, op: str) -> Any:  # noqa: A002 - PyTorch's name
    """``input`` converted to ``dtype`` (``dtype=`` of `to` and of the reductions), unchanged
    when None; ``op`` names the operation in the error for a bad dtype."""
    return input if dtype is None else _convert(input, as_dtype(dtype, op))


@export(toplevel=False)
def to(
    input: Any,  # noqa: A002 - PyTorch's names
    *args: Any,
    dtype: Any = None,
    device: Any = None,
    non_blocking: bool = False,
    copy: bool = False,
) -> Any:
    """``input`` converted to a dtype (itself when it already has it, unless ``copy``);
    differentiable between floating dtypes, cut from the graph otherwise.

    As in PyTorch the dtype comes positionally or as ``dtype=``, or from another tensor
    (``x.to(other)``); a device may be given too, and must be ``'cpu'``. ``non_blocking`` is
    accepted as PyTorch's training loops pass it (``batch.to(device, non_blocking=True)``); on the
    CPU every copy is finished when ``to`` returns, as in PyTorch.

    Examples
    --------
    >>> import microgradnet as mg
    >>> x = mg.tensor([1.5, -2.5], requires_grad=True)
    >>> x.to("float32").sum().backward()
    >>> x.grad
    tensor([1., 1.])
    >>> x.to("cpu", "int64")
    tensor([ 1, -2], dtype=int64)
    """
    for arg in args:
        if isinstance(arg, Node):
            dtype = arg.data.dtype
        elif isinstance(arg, str) and arg.split(":")[0] in _DEVICES:
            device = arg
        elif dtype is None:
            dtype = arg
        else:
            raise TypeError(f"to: unexpected argument {arg!r} after dtype {dtype!r}")
    if device is not None and str(device).split(":")[0] != "cpu":
        raise OpError(f"to: device {device!r} is not available; microgradnet runs on 'cpu'")
    out = as_dtype_of(input, dtype, "to")
    return clone(out) if copy and out is input else out


@export(toplevel=False, name="type")
def to_type(input: Any, dtype: Any = None) -> Any:  # noqa: A002 - PyTorch's names
    """`to` ``dtype``; without ``dtype``, the name of the input's dtype (``'float64'``)."""
    if dtype is None:
        return str(input.dtype)
    return _convert(input, as_dtype(dtype, "type"))


def _short(name: str, dtype: Any) -> None:
    dt = np.dtype(dtype)

    def convert(input: Any) -> Any:  # noqa: A002 - PyTorch's name
        return _convert(input, dt)

    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"``to({dt})``: PyTorch's ``Tensor.{name}()``."
    export(toplevel=False, name=name)(convert)


for _name, _dtype in _NAMES.items():
    _short(_name, _dtype)


@export(toplevel=True)
def clone(input: Any) -> Any:  # noqa: A002 - PyTorch's name
    """A copy of ``input`` in new memory, still in the graph (the gradient passes unchanged).

    Examples
    --------
    >>> import microgradnet as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x.clone()
    >>> (y * y).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """
    return Clone()(input)


@export(toplevel=False)
def contiguous(input: Any) -> Any:  # noqa: A002 - PyTorch's name
    """``input`` itself when its memory is C-contiguous, else a `clone` (which is)."""
    data = input.data if isinstance(input, Node) else np.asarray(input)
    return input if data.flags.c_contiguous else Clone()(input)
