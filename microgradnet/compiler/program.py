"""`Program`: a lowered tape (`lowering.Recorded`) written out as one Python function of numpy
calls.

What is written, in the order of the eager call:

- guards first: the numbers a branch of the record depended on (``momentum`` of an optimizer's
  group), the optimizer's parameters; if one has changed, the function returns `MISS` before
  doing anything, and the caller replays the tape instead;
- reads of the arguments' data and of the outside nodes' data, where the call read them;
- each numpy call, with its operands bound as constants of the function (closure cells):
  calls whose operands are all constants are done once, here (constant folding); calls whose
  results nothing reads are dropped; views of constant arrays are made once;
- results that stay inside the call (not returned, not stored in ``.grad`` or an optimizer's
  state, not handed to an opaque step) are written into arrays allocated once (``out=``): a ufunc
  or ``matmul`` computes the same bits into a given array as into a new one;
- a result copied into another array at once (an optimizer's ``p.data[...] = new``) is computed
  into that array instead;
- Python numbers among a ufunc's operands become 0-d arrays of the dtype numpy would convert them
  to (numpy converts a Python number at every call; the bits are those of the same conversion);
- effects on the world: ``.grad`` set (to a new array, or None), ``_accumulate``, a parameter's
  version counter, an optimizer's state entry, an opaque step of the tape called on its slots.
"""

from __future__ import annotations

import heapq
import math
import operator
import threading
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from .capture import Instr, Live, LoweringError, Var
from .lowering import Recorded

#: Returned by a program whose guards do not hold.
MISS = object()
#: Returned by a program already running (in another thread, or below itself).
BUSY = object()
_MISS_TOKEN = "\x00miss\x00"  # in a body: what a failed guard returns

_OPERATORS = {
    operator.add: "+",
    operator.sub: "-",
    operator.mul: "*",
    operator.truediv: "/",
    operator.pow: "**",
    operator.lt: "<",
    operator.le: "<=",
    operator.gt: ">",
    operator.ge: ">=",
    operator.eq: "==",
    operator.ne: "!=",
}

#: The source of each kind of `Live` expression, from the program writing it and the
#: expression's fields (``("op", fn, a, b)`` gives ``fn, a, b``).
_LIVE_SOURCE: dict[str, Callable[..., str]] = {
    "item": lambda p, obj, key: f"{p._name(obj)}[{key!r}]",
    "state": lambda p, opt, param, key: f"{p._name(opt)}.state[{p._name(param)}][{key!r}]",
    "neg": lambda p, a: f"(-{p._live(a)})",
    "op": lambda p, fn, a, b: f"({p._live(a)} {_OPERATORS[fn]} {p._live(b)})",
    "bool": lambda p, a: f"bool({p._live(a)})",
    "call": lambda p, fn, *args: f"{p._name(fn)}({', '.join(p._live(a) for a in args)})",
}

#: ufunc methods that take ``out=``.
_OUT_METHODS = frozenset({"reduce", "accumulate", "reduceat", "outer"})


def _ufunc_method(fn: Any) -> tuple[np.ufunc | None, str]:
    """The ufunc and method name of ``fn`` (``np.add`` or ``np.add.reduce``)."""
    if isinstance(fn, np.ufunc):
        return fn, "__call__"
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, np.ufunc):
        return owner, fn.__name__
    return None, ""


class Program:
    """A lowered tape as a Python function ``run(flat)`` of the flattened arguments.

    Attributes
    ----------
    source : str
        The function's source (for reading, and for tests); ``call_source``, once
        `with_prologue` made it, the source of the function with its prologue.
    calls : int
        How many numpy calls it makes.
    opaque : int
        How many of the tape's steps it calls as they are (see `lowering`).
    """

    def __init__(self, recorded: Recorded) -> None:
        self.recorded = recorded
        self.instrs = list(recorded.rec.instrs)
        self.names: dict[int, str] = {}  # id(object) -> constant name
        self.objects: list[Any] = []
        self.bound: dict[int, Any] = {}  # var n -> the object the function reads it from
        self.fixed: set[int] = set()  # var ns whose contents are the same at every call
        self.views_of_data: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.buffers: dict[int, np.ndarray] = {}  # var n -> its preallocated array
        self.copies: set[int] = set()  # ids of effect instrs whose gradient must be copied
        self._aliases: dict[int, Var] = {}  # var n -> the var it was computed into
        self._slots: list[Any] | None = None
        self._live_slots: dict[Any, _LiveSlot] = {}
        self._filled: set[int] = set()  # ids of live slots already filled in the body
        self._lock = threading.Lock()  # its arrays serve one call at a time
        self._analyse()
        self._body = self._write()
        self.source = "    def run(flat):\n" + self._locked(self._body).replace(
            _MISS_TOKEN, self._name(MISS)
        )
        self.run: Callable[[Any], Any] = self._make("run", self.source)
        self.calls = sum(1 for i in self.instrs if i.how in ("call", "method"))
        self.opaque = sum(1 for i in self.instrs if i.how == "effect" and i.fn == "opaque")

    def _locked(self, body: str) -> str:
        """``body`` run while holding the program's lock; `BUSY` returned when another call
        holds it (another thread, or a call from inside this one)."""
        lock = self._name(self._lock)
        inner = "".join(f"    {line}\n" for line in body.splitlines())
        return (
            f"        if not {lock}.acquire(False):\n"
            f"            return {self._name(BUSY)}\n"
            "        try:\n"
            f"{inner}"
            "        finally:\n"
            f"            {lock}.release()\n"
        )

    def _make(self, name: str, source: str) -> Callable[..., Any]:
        namespace: dict[str, Any] = {}
        names = [f"k{i}" for i in range(len(self.objects))]
        factory = f"def make({', '.join(names)}):\n{source}    return {name}\n"
        exec(compile(factory, "<microgradnet.compile program>", "exec"), namespace)
        return namespace["make"](*self.objects)  # type: ignore[no-any-return]

    def with_prologue(
        self,
        conditions: Callable[[Callable[[Any], str]], list[str]],
        other: Any,
        replay: Callable[[list[Any]], Any],
        stats: dict[str, int],
    ) -> Callable[[tuple[Any, ...], dict[str, Any]], Any]:
        """The program as ``call(args, kwargs)`` of a call's positional arguments: it first
        tests ``conditions`` (written with the names the function it is given binds) and
        returns ``other`` when one fails; then counts a replay in ``stats``; when the program's
        own guards fail it returns ``replay(list(args))`` (the tape's replay)."""
        test = " and\n            ".join(f"({c})" for c in conditions(self._name)) or "True"
        source = (
            "    def call(args, kwargs):\n"
            f"        if not (\n            {test}\n        ):\n"
            f"            return {self._name(other)}\n"
            "        flat = args\n"
        ) + self._locked(f"        {self._name(stats)}['replayed'] += 1\n" + self._body).replace(
            _MISS_TOKEN, f"{self._name(replay)}(list(flat))"
        )
        self.call_source = source
        return self._make("call", source)

    # -- analysis ----------------------------------------------------------------------------------
    def _analyse(self) -> None:
        rec = self.recorded.rec
        for var in rec.vars:
            if var.kind == "const" and not rec.written(var):
                self.bound[var.n] = var.value
                self.fixed.add(var.n)
            elif var.kind == "extern":
                if rec.written(var):
                    raise LoweringError("a numpy call writes into an array from outside")
                self.bound[var.n] = var.value
        self._fold()
        self._common()
        self._drop_dead()
        self._sink_selects()
        self._negated_magnitudes()
        self._plan_memory()
        self._fuse_copies()
        self._drop_dead()
        self._drop_overwritten_grads()
        self._views_once()
        self._scalars_as_arrays()

    def _constant(self, x: Any) -> bool:
        """Whether an operand is known when the program is written."""
        if isinstance(x, Var):
            return x.n in self.bound
        if isinstance(x, Live):
            return False
        if type(x) is tuple or type(x) is list:
            return all(self._constant(e) for e in x)
        if type(x) is slice:
            return all(self._constant(e) for e in (x.start, x.stop, x.step))
        return True

    def _fold(self) -> None:
        """Arrays made from constants only (every call that makes or writes them, or views them,
        reads constants only, and nothing else reads them before they are complete): computed
        now, once."""
        rec = self.recorded.rec
        made: dict[int, list[int]] = {}  # root n -> indices of the calls that make or write it
        for i, instr in enumerate(self.instrs):
            if instr.how in ("call", "method", "attr", "setitem"):
                for v in (*instr.outs, *instr.writes):
                    made.setdefault(v.root.n, []).append(i)
        foldable = {
            n for n, where in made.items() if rec.vars[n].kind == "temp" and n not in self.bound
        }
        nondeterministic = ("empty", "empty_like")

        def constant(x: Any) -> bool:
            if isinstance(x, Var):
                return x.n in self.fixed or x.root.n in foldable
            if isinstance(x, Live):
                return False
            if type(x) is tuple or type(x) is list:
                return all(constant(e) for e in x)
            if type(x) is slice:
                return all(constant(e) for e in (x.start, x.stop, x.step))
            return True

        changed = True
        while changed:
            changed = False
            for n in sorted(foldable):
                for i in made[n]:
                    instr = self.instrs[i]
                    ok = all(constant(x) for x in (*instr.args, *instr.kwargs.values()))
                    ok = ok and all(w.root.n in foldable for w in (*instr.writes, *instr.outs))
                    if not ok:
                        foldable.discard(n)
                        changed = True
                        break
        # Nothing may read a folded array before its last write (it would see it unfinished).
        last = {n: made[n][-1] for n in foldable}
        for i, instr in enumerate(self.instrs):
            for v in instr.reads():
                n = v.root.n
                if n in foldable and i < last[n] and i not in made[n]:
                    foldable.discard(n)
        for n in list(foldable):
            producer = rec.vars[n].producer
            name = getattr(producer.fn, "__name__", "") if producer is not None else ""
            if name in nondeterministic and len(made[n]) < 2:
                foldable.discard(n)  # np.empty's contents, never written
        drop = {i for n in foldable for i in made[n]}
        for i in drop:
            for v in self.instrs[i].outs:
                self.bound[v.n] = v.raw
                self.fixed.add(v.n)
        self.instrs = [x for i, x in enumerate(self.instrs) if i not in drop]

    def _common(self) -> None:
        """A call made twice on the same operands (the rule of ``q * q`` computes ``g * q``
        twice): its first result used for both, unless either is written into later."""
        rec = self.recorded.rec
        alias: dict[int, Var] = {}
        versions: dict[int, int] = {}
        seen: dict[Any, tuple[Var, ...]] = {}
        kept = []
        for instr in self.instrs:
            if alias:
                _substitute(instr, alias)
            if instr.how == "effect" and instr.fn in ("opaque", "state"):
                # An opaque step may change anything, a stored state entry is a new array:
                # what was read or computed before is not what would be read now.
                seen = {}
            key = None
            if instr.how == "read":
                # The same node's data read twice: one array, one var (an in-place update
                # through one is seen through the other).
                key = ("read", _describe_read(instr.args[0]))
            elif (
                instr.how in ("call", "method", "attr")
                and not instr.writes
                and instr.outs
                and getattr(instr.fn, "__name__", "") not in ("empty", "empty_like")
                and all(v.root is not v or not rec.written(v) for v in instr.outs)
            ):
                key = self._key(instr, versions)
            if key is not None and key in seen and len(seen[key]) == len(instr.outs):
                for old, new in zip(instr.outs, seen[key]):
                    alias[old.n] = new
                continue
            if key is not None:
                seen[key] = instr.outs
            for w in instr.writes:
                versions[w.root.n] = versions.get(w.root.n, 0) + 1
            kept.append(instr)
        self.instrs = kept
        if alias:
            outputs = self.recorded.outputs
            for k, (kind, what) in enumerate(outputs):
                if kind == "wrap" and isinstance(what[0], Var) and what[0].n in alias:
                    outputs[k] = (kind, (alias[what[0].n], what[1]))

    def _key(self, instr: Instr, versions: dict[int, int]) -> Any:
        """What identifies a call: its function and operands (vars at their current contents)."""

        def part(x: Any) -> Any:
            if isinstance(x, Var):
                return ("v", x.n, versions.get(x.root.n, 0))
            if isinstance(x, Live):
                raise _UnkeyableError
            if type(x) is tuple or type(x) is list:
                return (type(x).__name__, *map(part, x))
            if type(x) is slice:
                return ("slice", part(x.start), part(x.stop), part(x.step))
            if type(x) is float:
                return ("float", x.hex())
            if isinstance(x, int | str | bool | type(None) | type(Ellipsis)):
                return (type(x).__name__, x)
            return ("object", id(x))

        try:
            return (
                instr.how,
                part(instr.fn) if not isinstance(instr.fn, str) else instr.fn,
                part(instr.args),
                tuple((k, part(v)) for k, v in instr.kwargs.items()),
            )
        except _UnkeyableError:
            return None

    def _sink_selects(self) -> None:
        """``where(c, f(a, z), f(b, z))`` as ``f(where(c, a, b), z)`` for an elementwise ``f``
        (a sigmoid's ``where(x >= 0, 1 / d, e / d)``): ``f`` sees the same pairs of numbers, so
        the bits are the same, with one call fewer. Only where every operand has the result's
        dtype (a Python number converts to it either way)."""
        rec = self.recorded.rec
        readers = self._readers()
        producers = {v.n: i for i, instr in enumerate(self.instrs) for v in instr.outs}
        drop: set[int] = set()
        after: dict[int, Instr] = {}  # id(where) -> the call that follows it
        for j, sel in enumerate(self.instrs):
            if sel.how != "call" or sel.fn is not np.where or len(sel.args) != 3 or sel.kwargs:
                continue
            (out,) = sel.outs
            c, x, y = sel.args
            if not all(isinstance(v, Var) and readers.get(v.n) == 1 for v in (x, y)):
                continue
            if x.n not in producers or y.n not in producers:
                continue
            fx, fy = self.instrs[producers[x.n]], self.instrs[producers[y.n]]
            if not (
                fx.how == fy.how == "call"
                and isinstance(fx.fn, np.ufunc)
                and fx.fn is fy.fn
                and fx.fn.nin == 2
                and fx.fn.nout == 1
                and not fx.kwargs
                and not fy.kwargs
                and not fx.writes
                and not fy.writes
                and len(fx.args) == len(fy.args) == 2
            ):
                continue
            if fx.args[1] is fy.args[1] and isinstance(fx.args[1], Var):
                k = 0  # f(a, z), f(b, z)
            elif fx.args[0] is fy.args[0] and isinstance(fx.args[0], Var):
                k = 1  # f(z, a), f(z, b)
            else:
                continue
            a, b, z = fx.args[k], fy.args[k], fx.args[1 - k]
            dtype = out.dtype
            if (
                not all(
                    (isinstance(o, Var) and o.dtype == dtype and not o.scalar)
                    or (type(o) in (int, float) and dtype.kind == "f")
                    for o in (a, b, z)
                )
                or x.dtype != dtype
                or y.dtype != dtype
            ):
                continue
            first = min(producers[x.n], producers[y.n])
            roots = {o.root.n for o in (a, b, z, c) if isinstance(o, Var)}
            if any(w.root.n in roots for i in self.instrs[first:j] for w in i.writes):
                continue
            if any(i.how == "effect" and i.fn == "opaque" for i in self.instrs[first:j]):
                continue
            shape = np.broadcast_shapes(*(o.shape for o in (c, a, b) if isinstance(o, Var)))
            w = rec.new_var("temp", np.empty(shape, dtype))
            pick = Instr("call", np.where, (c, a, b), {}, outs=(w,))
            pick.note = w
            w.producer = pick
            args = [w, z] if k == 0 else [z, w]
            apply = Instr("call", fx.fn, args, {}, outs=(out,))
            apply.note = out
            out.producer = apply
            self.instrs[j] = pick
            after[id(pick)] = apply
            drop.add(id(fx))
            drop.add(id(fy))
        if after:
            kept: list[Instr] = []
            for instr in self.instrs:
                if id(instr) not in drop:
                    kept.append(instr)
                    if id(instr) in after:
                        kept.append(after[id(instr)])
            self.instrs = kept

    def _negated_magnitudes(self) -> None:
        """``negative(absolute(x))`` as ``copysign(x, -1)``: the same bits (the magnitude with
        the sign bit set, NaNs included) in one call."""
        readers = self._readers()
        producers = {v.n: instr for instr in self.instrs for v in instr.outs}
        drop: set[int] = set()
        for instr in self.instrs:
            if instr.how != "call" or instr.fn is not np.negative or instr.kwargs:
                continue
            (t,) = instr.args if len(instr.args) == 1 else (None,)
            if not isinstance(t, Var) or readers.get(t.n) != 1 or t.dtype.kind != "f":
                continue
            made = producers.get(t.n)
            if (
                made is None
                or made.fn is not np.absolute
                or made.kwargs
                or len(made.args) != 1
                or made.writes
                or self.recorded.rec.written(t)
            ):
                continue
            (x,) = made.args
            instr.fn = np.copysign
            instr.args = (x, _Constant(np.asarray(-1.0, dtype=t.dtype)))
            drop.add(id(made))
        self.instrs = [x for x in self.instrs if id(x) not in drop]

    def _readers(self) -> dict[int, int]:
        """How many times each var is read (by calls, effects and the returned value)."""
        readers: dict[int, int] = {}
        for instr in self.instrs:
            for v in instr.reads():
                readers[v.n] = readers.get(v.n, 0) + 1
        for kind, what in self.recorded.outputs:
            if kind == "wrap" and isinstance(what[0], Var):
                readers[what[0].n] = readers.get(what[0].n, 0) + 1
        return readers

    def _effectful(self, instr: Instr) -> bool:
        if instr.how == "effect":
            return True
        return any(w.root.kind in ("input", "load", "extern") for w in instr.writes)

    def _drop_dead(self) -> None:
        """Calls whose results nothing reads."""
        live_vars: set[int] = set()
        live_roots: set[int] = set()
        for kind, what in self.recorded.outputs:
            if kind == "wrap" and isinstance(what[0], Var):
                live_vars.add(what[0].n)
                live_roots.add(what[0].root.n)
        kept = []
        for instr in reversed(self.instrs):
            needed = (
                self._effectful(instr)
                or any(v.n in live_vars for v in instr.outs)
                or any(w.root.n in live_roots for w in instr.writes)
            )
            if not needed:
                continue
            kept.append(instr)
            for v in (*instr.reads(), *instr.writes):
                live_vars.add(v.n)
                live_roots.add(v.root.n)
        self.instrs = kept[::-1]

    def _plan_memory(self) -> None:
        """Which results get an array of their own, allocated once (``out=``)."""
        escaping: dict[int, int] = {}  # root var n -> how many places keep it
        for kind, what in self.recorded.outputs:
            if kind == "wrap" and isinstance(what[0], Var):
                escaping[what[0].root.n] = escaping.get(what[0].root.n, 0) + 1
        for instr in self.instrs:
            if instr.how != "effect":
                continue
            if instr.fn in ("grad", "state", "opaque"):
                for v in instr.reads():
                    escaping[v.root.n] = escaping.get(v.root.n, 0) + 1
        self.escaping = escaping
        written_after: dict[int, int] = {}  # root n -> index of the last write
        for i, instr in enumerate(self.instrs):
            for w in instr.writes:
                written_after[w.root.n] = i
        for i, instr in enumerate(self.instrs):
            if instr.how == "effect" and instr.fn == "grad" and isinstance(instr.args[1], Var):
                g = instr.args[1]
                root = g.root
                exclusive = (
                    root.kind == "temp"
                    and root.n not in self.bound
                    and g.n not in self.bound
                    and escaping.get(root.n, 0) == 1
                    and written_after.get(root.n, -1) < i
                    and g.raw.flags.c_contiguous
                    and g.raw.size == root.raw.size
                )
                if not exclusive:
                    self.copies.add(id(instr))
        self.selects: dict[int, Any] = {}
        self.fresh: set[int] = set()
        self._wanted: list[tuple[int, Var, Var | None]] = []
        self._wanted_ns: set[int] = set()
        returned = {
            what[0].n
            for kind, what in self.recorded.outputs
            if kind == "wrap" and isinstance(what[0], Var)
        }
        last_read: dict[int, float] = {}  # root n -> index of the last call reading it
        for i, instr in enumerate(self.instrs):
            for v in (*instr.reads(), *instr.writes):
                last_read[v.root.n] = i
        for n in returned:
            last_read[self.recorded.rec.vars[n].root.n] = math.inf
        self._last_read = last_read
        for i, instr in enumerate(self.instrs):
            if instr.how != "call" or not instr.outs or "out" in instr.kwargs:
                continue
            if self._select(instr, escaping, i):
                continue
            ufunc, method = _ufunc_method(instr.fn)
            if ufunc is None or (method != "__call__" and method not in _OUT_METHODS):
                continue
            layout = instr.note
            outs = layout if type(layout) is tuple else (layout,)
            if not all(isinstance(v, Var) for v in outs) or len(outs) != ufunc.nout:
                continue
            if len(outs) == 1 and outs[0].scalar and outs[0].n in returned:
                # A number the call returns: into a new 0-d array, which the tensor wraps as
                # it is (a numpy scalar would be converted).
                self.fresh.add(outs[0].n)
                continue
            if any(v.root is not v or v.n in escaping for v in outs):
                continue
            for v in outs:
                self._want(v, i)
        self._assign_buffers()

    def _want(self, v: Var, index: int, share: Var | None = None) -> None:
        """``v``, made by the call at ``index``, gets a buffer (``share``'s, when given)."""
        self._wanted.append((index, v, share))
        self._wanted_ns.add(v.n)

    def _assign_buffers(self) -> None:
        """Buffers by lifetime: a buffer whose value nothing reads any more is given to the next
        result of its shape and dtype (never to a call that still reads it), so a step touches
        about as much memory as the eager step does."""
        free: dict[tuple[Any, ...], list[np.ndarray]] = {}
        busy: list[tuple[float, int, tuple[Any, ...]]] = []  # (last use, var n, key), a heap
        current: dict[int, tuple[float, np.ndarray]] = {}  # var n -> (last use, array)
        for index, v, share in self._wanted:
            while busy and busy[0][0] < index:
                end, n, key = heapq.heappop(busy)
                held = current.get(n)
                if held is not None and held[0] == end:
                    del current[n]
                    free.setdefault(key, []).append(held[1])
            end = self._last_read.get(v.n, index)
            # The layout too: numpy sums in the order of memory, so a result laid out otherwise
            # than the eager call's would be summed in another order by a later reduction.
            key = (v.shape, v.dtype.str, v.raw.strides)
            if share is not None:
                array = current.pop(share.n)[1]  # handed on: its old owner is read no more
            else:
                pool = free.get(key)
                array = pool.pop() if pool else np.empty_like(v.raw)
            current[v.n] = (end, array)
            heapq.heappush(busy, (end, v.n, key))
            self.buffers[v.n] = array
            self.bound[v.n] = array

    def _select(self, instr: Instr, escaping: dict[int, int], index: int) -> bool:
        """``np.where(c, a, b)`` into a buffer of its own, with the same bits: for a few
        elements as two copies (``b``, then ``a`` where ``c``), without ``where``'s allocation
        and dispatch; for many, as bitwise operations on the bits (``a & m | b & ~m`` with ``m``
        all ones where ``c``), which numpy vectorises where a select branches on each element."""
        if instr.fn is not np.where or len(instr.args) != 3 or instr.kwargs:
            return False
        (v,) = instr.outs
        if v.root is not v or v.n in escaping or v.scalar:
            return False
        c, a, b = instr.args
        if not isinstance(c, Var) or c.dtype != np.bool_:
            return False
        args: list[Any] = [c]
        for x in (a, b):
            if isinstance(x, Var) and x.dtype == v.dtype:
                args.append(x)
            elif type(x) in (int, float, bool):
                args.append(_Constant(np.asarray(x, dtype=v.dtype)))
            else:
                return False
        instr.args = tuple(args)
        small = v.raw.size <= 512 or v.dtype.itemsize not in (1, 2, 4, 8)
        b = args[2]
        if (
            small
            and isinstance(b, Var)
            and b.n in self._wanted_ns
            and b.root is b
            and b.shape == v.shape
            and b.raw.strides == v.raw.strides
            and self._last_read.get(b.n) == index
            and not self.recorded.rec.written(b)
        ):
            # b is read here for the last time: the select overwrites it where c, in place.
            self._want(v, index, share=b)
            self.selects[id(instr)] = "into b"
            return True
        self._want(v, index)
        if small:
            self.selects[id(instr)] = None
        else:
            bits = np.dtype(f"u{v.dtype.itemsize}")
            self.selects[id(instr)] = (bits, np.empty(v.shape, bits))
        return True

    def _bits(self, x: Any, bits: np.dtype) -> tuple[str, bool]:
        """An operand of a select as unsigned integers of its width, and whether all its bits
        are 0 (a constant +0)."""
        if isinstance(x, _Constant) or x.n in self.bound:
            value = x.value if isinstance(x, _Constant) else self.bound[x.n]
            view = np.asarray(value).view(bits)
            fixed = isinstance(x, _Constant) or x.n in self.fixed
            return self._name(view), fixed and not view.any()
        return f"{self._operand(x)}.view({self._name(bits)})", False

    def _select_code(self, instr: Instr, out: str) -> list[str]:
        c, a, b = (self._operand(x) for x in instr.args)
        how = self.selects[id(instr)]
        copy = self._name(np.copyto._implementation)  # type: ignore[attr-defined]
        if how == "into b":
            return [f"{copy}({out}, {a}, 'same_kind', {c})"]
        if how is None:
            return [f"{copy}({out}, {b})", f"{copy}({out}, {a}, 'same_kind', {c})"]
        bits, mask = how
        (v,) = instr.outs
        o = self._name(self.bound[v.n].view(bits))
        m = self._name(mask)
        u = self._name(bits)
        c8 = self._bits(instr.args[0], np.dtype(np.uint8))[0]
        (a_bits, a_zero), (b_bits, b_zero) = (self._bits(x, bits) for x in instr.args[1:])
        neg, sub = self._name(np.negative), self._name(np.subtract)
        band, bor, inv = (
            self._name(np.bitwise_and),
            self._name(np.bitwise_or),
            self._name(np.invert),
        )
        if b_zero:  # a's bits times 1 where c, times 0 elsewhere
            return [f"{self._name(np.multiply)}({a_bits}, {c8}, {o}, dtype={u})"]
        if a_zero:  # m: all ones where not c
            return [f"{sub}({c8}, 1, {m}, dtype={u})", f"{band}({b_bits}, {m}, {o})"]
        return [
            f"{neg}({c8}, {m}, dtype={u})",
            f"{band}({a_bits}, {m}, {o})",
            f"{inv}({m}, {m})",
            f"{band}({b_bits}, {m}, {m})",
            f"{bor}({o}, {m}, {o})",
        ]

    def _fuse_copies(self) -> None:
        """``t = f(...); p[...] = t`` with ``t`` read nowhere else becomes ``f(..., out=p)``."""
        readers: dict[int, int] = {}
        for instr in self.instrs:
            for v in instr.reads():
                readers[v.n] = readers.get(v.n, 0) + 1
        drop: set[int] = set()
        producers = {v.n: (i, instr) for i, instr in enumerate(self.instrs) for v in instr.outs}
        for j, copy in enumerate(self.instrs):
            if copy.how != "setitem" or copy.args[1] is not Ellipsis:
                continue
            target, t = copy.args[0], copy.args[2]
            if not isinstance(t, Var) or t.n not in self.buffers or readers.get(t.n) != 1:
                continue
            if t.shape != target.shape or t.dtype != target.dtype or t.scalar:
                continue
            i, made = producers[t.n]
            if not (isinstance(made.fn, np.ufunc) and made.fn.signature is None):
                continue  # elementwise only: where a result lies in memory changes no element
            between = self.instrs[i + 1 : j]
            if any(
                (x.how == "effect" and x.fn == "opaque")
                or any(v.root is target.root for v in (*x.reads(), *x.writes))
                for x in between
            ):
                continue
            made.note = ("into", target)
            made.writes = (*made.writes, target)
            made.outs = ()
            del self.buffers[t.n]
            del self.bound[t.n]
            self._aliases[t.n] = target
            drop.add(id(copy))
        self.instrs = [x for x in self.instrs if id(x) not in drop]

    def _drop_overwritten_grads(self) -> None:
        """``p.grad = None`` (``zero_grad``) when the program sets ``p.grad`` again before
        anything could read it."""
        drop: set[int] = set()
        pending: dict[int, int] = {}  # id(node) -> id of its "grad = None" instr
        for instr in self.instrs:
            if instr.how != "effect":
                continue
            if instr.fn == "grad" and instr.args[0][0] == "node":
                key = id(instr.args[0][1])
                if key in pending and instr.args[1] is not None:
                    drop.add(pending.pop(key))
                elif instr.args[1] is None:
                    pending[key] = id(instr)
                else:
                    pending.pop(key, None)
            elif instr.fn in ("opaque", "accumulate"):
                pending.clear()  # may read .grad
        self.instrs = [x for x in self.instrs if id(x) not in drop]

    def _views_once(self) -> None:
        """Views of constant arrays and of buffers: made now, once."""
        kept = []
        for instr in self.instrs:
            if (
                instr.how in ("call", "method", "attr")
                and not instr.writes
                and instr.outs
                and all(v.root is not v for v in instr.outs)
                and all(v.root.n in self.bound for v in instr.outs)
                and all(self._constant(x) for x in (*instr.args, *instr.kwargs.values()))
            ):
                result = self._evaluate(instr)
                layout = instr.note
                if (
                    isinstance(layout, Var)
                    and isinstance(result, np.ndarray)
                    and result.shape == layout.shape
                    and result.strides == layout.raw.strides
                ):
                    self.bound[layout.n] = result
                    if layout.root.n in self.fixed:
                        self.fixed.add(layout.n)
                    continue
            self._view_of_data(instr)
            kept.append(instr)
        self.instrs = kept

    def _view_of_data(self, instr: Instr) -> None:
        """A view of a node's data (``w.mT`` of a parameter): made now of the array the node
        holds, and used while the node holds that same array (its shape and dtype are guarded)."""
        if instr.how not in ("method", "attr") or instr.writes or len(instr.outs) != 1:
            return
        (v,) = instr.outs
        base = instr.args[0]
        if (
            v.root is v
            or not isinstance(base, Var)
            or base.root is not base
            or base.kind != "load"
            or base.expr[0] != "data"
            or not all(self._constant(x) for x in (*instr.args[1:], *instr.kwargs.values()))
        ):
            return
        array = base.expr[1].data
        if not isinstance(array, np.ndarray) or array.shape != base.shape:
            return
        self.bound[base.n] = array
        try:
            view = self._evaluate(instr)
        finally:
            del self.bound[base.n]
        if (
            isinstance(view, np.ndarray)
            and view.shape == v.shape
            and view.strides == v.raw.strides
            and np.shares_memory(view, array)
        ):
            self.views_of_data[id(instr)] = (array, view)

    def _evaluate(self, instr: Instr) -> Any:
        args = [self._value(a) for a in instr.args]
        kwargs = {k: self._value(v) for k, v in instr.kwargs.items()}
        if instr.how == "attr":
            return getattr(args[0], instr.fn)
        if instr.how == "method":
            return getattr(args[0], instr.fn)(*args[1:], **kwargs)
        return instr.fn(*args, **kwargs)

    def _value(self, x: Any) -> Any:
        if isinstance(x, Var):
            return self.bound[x.n]
        if type(x) is tuple or type(x) is list:
            return type(x)(self._value(e) for e in x)
        if type(x) is slice:
            return slice(self._value(x.start), self._value(x.stop), self._value(x.step))
        return x

    def _scalars_as_arrays(self) -> None:
        """Python numbers among a ufunc's operands as 0-d arrays of the dtype numpy converts
        them to."""
        for instr in self.instrs:
            if instr.how != "call" or not isinstance(instr.fn, np.ufunc) or instr.kwargs:
                continue
            ufunc = instr.fn
            args = list(instr.args)
            if len(args) != ufunc.nin:
                continue
            kinds: list[Any] = []
            for a in args:
                if isinstance(a, Var):
                    kinds.append(a.dtype)
                elif type(a) in (int, float):
                    kinds.append(type(a))
                elif isinstance(a, Live) and type(a.value) in (int, float):
                    kinds.append(type(a.value))
                else:
                    kinds = []
                    break
            if not kinds or all(isinstance(k, np.dtype) for k in kinds):
                continue
            try:
                dtypes = ufunc.resolve_dtypes((*kinds, *([None] * ufunc.nout)))
            except (TypeError, ValueError, OverflowError):
                continue
            for k, a in enumerate(args):
                if type(a) in (int, float):
                    args[k] = _Constant(np.asarray(a, dtype=dtypes[k]))
                elif isinstance(a, Live):
                    # Read at every call into a 0-d array of the dtype numpy converts it to;
                    # its type is guarded (another type could convert differently).
                    source = self._live(a.expr)
                    slot = self._live_slots.get((source, dtypes[k]))
                    if slot is None:
                        slot = _LiveSlot(np.empty((), dtypes[k]), a)
                        self._live_slots[(source, dtypes[k])] = slot
                        self.recorded.rec.guards.append((("type", a), type(a.value)))
                    args[k] = slot
            instr.args = tuple(args)

    # -- writing -----------------------------------------------------------------------------------
    def _name(self, obj: Any) -> str:
        name = self.names.get(id(obj))
        if name is None:
            name = f"k{len(self.objects)}"
            self.names[id(obj)] = name
            self.objects.append(obj)
        return name

    def _var(self, v: Var) -> str:
        alias = self._aliases.get(v.n)
        if alias is not None:
            return self._var(alias)
        if v.n in self.bound:
            return self._name(self.bound[v.n])
        return v.name

    def _operand(self, x: Any) -> str:
        if isinstance(x, Var):
            return self._var(x)
        if isinstance(x, _Constant):
            return self._name(x.value)
        if isinstance(x, _LiveSlot):
            return self._name(x.array)
        if isinstance(x, Live):
            return self._live(x.expr)
        if type(x) is tuple:
            inner = ", ".join(self._operand(e) for e in x)
            return f"({inner},)" if x else "()"
        if type(x) is list:
            return "[" + ", ".join(self._operand(e) for e in x) + "]"
        if type(x) is slice:
            parts = (self._operand(e) for e in (x.start, x.stop, x.step))
            return f"slice({', '.join(parts)})"
        if x is None or x is Ellipsis or type(x) is bool or type(x) is int:
            return repr(x)
        if type(x) is float and math.isfinite(x):
            return repr(x)
        if type(x) is str:
            return repr(x)
        return self._name(x)

    def _live(self, e: Any) -> str:
        if isinstance(e, Live):
            return self._live(e.expr)
        if type(e) is not tuple:
            return self._operand(e)
        write = _LIVE_SOURCE.get(e[0])
        if write is None:
            raise LoweringError(f"an expression {e[0]!r}")
        return write(self, *e[1:])

    def _node(self, where: Any) -> str:
        kind, what = where
        return self._name(what) if kind == "node" else f"flat[{what}]"

    def _write(self) -> str:
        """The function's body; a failed guard returns `_MISS_TOKEN`, replaced later."""
        lines: list[str] = []
        miss = _MISS_TOKEN
        conds: list[str] = []
        seen: set[tuple[str, ...]] = set()
        for expr, expected in self.recorded.rec.guards:
            tests = tuple(self._guard(expr, expected))
            if tests not in seen:  # the same guard twice (zero_grad's and step's)
                seen.add(tests)
                conds += tests
        if conds:
            test = " or\n            ".join(conds)
            lines.append(
                f"        if (\n            {test}\n        ):\n            return {miss}\n"
            )
        for v in self.recorded.rec.vars:
            if v.kind == "const" and v.n not in self.bound:  # a constant the program writes into
                lines.append(f"        {v.name} = {self._name(v.value)}.copy()\n")
        for instr in self.instrs:
            lines.extend(f"        {line}\n" for line in self._statement(instr))
        lines.append(f"        return {self._output()}\n")
        return "".join(lines)

    def _guard(self, expr: Any, expected: Any) -> list[str]:
        kind = expr[0]
        if kind == "groups":
            _, opt, groups, params = expr
            conds = [f"len(_g := {self._name(opt)}.param_groups) != {len(groups)}"]
            for i, (group, ps) in enumerate(zip(groups, params)):
                conds.append(f"_g[{i}] is not {self._name(group)}")
                conds.append(f"len(_q := {self._name(group)}['params']) != {len(ps)}")
                conds += [f"_q[{j}] is not {self._name(p)}" for j, p in enumerate(ps)]
            return conds
        if kind == "has":
            _, opt, p, key = expr
            found = f"({key!r} in {self._name(opt)}.state.get({self._name(p)}, ()))"
            return [f"{found} is not {expected!r}"]
        if expr[0] == "equal":
            _, group, key, value = expr
            return [f"{self._name(group)}.get({key!r}) != {self._name(value)}"]
        if expr[0] == "type":
            return [f"type({self._live(expr[1].expr)}) is not {self._name(expected)}"]
        if expr[0] == "bool":
            test = self._live(expr[1])
            return [f"not {test}" if expected else test]
        return [f"bool({self._live(expr)}) is not {bool(expected)!r}"]

    def _statement(self, instr: Instr) -> list[str]:
        how = instr.how
        if how == "read":
            (v,) = instr.outs
            expr = instr.args[0]
            if expr[0] == "input":
                return [f"{v.name} = flat[{expr[1]}].data"]
            if expr[0] == "data":
                return [f"{v.name} = {self._name(expr[1])}.data"]
            _, opt, p, key = expr
            return [f"{v.name} = {self._name(opt)}.state[{self._name(p)}][{key!r}]"]
        if how == "effect":
            return self._effect(instr)
        fills = []
        for a in instr.args:
            if isinstance(a, _LiveSlot) and id(a) not in self._filled:
                self._filled.add(id(a))
                fills.append(f"{self._name(a.array)}[()] = {self._live(a.live.expr)}")
        if fills:
            return fills + self._statement_of_call(instr)
        return self._statement_of_call(instr)

    def _statement_of_call(self, instr: Instr) -> list[str]:
        how = instr.how
        args = [self._operand(a) for a in instr.args]
        kwargs = [f"{k}={self._operand(v)}" for k, v in instr.kwargs.items()]
        if how == "setitem":
            return [f"{args[0]}[{args[1]}] = {args[2]}"]
        if how == "attr":
            call = f"{args[0]}.{instr.fn}"
        elif how == "method":
            call = f"{args[0]}.{instr.fn}({', '.join(args[1:] + kwargs)})"
        else:
            note = instr.note
            out: str | None = None
            if type(note) is tuple and note and note[0] == "into":
                out = self._var(note[1])
            elif instr.outs and all(v.n in self.buffers for v in instr.outs):
                names = [self._var(v) for v in instr.outs]
                out = names[0] if len(names) == 1 else f"({', '.join(names)},)"
            if instr.fn is np.where and out is not None and id(instr) in self.selects:
                return self._select_code(instr, out)
            if out is not None:
                return [self._call(instr, args, kwargs, out)]
            if len(instr.outs) == 1 and instr.outs[0].n in self.fresh:
                (v,) = instr.outs
                empty = f"{self._name(np.empty)}((), {self._name(v.dtype)})"
                return [f"{v.name} = {empty}", self._call(instr, args, kwargs, v.name)]
            call = self._call(instr, args, kwargs, None)
        target = self._target(instr.note)
        cached = self.views_of_data.get(id(instr))
        if cached is not None and target:
            array, view = cached
            base = self._operand(instr.args[0])
            call = f"{self._name(view)} if {base} is {self._name(array)} else {call}"
        return [f"{target} = {call}" if target else call]

    def _call(self, instr: Instr, args: list[str], kwargs: list[str], out: str | None) -> str:
        """The call of a numpy function, written into ``out`` when given."""
        fn = instr.fn
        impl = getattr(fn, "_implementation", None)
        if isinstance(impl, types.BuiltinFunctionType):
            fn = impl  # an array function written in C: the same call, without the dispatch
        method = _ufunc_method(instr.fn)[1]
        if method == "reduce":
            # Defaults spelled out by numpy's Python wrappers cost a little at every call.
            defaults = {"dtype": None, "keepdims": False, "where": True}
            kwargs = [
                k
                for k, (name, value) in zip(kwargs, instr.kwargs.items())
                if not (name in defaults and value is defaults[name])
                and not (name == "initial" and value is np._NoValue)
            ]
        name = self._name(fn)
        if method == "reduce" and len(args) == 1:
            # reduce(array, axis, dtype, out, keepdims): positional, the quickest to parse
            given = dict(kw.split("=", 1) for kw in kwargs)
            if out is not None:
                given["out"] = out
            order = ("axis", "dtype", "out", "keepdims")
            if set(given) <= set(order):
                last = max((order.index(k) for k in given), default=-1)
                spelled = {"axis": "0", "dtype": "None", "out": "None", "keepdims": "False"}
                parts = [given.get(k, spelled[k]) for k in order[: last + 1]]
                return f"{name}({', '.join(args + parts)})"
        if out is None:
            return f"{name}({', '.join(args + kwargs)})"
        return f"{name}({', '.join(args)}, {self._out_arg(instr, out)}{_more(kwargs)})"

    def _out_arg(self, instr: Instr, out: str) -> str:
        ufunc, method = _ufunc_method(instr.fn)
        if method == "__call__" and not instr.kwargs and ufunc not in (np.maximum, np.minimum):
            return out  # positional: the fastest way numpy takes it
        return f"out={out}"

    def _target(self, layout: Any) -> str:
        if isinstance(layout, Var):
            return self._var(layout) if layout.n not in self.bound else "_"
        if type(layout) is tuple or type(layout) is list:
            parts = [self._target(e) or "_" for e in layout]
            return (
                "(" + ", ".join(parts) + ",)"
                if type(layout) is tuple
                else "[" + ", ".join(parts) + "]"
            )
        return ""

    def _effect(self, instr: Instr) -> list[str]:
        kind, args = instr.fn, instr.args
        if kind == "grad":
            node, g = self._node(args[0]), args[1]
            if g is None:
                return [f"{node}._grad = None"]
            value = self._var(g)
            if id(instr) in self.copies:
                value += ".copy()"
            return [f"{node}._grad = {value}"]
        if kind == "accumulate":
            return [f"{self._node(args[0])}._accumulate({self._var(args[1])})"]
        if kind == "bump":
            return [f"{self._node(args[0])}._counter()[0] += 1"]
        if kind == "state":
            opt, p, key, v = args
            if isinstance(v, Live):
                value = self._live(v.expr)
            else:
                value = self._var(v)
                if v.n in self.bound or v.root is not v:
                    value += ".copy()"
            return [f"{self._name(opt)}.state.setdefault({self._name(p)}, {{}})[{key!r}] = {value}"]
        if kind == "opaque":
            step, slots, operands = args
            s = self._name(self._opaque_slots())
            lines = []
            for slot, x in zip(slots, operands):
                if type(x) is tuple and x and x[0] == "input":
                    lines.append(f"{s}[{slot}] = flat[{x[1]}]")
                else:
                    lines.append(f"{s}[{slot}] = {self._operand(x)}")
            lines.append(f"{self._name(step)}({s})")
            return lines
        raise LoweringError(f"an effect {kind!r}")

    def _opaque_slots(self) -> list[Any]:
        """The slots the tape's steps that the program calls as they are read (they take the
        whole list, and read the entries the program fills in before each call)."""
        if self._slots is None:
            used = [
                slot
                for i in self.instrs
                if i.how == "effect" and i.fn == "opaque"
                for slot in i.args[1]
            ]
            self._slots = [None] * (1 + max(used, default=0))
        return self._slots

    def _output(self) -> str:
        leaves = []
        for kind, what in self.recorded.outputs:
            if kind == "input":
                leaves.append(f"flat[{what}]")
            elif kind == "wrap":
                x, wrap = what
                if isinstance(x, Var):
                    value = self._var(x)
                    root = x.root
                    shared = (
                        x.n in self.bound
                        or root.n in self.bound
                        or root.kind in ("const", "extern")
                        or self.escaping.get(root.n, 0) > 1
                    )
                    if shared and root.kind not in ("input", "load"):
                        value += ".copy()"  # a constant, or an array also kept elsewhere
                else:
                    value = self._operand(x)
                leaves.append(f"{self._name(wrap)}({value})")
            else:
                leaves.append(self._name(what))
        it = iter(leaves)
        return _build(self.recorded.structure, it)


def _describe_read(expr: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(x if isinstance(x, int | str) else id(x) for x in expr)


class _UnkeyableError(Exception):
    """An operand that makes a call unlike any other (a number read at run time)."""


def _substitute(instr: Instr, alias: dict[int, Var]) -> None:
    """Replace the vars of ``instr``'s operands by their aliases."""

    def sub(x: Any) -> Any:
        if isinstance(x, Var):
            return alias.get(x.n, x)
        if type(x) is tuple or type(x) is list:
            return type(x)(sub(e) for e in x)
        if type(x) is slice:
            return slice(sub(x.start), sub(x.stop), sub(x.step))
        return x

    instr.args = sub(instr.args)
    instr.kwargs = {k: sub(v) for k, v in instr.kwargs.items()}
    instr.writes = sub(instr.writes)


class _LiveSlot:
    """A 0-d array the program fills with a live number at its first use."""

    __slots__ = ("array", "live")

    def __init__(self, array: np.ndarray, live: Live) -> None:
        self.array, self.live = array, live


class _Constant:
    """An operand made a constant when the program is written."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _more(kwargs: list[str]) -> str:
    return ", " + ", ".join(kwargs) if kwargs else ""


def _build(structure: Any, it: Any) -> str:
    if structure is None:
        return str(next(it))
    kind, parts = structure
    if kind is dict:
        return "{" + ", ".join(f"{k!r}: {_build(s, it)}" for k, s in parts) + "}"
    inner = [_build(s, it) for s in parts]
    if kind is tuple:
        return "(" + "".join(f"{x}, " for x in inner) + ")"
    return "[" + ", ".join(inner) + "]"
