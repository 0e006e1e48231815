"""`CompiledFunction`: trace on the first call of a signature, check the tape on the second, replay
from the third; run eagerly whatever cannot be replayed."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from ..engine import Node, state
from .guards import Guards, Snapshot, UnreplayableArgumentError, same, signature
from .instrument import instrumented
from .pytree import flatten
from .tape import Tape
from .tracer import CompileError, Tracer


class CompileWarning(UserWarning):
    """A compiled function runs eagerly for a signature (once per function and reason)."""


class _Entry:
    """One traced signature: its tape, its guards, and whether it is checked yet."""

    def __init__(self, guards: Guards, keep: list[Any]) -> None:
        self.guards = guards
        self.keep = keep  # the objects whose identity is part of the key
        self.tape: Tape | None = None
        self.nodes: list[Node] = []
        self.optimizers: list[Any] = []
        self.checked = False


class CompiledFunction:
    """``fn`` compiled: see `microgradnet.compile`.

    Attributes
    ----------
    stats : dict
        How many calls were ``traced``, ``checked`` against their replay, ``replayed``, and run
        ``eager`` (unreplayable, or an argument a trace cannot stand for).
    """

    def __init__(self, fn: Callable[..., Any], fullgraph: bool, cache_size: int) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.fullgraph = fullgraph
        self.cache_size = cache_size
        self.stats = {"traced": 0, "checked": 0, "replayed": 0, "eager": 0}
        self._cache: dict[Any, list[_Entry]] = {}
        self._eager: dict[Any, list[_Entry]] = {}
        self._warned: set[str] = set()

    def __repr__(self) -> str:
        return f"compile({getattr(self.fn, '__qualname__', self.fn)!r})"

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        """As a method decorator: the compiled function bound to ``obj``, one per instance."""
        if obj is None:
            return self
        bound = obj.__dict__.get(self.__name__)  # type: ignore[attr-defined]
        if bound is None:
            bound = CompiledFunction(self.fn.__get__(obj, objtype), self.fullgraph, self.cache_size)
            obj.__dict__[self.__name__] = bound  # type: ignore[attr-defined]
        return bound

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if state.tracer is not None or state.anomaly:  # inside another trace; anomaly checks
            return self.fn(*args, **kwargs)
        leaves, structure = flatten((args, kwargs))
        keep: list[Any] = []
        try:
            key = (state.grad_enabled, structure, signature(leaves, keep))
        except UnreplayableArgumentError as err:
            self._refuse(str(err), stacklevel=3)
            self.stats["eager"] += 1
            return self.fn(*args, **kwargs)
        for entry in self._cache.get(key, ()):
            if entry.guards.hold():
                if entry.checked:
                    self.stats["replayed"] += 1
                    return entry.tape.replay(leaves)  # type: ignore[union-attr]
                if entry.tape is None:
                    self.stats["eager"] += 1
                    return self.fn(*args, **kwargs)
                return self._check(entry, leaves, args, kwargs)
        if sum(map(len, self._cache.values())) >= self.cache_size:
            self._refuse(
                f"more than {self.cache_size} signatures or guard changes (cache_size)",
                stacklevel=3,
            )
            self.stats["eager"] += 1
            return self.fn(*args, **kwargs)
        return self._trace(key, keep, leaves, args, kwargs)

    def _trace(self, key: Any, keep: list[Any], leaves: list[Any], args: Any, kwargs: Any) -> Any:
        entry = _Entry(Guards(self.fn, leaves), keep)
        tracer = Tracer(leaves, self.fullgraph)
        with instrumented():
            state.tracer = tracer
            try:
                result = self.fn(*args, **kwargs)
            finally:
                state.tracer = None
        self.stats["traced"] += 1
        self._cache.setdefault(key, []).append(entry)
        if tracer.problem is not None:
            self._refuse(tracer.problem, stacklevel=4)
            return result
        entry.tape = tracer.finish(result)
        entry.guards.watch(tracer.outside.values())
        # The check compares the nodes that existed before the call; one made during it (a
        # `Value(0.0)` to start a sum) is a new object at every eager call, but the same at
        # every replay.
        entry.nodes = [n for n in tracer.outside.values() if id(n) not in tracer.made]
        entry.optimizers = list(tracer.optimizers.values())
        return result

    def _check(self, entry: _Entry, leaves: list[Any], args: Any, kwargs: Any) -> Any:
        """Replay, undo, run eagerly, and compare everything both changed, bit for bit."""
        inputs = [x for x in leaves if isinstance(x, Node)]
        snapshot = Snapshot(entry.nodes + inputs, entry.optimizers)
        try:
            replayed = entry.tape.replay(leaves)  # type: ignore[union-attr]
            after_replay = snapshot.current()
        except Exception:
            replayed = after_replay = None
        snapshot.restore()
        result = self.fn(*args, **kwargs)
        self.stats["checked"] += 1
        if (
            after_replay is not None
            and same(after_replay, snapshot.current())
            and same(flatten(replayed)[0], flatten(result)[0])
        ):
            entry.checked = True
        else:
            entry.tape = None
            self._refuse(
                "its replay did not reproduce the eager call: the function changes "
                "state outside the record or depends on values the trace froze",
                stacklevel=4,
            )
        return result

    def _refuse(self, reason: str, stacklevel: int) -> None:
        message = (
            f"compile: {getattr(self.fn, '__qualname__', 'the function')} runs eagerly: {reason}"
        )
        if self.fullgraph:
            raise CompileError(message)
        if reason not in self._warned:
            self._warned.add(reason)
            warnings.warn(message, CompileWarning, stacklevel=stacklevel)
