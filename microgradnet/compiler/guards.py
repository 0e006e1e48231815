"""What a replay assumes about the world, checked at every call: the signature of the arguments,
the Python numbers and the `train()`/`eval()` modes the function can see, and the shapes of the
outside tensors it reads; and `Snapshot`, the state a replay changes, for checking a tape once
against the eager call."""

from __future__ import annotations

import copy
import functools
import random
import struct
from collections.abc import Callable, Iterable
from types import CellType
from typing import Any

import numpy as np

from .. import random as mg_random
from ..engine import Node, this_thread
from ..nn.module import Module
from ..tensor import Tensor
from ..value import Value

_NUMBERS = (bool, int, float)


class UnreplayableArgumentError(TypeError):
    """An argument a trace cannot stand for (its data would be frozen into the record)."""


def signature(leaves: Iterable[Any], keep: list[Any]) -> tuple[Any, ...]:
    """The key of the flattened arguments: shapes and dtypes of tensors, values of numbers and
    strings, identity of other objects (kept alive in ``keep`` so their ids stay theirs)."""
    key: list[Any] = []
    for i, x in enumerate(leaves):
        if isinstance(x, Tensor):
            data = x.data
            # The layout too: numpy lays results out after their inputs, and sums in the order
            # of memory, so another layout can round otherwise.
            key.append((type(x), data.shape, data.dtype.str, x.requires_grad, data.strides))
        elif isinstance(x, Value):
            key.append((Value, x.requires_grad))
        elif isinstance(x, np.ndarray | np.generic):
            raise UnreplayableArgumentError(
                f"argument {i} is a numpy array; its values would be frozen into the trace, so "
                "pass a Tensor instead"
            )
        elif x is None or isinstance(x, _NUMBERS | str | bytes):
            key.append((type(x), x))
        else:
            key.append(("object", id(x)))
            keep.append(x)
    return tuple(key)


def _around(fn: Callable[..., Any], leaves: Iterable[Any]) -> list[tuple[str, Any]]:
    """Objects the function can see by name: its bound ``self``, its closure's cells, the
    globals its code names, and the arguments; each with a getter that reads it again."""
    seen: list[tuple[str, Any]] = []
    target = getattr(fn, "__self__", None)
    func = getattr(fn, "__func__", fn)
    code = getattr(func, "__code__", None)
    if target is not None:
        seen.append(("self", target))
    for name, cell in zip(
        getattr(code, "co_freevars", ()), getattr(func, "__closure__", None) or ()
    ):
        seen.append((f"closure {name}", cell))
    namespace = getattr(func, "__globals__", {})
    for name in getattr(code, "co_names", ()):
        if name in namespace:
            seen.append((f"global {name}", (namespace, name)))
    seen += [("argument", x) for x in leaves]
    return seen


class Guards:
    """The numbers and module modes ``fn`` can see now, and (`watch`) the outside tensors'
    shapes, dtypes and ``requires_grad``."""

    def __init__(self, fn: Callable[..., Any], leaves: list[Any]) -> None:
        self.numbers: list[tuple[Callable[[], Any], Any]] = []
        self.sources: list[tuple[Any, str | None]] = []  # (dict, key) or (cell, None)
        modules: dict[int, Module] = {}
        for _, obj in _around(fn, leaves):
            if isinstance(obj, tuple):  # a global by name
                namespace, name = obj
                self._number(functools.partial(dict.get, namespace, name), (namespace, name))
                obj = namespace.get(name)
            elif isinstance(obj, CellType):
                self._number(functools.partial(getattr, obj, "cell_contents", None), (obj, None))
                obj = getattr(obj, "cell_contents", None)
            if isinstance(obj, Module):
                modules.update((id(m), m) for m in obj.modules())
            elif hasattr(obj, "__dict__") and not isinstance(obj, Node | type):
                attrs = vars(obj)
                for name, value in list(attrs.items()):
                    if isinstance(value, _NUMBERS):
                        self._number(functools.partial(dict.get, attrs, name), (attrs, name))
                    elif isinstance(value, Module):
                        modules.update((id(m), m) for m in value.modules())
        self.modules = list(modules.values())
        self.modes = [m.training for m in self.modules]
        self.tensors: list[tuple[Tensor, tuple[int, ...], np.dtype, bool, tuple[int, ...]]] = []

    def watch(self, outside: Iterable[Node]) -> None:
        """Check the shape, dtype, layout and ``requires_grad`` of these tensors from now on."""
        self.tensors = [
            (n, n.data.shape, n.data.dtype, n.requires_grad, n.data.strides)
            for n in outside
            if isinstance(n, Tensor)
        ]

    def _number(self, get: Callable[[], Any], source: tuple[Any, str | None]) -> None:
        value = get()
        if isinstance(value, _NUMBERS):
            self.numbers.append((get, (type(value), value)))
            self.sources.append(source)

    def hold(self) -> bool:
        """Whether everything checked at the trace is still the same."""
        for get, value in self.numbers:
            now = get()
            if type(now) is not value[0] or now != value[1]:
                return False
        for m, mode in zip(self.modules, self.modes):
            if m.training is not mode:
                return False
        for n, shape, dtype, requires, strides in self.tensors:
            data = n.data
            if (
                type(data) is not np.ndarray
                or data.shape != shape
                or data.dtype != dtype
                or n.requires_grad is not requires
                or data.strides != strides
            ):
                return False
        return True


def fast_conditions(
    key: tuple[Any, ...], keep: list[Any], guards: Guards, name: Callable[[Any], str]
) -> list[str] | None:
    """Python tests, as source, that a call with positional arguments ``args`` (and keywords
    ``kwargs``) runs outside any trace and anomaly mode, has the signature ``key`` and that
    ``guards`` hold: the checks of `signature` and `Guards.hold`, written out. ``name(obj)``
    gives the name the code reads an object by. None when the arguments are nested (those calls
    take the general way)."""
    grad_enabled, structure, leaves_key = key
    args_structure, kwargs_structure = structure[1]
    n = len(leaves_key)
    if args_structure != (tuple, (None,) * n) or kwargs_structure != (dict, ()):
        return None
    st = f"{name(this_thread)}.switches"
    conds = [
        f"len(args) == {n}",
        "not kwargs",
        f"{st}.tracer is None",
        f"not {st}.anomaly",
        f"{st}.grad_enabled is {bool(grad_enabled)}",
    ]
    kept = iter(keep)
    array = name(np.ndarray)
    for i, leaf in enumerate(leaves_key):
        a = f"args[{i}]"
        if leaf[0] == "object":
            conds.append(f"{a} is {name(next(kept))}")
        elif leaf[0] is Value:
            conds.append(f"type({a}) is {name(Value)} and {a}.requires_grad is {leaf[1]}")
        elif isinstance(leaf[0], type) and issubclass(leaf[0], Tensor):
            cls, shape, dtype, requires, strides = leaf
            conds.append(
                f"type({a}) is {name(cls)} and type(_d := {a}.data) is {array} and "
                f"_d.shape == {shape!r} and _d.dtype.str == {dtype!r} and "
                f"{a}.requires_grad is {requires} and _d.strides == {strides!r}"
            )
        else:
            kind, value = leaf
            conds.append(f"type({a}) is {name(kind)} and {a} == {name(value)}")
    for (_, (kind, value)), (where, key_name) in zip(guards.numbers, guards.sources):
        if key_name is None:
            now = f"getattr({name(where)}, 'cell_contents', None)"
        else:
            now = f"{name(where)}.get({key_name!r})"
        conds.append(f"type(_n := {now}) is {name(kind)} and _n == {name(value)}")
    for m, mode in zip(guards.modules, guards.modes):
        conds.append(f"{name(m)}.training is {mode}")
    for t, shape, dtype, requires, strides in guards.tensors:
        tn = name(t)
        conds.append(
            f"type(_d := {tn}.data) is {array} and _d.shape == {shape!r} and "
            f"((_t := _d.dtype) is {name(dtype)} or _t == {name(dtype)}) and "
            f"{tn}.requires_grad is {requires} and _d.strides == {strides!r}"
        )
    return conds


class Snapshot:
    """The data and gradients of ``nodes``, the state of ``optimizers`` and of the random
    generators, restorable in place (the same array objects get their old contents back)."""

    def __init__(self, nodes: Iterable[Node], optimizers: Iterable[Any]) -> None:
        self.nodes = [(n, n.data, _copy(n.data), n.grad, _copy(n.grad)) for n in nodes]
        self.optimizers = [
            (
                opt,
                {p: (s, {k: _copy(v) for k, v in s.items()}) for p, s in opt.state.items()},
                [
                    {k: copy.copy(v) for k, v in g.items() if k != "params"}
                    for g in opt.param_groups
                ],
            )
            for opt in optimizers
        ]
        self.rng = (mg_random.default_generator.bit_generator.state, random.getstate())

    def restore(self) -> None:
        """Put everything back as it was."""
        for n, data, data_copy, grad, grad_copy in self.nodes:
            n.data, n.grad = _restored(data, data_copy), _restored(grad, grad_copy)
        for opt, states, groups in self.optimizers:
            opt.state.clear()
            for p, (s, contents) in states.items():
                s.clear()
                s.update({k: _copy(v) for k, v in contents.items()})
                opt.state[p] = s
            for group, saved in zip(opt.param_groups, groups):
                group.update(saved)
        mg_random.default_generator.bit_generator.state = self.rng[0]
        random.setstate(self.rng[1])

    def current(self) -> list[Any]:
        """What a replay and the eager call must agree on: data, gradients, optimizer state."""
        found: list[Any] = [(_copy(n.data), _copy(n.grad)) for n, *_ in self.nodes]
        for opt, _, _ in self.optimizers:
            found.append([{k: _copy(v) for k, v in s.items()} for s in opt.state.values()])
            found.append([{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups])
        return found


def _copy(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x


def _restored(obj: Any, saved: Any) -> Any:
    if isinstance(obj, np.ndarray):
        np.copyto(obj, saved)
    return obj


def same(a: Any, b: Any) -> bool:
    """Bit for bit equality of nested results: arrays by dtype, shape and bytes, floats by
    their bits, nodes by their data."""
    if isinstance(a, Node) and isinstance(b, Node):
        return same(a.data, b.data)
    if isinstance(a, np.ndarray | np.generic) and isinstance(b, np.ndarray | np.generic):
        return bool(a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes())
    if type(a) is float and type(b) is float:
        return struct.pack("d", a) == struct.pack("d", b)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a is b or bool(type(a) is type(b) and a == b)
