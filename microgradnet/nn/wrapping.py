"""Bases for modules that wrap one function of `microgradnet.nn.functional`.

A wrapping module's constructor takes the function's own arguments after its inputs (the
signature is built from the function's, so the two cannot drift apart), keeps each as an
attribute and passes them back to the function on every call. `per_dimension` makes the 1-d, 2-d
and 3-d members of a family from one base.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar, cast

from . import functional
from .module import Module

_W = TypeVar("_W", bound=Module)


class _ClassSignature:
    """A ``__signature__`` seen on the class only, so `inspect.signature` of an instance still
    describes its ``__call__``."""

    def __init__(self, signature: inspect.Signature) -> None:
        self.signature = signature

    def __get__(self, obj: object, owner: type) -> inspect.Signature | None:
        return self.signature if obj is None else None


class Wrapping(Module):
    """A module over ``functional.<function>`` (``{n}`` in the name filled with the class's
    ``n``): the constructor's arguments are the function's after its first ``inputs`` ones, less
    those in ``omit`` and with those in ``last`` moved to the end (PyTorch's modules order a few
    differently); ``forward`` calls the function with them."""

    function: ClassVar[str] = ""
    n: ClassVar[int] = 0
    inputs: ClassVar[int] = 1
    omit: ClassVar[tuple[str, ...]] = ()
    last: ClassVar[tuple[str, ...]] = ()
    _signature: ClassVar[inspect.Signature | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.function or ("{n}" in cls.function and not cls.n):
            return
        found = inspect.signature(cls._callee()).parameters.values()
        kept = [p for p in list(found)[cls.inputs :] if p.name not in cls.omit]
        kept.sort(key=lambda p: p.name in cls.last)
        cls._signature = inspect.Signature(kept, return_annotation="None")
        setattr(cls, "__signature__", _ClassSignature(cls._signature))  # noqa: B010

    @classmethod
    def _callee(cls) -> Callable[..., Any]:
        fn: Callable[..., Any] = getattr(functional, cls.function.format(n=cls.n))
        return fn

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        if self._signature is None:
            raise TypeError(f"{type(self).__name__}: an abstract base, not a layer")
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{type(self).__name__}: {error}") from None
        bound.apply_defaults()
        self._arguments = tuple(bound.arguments)
        for name, value in bound.arguments.items():
            setattr(self, name, value)

    def _call(self, *inputs: Any) -> Any:
        """The function of ``inputs`` with the stored arguments."""
        return self._callee()(*inputs, **{name: getattr(self, name) for name in self._arguments})


def subclass(base: type[_W], name: str, doc: str, **namespace: Any) -> type[_W]:
    """A subclass ``name`` of ``base`` in ``base``'s module, with docstring ``doc`` and the class
    attributes in ``namespace``: one line of a table where classes differ only in those."""
    namespace.update(__doc__=doc, __module__=base.__module__, __qualname__=name)
    return cast("type[_W]", type(name, (base,), namespace))


def per_dimension(base: type[_W], name: str, docs: Sequence[str]) -> list[type[_W]]:
    """Subclasses of ``base`` for 1, 2, ... spatial dimensions (as many as ``docs``): named
    ``name`` with ``{n}`` filled in, with class attribute ``n`` and their docstrings."""
    return [subclass(base, name.format(n=n), doc, n=n) for n, doc in enumerate(docs, 1)]
