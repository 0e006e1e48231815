"""`CompiledFunction`: trace on the first call of a signature, lower the tape into a program and
check it on the second, run the program from the third (or replay the tape where it could not be
lowered); run eagerly whatever cannot be replayed."""

from __future__ import annotations

import functools
import random
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import random as mg_random
from ..engine import Node, this_thread
from .capture import LoweringError
from .guards import Guards, Snapshot, UnreplayableArgumentError, fast_conditions, same, signature
from .instrument import instrumented
from .lowering import lower
from .lowering import signature as lowered_signature
from .program import BUSY, MISS, Program
from .pytree import flatten
from .tape import Tape
from .tracer import CompileError, Tracer

#: What a signature's generated ``call`` returns for a call of another signature.
_OTHER = object()


class _NestedArgumentsError(Exception):
    """The arguments are nested: calls take the general way."""


class CompileWarning(UserWarning):
    """A compiled function runs eagerly for a signature (once per function and reason)."""


class _Entry:
    """One traced signature: its tape, its guards, and whether it is checked yet."""

    __slots__ = (
        "key",
        "guards",
        "keep",
        "call",
        "tape",
        "program",
        "why_not",
        "nodes",
        "optimizers",
        "checked",
    )

    def __init__(self, key: Any, guards: Guards, keep: list[Any]) -> None:
        self.key = key
        self.guards = guards
        self.keep = keep  # the objects whose identity is part of the key
        #: ``call(args, kwargs)``: this signature's replay when a call has its signature and
        #: its guards hold, else `_OTHER`.
        self.call: Callable[[tuple[Any, ...], dict[str, Any]], Any] | None = None
        self.tape: Tape | None = None
        self.program: Program | None = None
        self.why_not: str | None = None  # why the tape is not lowered into a program
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
        #: The generated ``call`` of the signature replayed last, tried first.
        self._fast: Callable[[tuple[Any, ...], dict[str, Any]], Any] | None = None

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
        fast = self._fast
        if fast is not None:  # the signature replayed last, tested by one generated function
            out = fast(args, kwargs)
            if out is not _OTHER:
                if out is BUSY:
                    self.stats["eager"] += 1
                    return self.fn(*args, **kwargs)
                return out
        st = this_thread.switches
        if st.tracer is not None or st.anomaly:  # inside another trace; anomaly checks
            return self.fn(*args, **kwargs)
        leaves, structure = flatten((args, kwargs))
        keep: list[Any] = []
        try:
            key = (st.grad_enabled, structure, signature(leaves, keep))
        except UnreplayableArgumentError as err:
            self._refuse(str(err), stacklevel=3)
            self.stats["eager"] += 1
            return self.fn(*args, **kwargs)
        for entry in self._cache.get(key, ()):
            if entry.guards.hold():
                if entry.checked:
                    if entry.call is not None:
                        self._fast = entry.call
                    self.stats["replayed"] += 1
                    program = entry.program
                    if program is not None:
                        out = program.run(leaves)
                        if out is BUSY:
                            self.stats["replayed"] -= 1
                            self.stats["eager"] += 1
                            return self.fn(*args, **kwargs)
                        if out is not MISS:
                            return out
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
        entry = _Entry(key, Guards(self.fn, leaves), keep)
        tracer = Tracer(leaves, self.fullgraph)
        with instrumented():
            this_thread.switches.tracer = tracer
            try:
                result = self.fn(*args, **kwargs)
            finally:
                this_thread.switches.tracer = None
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

    def _lower(self, entry: _Entry, leaves: list[Any]) -> None:
        """Lower the tape into a program, twice (on the data, then on random data of the same
        shapes): both must make the same calls with the same constants."""
        tape = entry.tape
        assert tape is not None
        # A forward that draws random numbers must not draw them for the lowering: the generators
        # are put back as they were.
        generators = (
            mg_random.default_generator.bit_generator.state,
            random.getstate(),
            np.random.get_state(),
        )
        try:
            first = lower(tape, leaves)
            second = lower(tape, leaves, np.random.default_rng(0))
            if lowered_signature(first) != lowered_signature(second):
                raise LoweringError("its numpy calls depend on the values of the data")
            entry.program = Program(first)
        except LoweringError as err:
            entry.why_not = str(err)
        except Exception as err:
            entry.why_not = f"{type(err).__name__} while lowering: {err}"
        finally:
            _clear_stubs(tape)
            mg_random.default_generator.bit_generator.state = generators[0]
            random.setstate(generators[1])
            np.random.set_state(generators[2])

    def _check(self, entry: _Entry, leaves: list[Any], args: Any, kwargs: Any) -> Any:
        """Replay (the program, and the tape), undo, run eagerly, and compare everything each
        changed, bit for bit, with what the eager call changed."""
        self._lower(entry, leaves)
        inputs = [x for x in leaves if isinstance(x, Node)]
        snapshot = Snapshot(entry.nodes + inputs, entry.optimizers)
        tape = entry.tape
        assert tape is not None
        candidates: list[tuple[str, Callable[[list[Any]], Any]]] = [("tape", tape.replay)]
        if entry.program is not None:
            candidates.insert(0, ("program", entry.program.run))
        outcomes = []
        for name, run in candidates:
            try:
                replayed = run(leaves)
                if replayed is MISS:
                    raise LoweringError("its guards do not hold on the second call")
                outcomes.append((name, replayed, snapshot.current()))
            except Exception as err:
                if name == "program":
                    entry.why_not = f"{type(err).__name__}: {err}"
            snapshot.restore()
        result = self.fn(*args, **kwargs)
        self.stats["checked"] += 1
        eager_state = snapshot.current()
        eager_leaves = flatten(result)[0]
        agreeing = [
            name
            for name, replayed, after in outcomes
            if same(after, eager_state) and same(flatten(replayed)[0], eager_leaves)
        ]
        if "program" not in agreeing and entry.program is not None:
            entry.program = None
            entry.why_not = entry.why_not or "its program did not reproduce the eager call"
        if "tape" in agreeing:
            entry.checked = True
            entry.call = self._fast_call(entry)
        else:
            entry.tape = None
            entry.program = None
            self._refuse(
                "its replay did not reproduce the eager call: the function changes "
                "state outside the record or depends on values the trace froze",
                stacklevel=4,
            )
        return result

    def _fast_call(self, entry: _Entry) -> Callable[[tuple[Any, ...], dict[str, Any]], Any] | None:
        """One generated function that tests a call's signature and guards and replays it."""
        tape = entry.tape
        assert tape is not None

        def conditions(name: Callable[[Any], str]) -> list[str]:
            found = fast_conditions(entry.key, entry.keep, entry.guards, name)
            if found is None:
                raise _NestedArgumentsError
            return found

        try:
            if entry.program is not None:
                return entry.program.with_prologue(conditions, _OTHER, tape.replay, self.stats)
            objects: list[Any] = []

            def name(obj: Any) -> str:
                objects.append(obj)
                return f"c{len(objects) - 1}"

            test = " and\n        ".join(f"({c})" for c in conditions(name))
            other, stats, replay = name(_OTHER), name(self.stats), name(tape.replay)
            source = (
                f"def make({', '.join(f'c{i}' for i in range(len(objects)))}):\n"
                f"    def call(args, kwargs):\n"
                f"        if not (\n        {test}):\n            return {other}\n"
                f"        {stats}['replayed'] += 1\n"
                f"        return {replay}(list(args))\n"
                f"    return call\n"
            )
            namespace: dict[str, Any] = {}
            exec(compile(source, "<microgradnet.compile guard>", "exec"), namespace)
            return namespace["make"](*objects)  # type: ignore[no-any-return]
        except _NestedArgumentsError:
            return None

    def explain(self) -> str:
        """How calls of each traced signature run now: a program of numpy calls, a replay of
        the tape (and why it is not lowered into a program), or eagerly.

        Examples
        --------
        >>> import microgradnet as mg
        >>> double = mg.compile(lambda x: x * 2)
        >>> for _ in range(3):
        ...     _ = double(mg.tensor([1.0, 2.0]))
        >>> print(double.explain())
        signature 1: a program of 1 numpy call
        """
        lines = []
        entries = [e for group in self._cache.values() for e in group]
        for i, entry in enumerate(entries, 1):
            if entry.tape is None:
                how = "runs eagerly"
            elif not entry.checked:
                how = "traced, checked at its next call"
            elif entry.program is not None:
                n, k = entry.program.calls, entry.program.opaque
                how = f"a program of {n} numpy call{'s' * (n != 1)}"
                if k:
                    how += f" and {k} step{'s' * (k != 1)} of its tape"
            else:
                how = f"a replay of its tape (not a program: {entry.why_not})"
            lines.append(f"signature {i}: {how}")
        return "\n".join(lines)

    def _refuse(self, reason: str, stacklevel: int) -> None:
        message = (
            f"compile: {getattr(self.fn, '__qualname__', 'the function')} runs eagerly: {reason}"
        )
        if self.fullgraph:
            raise CompileError(message)
        if reason not in self._warned:
            self._warned.add(reason)
            warnings.warn(message, CompileWarning, stacklevel=stacklevel)


def _clear_stubs(tape: Tape) -> None:
    """Drop the traced arrays a lowering left in the tape's stand-in nodes."""
    from .tape import Rule

    for step in tape.steps:
        if isinstance(step, Rule):
            for stub, _ in step.bound:
                stub.data = None
            step.out_stub.data = None
