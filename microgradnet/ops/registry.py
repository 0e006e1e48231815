"""The table of public operations: each is declared once, and every namespace is filled from here.

A declaration is the public function of an op, decorated with `export` (or made by
`elementwise` for one-input functions); its flags say where it appears besides ``ops``: as a
`Tensor` method, as ``microgradnet.<name>``, in ``nn.functional``, as a `Value` method. The front
ends install the entries (``tensor.py``, ``value.py``, ``nn/functional.py``,
``microgradnet/__init__.py``); none of them writes a forwarding method by hand.

Every entry speaks PyTorch's keywords (``dim``, ``keepdim``, ``min``/``max`` of ``clamp``) and
takes numpy's (``axis``, ``keepdims``, ``a_min``/``a_max``) as aliases.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from .base import Op

#: numpy's keyword -> PyTorch's, accepted wherever the PyTorch keyword is a parameter.
ALIASES = {"axis": "dim", "keepdims": "keepdim", "a_min": "min", "a_max": "max"}

FnT = TypeVar("FnT", bound=Callable[..., Any])
X = TypeVar("X")


@dataclass(frozen=True)
class Entry:
    """One public operation and where it is installed."""

    name: str
    fn: Callable[..., Any]
    method: bool
    toplevel: bool
    functional: bool
    value: bool
    sequence: bool = False  # the first parameter is a sequence of inputs (cat, stack)


#: Every public operation, by name, in declaration order.
TABLE: dict[str, Entry] = {}

#: Where entries are installed: (namespace, flag, wrap). An operation declared after a front
#: end was loaded (a user's own) is installed there at once.
_targets: list[tuple[Any, str, Callable[[Entry], Any] | None]] = []


def with_aliases(fn: FnT) -> FnT:
    """``fn`` accepting numpy's keyword for each of its PyTorch keywords (``axis`` for ``dim``)."""
    if getattr(fn, "takes_aliases", False):
        return fn
    params = inspect.signature(fn).parameters
    aliases = {old: new for old, new in ALIASES.items() if new in params and old not in params}
    if not aliases:
        return fn
    name = fn.__name__

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            for old, new in aliases.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{name}: got both {new}= and its alias {old}=")
                    kwargs[new] = kwargs.pop(old)
        return fn(*args, **kwargs)

    call.takes_aliases = True  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


def export(
    *,
    method: bool = True,
    toplevel: bool = True,
    functional: bool = False,
    value: bool = False,
    name: str | None = None,
    sequence: bool = False,
) -> Callable[[FnT], FnT]:
    """Declare a public operation: a `Tensor` method when ``method``, ``microgradnet.<name>``
    when ``toplevel``, an ``nn.functional`` entry when ``functional``, a `Value` method when
    ``value``. The function's first parameter is the input the method is called on (a sequence of
    inputs when ``sequence``)."""

    def declare(fn: FnT) -> FnT:
        fn = with_aliases(fn)
        key = name or fn.__name__
        if key in TABLE:
            raise ValueError(f"export: an operation named {key!r} is already declared")
        entry = TABLE[key] = Entry(key, fn, method, toplevel, functional, value, sequence)
        for target, flag, wrap in _targets:
            _set(target, flag, wrap, entry)
        return fn

    return declare


class Unary(Protocol):
    """A function of one input that returns the same kind of thing (array, float or node)."""

    op: type[Op]

    def __call__(self, input: X) -> X: ...  # noqa: A002 - PyTorch's name


def elementwise(
    name: str,
    doc: str,
    forward: Callable[[Any], Any],
    rule: Callable[..., Any],
    *,
    on_floats: Callable[[float], float] | None = None,
    uses_output: bool = False,
    value: bool = True,
    functional: bool = False,
    method: bool = True,
) -> Unary:
    """Declare an elementwise function of one input in one statement.

    ``forward(x)`` computes it on an array; ``rule(g, x)`` (``rule(g, y)`` of the output ``y``
    instead when ``uses_output``) returns the input's gradient, written with differentiable
    operations so that it differentiates again; ``on_floats`` optionally computes it on a
    Python float for `Value`. The op class is ``fn.op``.
    """

    if uses_output:  # the rule reads the output only, not the input (as PyTorch saves it)

        def backward(self: Op, g: Any) -> tuple[Any, ...]:
            return (rule(g, self.output),)

    else:

        def backward(self: Op, g: Any) -> tuple[Any, ...]:
            (x,) = self.inputs
            return (rule(g, x),)

    module = sys._getframe(1).f_globals["__name__"]
    body: dict[str, Any] = {
        "__slots__": (),
        "__doc__": doc,
        "__module__": module,
        "name": name,
        "forward": staticmethod(forward),
        "backward": backward,
    }
    if on_floats is not None:
        body["on_floats"] = staticmethod(on_floats)
    cls = type("".join(w.title() for w in name.split("_")), (Op,), body)

    def fn(input: Any) -> Any:  # noqa: A002 - PyTorch's name
        return cls()(input)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn.__module__ = module
    fn.op = cls  # type: ignore[attr-defined]
    export(method=method, functional=functional, value=value)(fn)
    return fn  # type: ignore[return-value]


def op_classes() -> list[type[Op]]:
    """Every op class defined so far that has a backward rule of its own."""
    found: list[type[Op]] = []
    stack = [Op]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls is not Op and "backward" in vars(cls):
            found.append(cls)
    return found


def _set(target: Any, flag: str, wrap: Callable[[Entry], Any] | None, entry: Entry) -> None:
    if getattr(entry, flag):
        setattr(target, entry.name, entry.fn if wrap is None else wrap(entry))


def install(target: Any, flag: str, wrap: Callable[[Entry], Any] | None = None) -> None:
    """Set every entry whose ``flag`` is true (``method``, ``value``, ``toplevel``,
    ``functional``) as an attribute of ``target`` (a front-end class or a module), made by
    ``wrap(entry)`` when given; entries declared later are set there too."""
    _targets.append((target, flag, wrap))
    for entry in TABLE.values():
        _set(target, flag, wrap, entry)
