"""What a trace watches besides the engine's own events, installed only while a call is traced.

Methods of `Tensor` and `Value` are wrapped for the duration of a trace (the eager path never
pays for them): in-place updates and ``Module.zero_grad`` become recorded calls, comparisons become
recorded computations, and code outside microgradnet that reads a traced value as Python or numpy
data (``.item()``, ``.numpy()``, ``.tolist()``, ``float(t)``, ``bool(t)``, ``v < 0`` on a
`Value`, ``.data``, ``.grad``) makes the call unreplayable: what it computes from those numbers
happens outside the record. Wrappers act only in the thread that traces.
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import numpy as np

from .. import engine
from ..engine import Node, this_thread
from ..nn.module import Module
from ..ops import reduce
from ..tensor import Tensor
from ..value import Value

_ESCAPES = {
    Tensor: ("item", "tolist", "numpy", "__array__", "__bool__", "__float__"),
    Value: ("__float__", "__lt__", "__le__", "__gt__", "__ge__"),
}
_INPLACE = (
    "add_",
    "sub_",
    "mul_",
    "div_",
    "copy_",
    "fill_",
    "zero_",
    "__setitem__",
    "__iadd__",
    "__isub__",
    "__imul__",
    "__itruediv__",
)

_lock = threading.Lock()
_depth = 0
_saved: list[tuple[Any, str, Any]] = []


def _escape(cls: type, name: str, orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def wrapper(self: Node, *args: Any, **kwargs: Any) -> Any:
        tracer = this_thread.switches.tracer
        if tracer is not None and not _library_caller():
            what = f"{cls.__name__}.{name}()" if name.isidentifier() else name
            tracer.cannot_replay(f"reading a traced value as Python data ({what})")
        return orig(self, *args, **kwargs)

    return wrapper


def _library_caller() -> bool:
    name = sys._getframe(2).f_globals.get("__name__", "")
    return bool(name == "microgradnet" or name.startswith("microgradnet."))


#: The modules whose reads of ``.data`` are part of what a trace records or repeats: the engine,
#: `Op` (inputs of forwards and rules), the front ends, optimizers (run as recorded calls).
_RECORDED = (
    "microgradnet.engine",
    "microgradnet.ops.base",
    "microgradnet.tensor",
    "microgradnet.value",
    "microgradnet.optim.",
    "microgradnet.compiler.",
)


#: Helpers that read ``.data`` for its shape or dtype only, with the functions that call them so;
#: any caller when None.
_METADATA = {"_shape_of": None, "avg_pool": None, "adaptive_avg_pool": None}


#: `microgradnet.ops.shape`'s readers of data: the function that calls one is the culprit.
_READERS = {"raw_array", "raw_data"}


def _metadata_read(frame: FrameType) -> bool:
    callers = _METADATA.get(frame.f_code.co_name, ())
    if callers is None:
        return True
    return frame.f_back is not None and frame.f_back.f_code.co_name in callers


def _slot_property(cls: type, name: str) -> property:
    """``.data`` or ``.grad`` as a property over the slot of `Node` that notes reads and writes
    by code outside microgradnet, and reads by microgradnet's own functions that compute on the
    data outside an operation (a mask, indices or running statistics made with numpy), which a
    replay would not compute again."""
    member = inspect.getattr_static(cls, name)  # Node's slot, or a front end's own property

    def get(self: Node) -> Any:
        tracer = this_thread.switches.tracer
        if tracer is not None and not tracer.trusted:
            frame = sys._getframe(1)
            if frame.f_code.co_name in _READERS and frame.f_back is not None:
                frame = frame.f_back  # name the function that asked for the data
            module = frame.f_globals.get("__name__", "")
            if not module.startswith("microgradnet"):
                tracer.cannot_replay(f"reading .{name} of a traced value")
            elif not module.startswith(_RECORDED) and not _metadata_read(frame):
                tracer.cannot_replay(
                    f"{module}.{frame.f_code.co_name} computes with numpy on the data of a "
                    "traced value, outside the recorded operations"
                )
        return member.__get__(self, type(self))

    def set(self: Node, value: Any) -> None:  # noqa: A001 - a property's setter
        tracer = this_thread.switches.tracer
        if tracer is not None and not _library_caller():
            if name == "grad":
                tracer.set_grad(self, value)
            else:
                tracer.cannot_replay("setting .data of a traced value")
        member.__set__(self, value)

    return property(get, set)


def _inplace(name: str, orig: Callable[..., Any]) -> Callable[..., Any]:
    augmented = name.startswith("__i")

    @functools.wraps(orig)
    def wrapper(self: Tensor, *args: Any) -> Any:
        tracer = this_thread.switches.tracer
        recorded = augmented and self.requires_grad and this_thread.switches.grad_enabled
        if tracer is None or recorded:
            return orig(self, *args)  # a recorded operation (``a += b`` on a graph)
        return tracer.inplace(orig, self, args)

    return wrapper


def _compare(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def wrapper(self: Tensor, other: Any, fn: Any) -> Tensor:
        result = orig(self, other, fn)
        tracer = this_thread.switches.tracer
        if tracer is not None:
            tracer.compute(lambda a, o: np.asarray(fn(a, o)), (self, other), result)
        return result  # type: ignore[no-any-return]

    return wrapper


def _invert(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def wrapper(self: Tensor) -> Tensor:
        result = orig(self)
        tracer = this_thread.switches.tracer
        if tracer is not None:
            tracer.compute(np.invert, (self,), result)
        return result  # type: ignore[no-any-return]

    return wrapper


def _index_of(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def wrapper(pick: Any, input: Any, dim: Any, keepdim: bool, op: str) -> Any:  # noqa: A002
        tracer = this_thread.switches.tracer
        if tracer is None or not isinstance(input, Node):
            return orig(pick, input, dim, keepdim, op)
        with tracer.trusting():
            result = orig(pick, input, dim, keepdim, op)
        tracer.compute(lambda raw: orig(pick, raw, dim, keepdim, op), (input,), result)
        return result

    return wrapper


def _zero_grad(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def wrapper(self: Module, set_to_none: bool = True) -> None:
        tracer = this_thread.switches.tracer
        if tracer is None:
            return orig(self, set_to_none)  # type: ignore[no-any-return]
        return tracer.call(functools.partial(orig, self), set_to_none)  # type: ignore[no-any-return]

    return wrapper


def _created(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def wrapper(self: Node, *args: Any, **kwargs: Any) -> None:
        orig(self, *args, **kwargs)
        tracer = this_thread.switches.tracer
        if tracer is not None:
            tracer.created(self)

    return wrapper


def _seeded(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def wrapper(root: Node, grad: Any, *args: Any) -> Any:
        seed = orig(root, grad, *args)
        tracer = this_thread.switches.tracer
        if tracer is not None and grad is None:  # the default gradient: ones made here
            tracer.implicit_seeds.add(id(seed))
            tracer.created_array(seed)
        return seed

    return wrapper


def _metadata(name: str) -> property:
    """``Tensor.shape`` (``ndim``, ``dtype``) read through a Python getter of this module: the
    front end's own getter runs without a frame of its own, so that the read of ``.data`` would
    be blamed on its caller."""

    def get(self: Tensor) -> Any:
        return getattr(self.data, name)

    return property(get, doc=getattr(Tensor, name).__doc__)


def _patches() -> list[tuple[Any, str, Any]]:
    found: list[tuple[Any, str, Any]] = []
    for cls, names in _ESCAPES.items():
        found += [(cls, n, _escape(cls, n, cls.__dict__[n])) for n in names if n in cls.__dict__]
        found += [(cls, n, _slot_property(cls, n)) for n in ("data", "grad")]
    found += [(Tensor, n, _inplace(n, Tensor.__dict__[n])) for n in _INPLACE]
    found += [(Tensor, n, _metadata(n)) for n in ("shape", "ndim", "dtype")]
    found.append((Tensor, "_compare", _compare(Tensor.__dict__["_compare"])))
    found.append((Tensor, "__invert__", _invert(Tensor.__dict__["__invert__"])))
    found.append((reduce, "_index_of", _index_of(reduce._index_of)))
    found.append((Module, "zero_grad", _zero_grad(Module.__dict__["zero_grad"])))
    found += [(cls, "__init__", _created(cls.__dict__["__init__"])) for cls in (Tensor, Value)]
    if hasattr(engine, "_seed"):  # the default seed gradient, which a lowering may fold
        found.append((engine, "_seed", _seeded(engine._seed)))
    return found


@contextmanager
def instrumented() -> Iterator[None]:
    """The wrappers installed for the block (once, however many threads trace at a time)."""
    global _depth
    with _lock:
        if _depth == 0:
            for owner, name, wrapper in _patches():
                _saved.append((owner, name, owner.__dict__.get(name)))
                setattr(owner, name, wrapper)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for owner, name, orig in reversed(_saved):
                    if orig is None:
                        delattr(owner, name)
                    else:
                        setattr(owner, name, orig)
                _saved.clear()
