"""Recording numpy calls: a tape run once more on `Traced` arrays writes down every numpy call.

`Traced` is an ndarray subclass that stands for a value of the call. numpy hands every ufunc and
every array function that sees one to `Recorder`, which computes it on the plain arrays and notes
it as an `Instr`: the function, its operands (`Var`s for traced values, constants otherwise) and
its results, new `Var`s. Methods of the arrays (``reshape``, ``.T``, indexing) are noted the same
way; reductions written in Python in numpy (``x.sum()``, ``x.mean()``) are followed into the ufunc
calls they make. Anything that would turn a traced value into Python data (``float(x)``,
``x.item()``, ``if x.any():``) raises `LoweringError`: a record cannot repeat it.

Numbers that must be read again at each call (an optimizer's learning rate) are `Live`: they
compute like numbers while recording and become an expression in the program; a branch on one
becomes a guard.
"""

from __future__ import annotations

import functools
import math
import operator
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np


class LoweringError(Exception):
    """A step cannot be written as a fixed list of numpy calls (it reads values as Python data,
    or makes arrays in ways the record cannot see)."""


class Var:
    """A value of the program: an argument's data, a node's data read at run time, a constant,
    or the result of an instruction.

    ``root`` is the var whose memory it lies in (itself unless it is a view); ``raw`` the array
    it held while recording (its shape, dtype and layout are the program's).
    """

    __slots__ = ("n", "kind", "raw", "root", "scalar", "producer", "value", "expr", "name")

    def __init__(self, n: int, kind: str, raw: Any, root: Var | None = None) -> None:
        self.n = n
        self.kind = kind  # "input", "load", "temp", "const" (internal), "extern" (by reference)
        self.raw = raw
        self.root = self if root is None else root
        self.scalar = False  # the eager call holds a numpy scalar here, not an array
        self.producer: Instr | None = None
        self.value: Any = None  # constants: the object
        self.expr: Any = None  # inputs and loads: how the program reads it
        self.name = f"v{n}"

    @property
    def shape(self) -> tuple[int, ...]:
        return self.raw.shape  # type: ignore[no-any-return]

    @property
    def dtype(self) -> np.dtype:
        return self.raw.dtype  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"<{self.name} {self.kind} {self.raw.dtype}{list(self.raw.shape)}>"


class Instr:
    """One numpy call (or one effect) of the program.

    ``how`` is ``"call"`` (``fn(*args, **kwargs)``), ``"method"`` (``args[0].fn(*args[1:],
    **kwargs)``), ``"attr"`` (``args[0].fn``), ``"setitem"`` (``args[0][args[1]] = args[2]``),
    or ``"effect"`` (see `lowering`). ``outs`` are the vars it makes, ``writes`` the vars whose
    memory it changes.
    """

    __slots__ = ("how", "fn", "args", "kwargs", "outs", "writes", "note")

    def __init__(
        self,
        how: str,
        fn: Any,
        args: Sequence[Any],
        kwargs: dict[str, Any],
        outs: Sequence[Var] = (),
        writes: Sequence[Var] = (),
    ) -> None:
        self.how, self.fn, self.args, self.kwargs = how, fn, tuple(args), dict(kwargs)
        self.outs, self.writes = tuple(outs), tuple(writes)
        self.note: Any = None

    def operands(self) -> Iterator[Any]:
        """Every leaf of the arguments (vars, lives, constants), nested sequences walked."""
        stack = [*reversed(self.args), *reversed(list(self.kwargs.values()))]
        while stack:
            x = stack.pop()
            if type(x) is tuple or type(x) is list:
                stack.extend(reversed(x))
            elif type(x) is slice:
                stack.extend((x.start, x.stop, x.step))
            else:
                yield x

    def reads(self) -> Iterator[Var]:
        """The vars among the operands."""
        for x in self.operands():
            if isinstance(x, Var):
                yield x
            elif isinstance(x, Live):
                yield from x.vars()

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", self.fn)
        return (
            f"{self.outs} = {self.how} {name}{self.args} {self.kwargs or ''} writes {self.writes}"
        )


# -- numbers read again at every call --------------------------------------------------------------


def _comparison(fn: Callable[[Any, Any], Any]) -> Callable[[Live, object], bool]:
    """`Live`'s comparison ``fn``: a branch on its result is a guard."""

    def compare(self: Live, other: object) -> bool:
        return self._guard(fn, other)

    return compare


class Live:
    """A number the program reads at run time (``group["lr"]``), or arithmetic on such numbers.

    ``expr`` is a tree: ``("item", obj, key)`` reads ``obj[key]`` (``obj`` a constant),
    ``("state", opt, p, key)`` reads ``opt.state[p][key]``, ``("op", fn, a, b)`` applies a binary
    operator, ``("neg", a)`` negates, ``("call", fn, *args)`` applies a ``math`` function.
    ``value`` is its value now.
    Branching on one (``bool``, comparisons) records a guard; converting it to a Python number
    raises `LoweringError`, since the number would be frozen.
    """

    __slots__ = ("value", "expr")

    def __init__(self, value: Any, expr: Any) -> None:
        self.value, self.expr = value, expr

    def vars(self) -> Iterator[Var]:
        stack = [self.expr]
        while stack:
            e = stack.pop()
            if isinstance(e, Live):
                stack.append(e.expr)
            elif type(e) is tuple:
                stack.extend(e[1:])
            elif isinstance(e, Var):
                yield e

    def _binary(self, other: Any, fn: Callable[[Any, Any], Any], flip: bool) -> Any:
        if isinstance(other, Live):
            b: Any = other
            bv = other.value
        elif type(other) in (int, float, bool):
            b, bv = other, other
        else:
            return NotImplemented
        a, av = self, self.value
        if flip:
            a, b, av, bv = b, a, bv, av
        return Live(fn(av, bv), ("op", fn, a, b))

    # ``+ - * / **``, both ways: set below, once the class exists (`_install_arithmetic`).

    def __neg__(self) -> Live:
        return Live(-self.value, ("neg", self))

    def _guard(self, fn: Callable[[Any, Any], Any], other: Any) -> bool:
        other_value = other.value if isinstance(other, Live) else other
        result = bool(fn(self.value, other_value))
        current_recorder().guard(("op", fn, self, other), result)
        return result

    def __bool__(self) -> bool:
        result = bool(self.value)
        current_recorder().guard(("bool", self), result)
        return result

    __lt__ = _comparison(operator.lt)
    __le__ = _comparison(operator.le)
    __gt__ = _comparison(operator.gt)
    __ge__ = _comparison(operator.ge)
    __eq__ = _comparison(operator.eq)
    __ne__ = _comparison(operator.ne)

    __hash__ = None  # type: ignore[assignment]

    def _frozen(self, *args: Any) -> Any:
        raise LoweringError("a number read at every call was converted to a Python number")

    __float__ = __int__ = __index__ = __round__ = __abs__ = _frozen


def _install_arithmetic() -> None:
    """`Live`'s arithmetic operators: ``__<name>__`` and its reflected form ``__r<name>__``
    (``2 * live``) both record ``fn``."""
    for name, fn in (
        ("add", operator.add),
        ("sub", operator.sub),
        ("mul", operator.mul),
        ("truediv", operator.truediv),
        ("pow", operator.pow),
    ):
        for dunder, flip in ((f"__{name}__", False), (f"__r{name}__", True)):
            method = functools.partialmethod(Live._binary, fn=fn, flip=flip)
            setattr(Live, dunder, method)


_install_arithmetic()


# -- the traced array ------------------------------------------------------------------------------

#: Attributes of an array that say nothing of its values.
_STATIC = frozenset({"shape", "dtype", "ndim", "size", "itemsize", "nbytes", "strides", "flags"})
#: Attributes that are views.
_VIEW_ATTRS = frozenset({"T", "mT", "real", "imag"})
#: Methods numpy writes in Python on top of ufuncs: followed into those calls.
_FOLLOWED = frozenset({"sum", "mean", "max", "min", "prod", "any", "all", "var", "std", "clip"})
#: Methods that change the array in place.
_IN_PLACE = frozenset({"fill", "sort", "put", "partition"})
#: Methods that turn the values into Python data.
_ESCAPING = frozenset({"item", "tolist", "tobytes", "tofile", "dump", "dumps", "itemset"})


class Traced(np.ndarray):
    """An array standing for a value of the recorded call; numpy calls on it are recorded."""

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return current_recorder().ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return current_recorder().function(func, args, kwargs)

    def __getattribute__(self, name: str) -> Any:
        if name[:2] == "__" or name in _STATIC:
            return super().__getattribute__(name)
        if name in _VIEW_ATTRS:
            return current_recorder().attribute(self, name)
        if name in _FOLLOWED:
            return getattr(np.ndarray, name).__get__(self)
        if name in _ESCAPING or name.startswith("_"):
            raise LoweringError(f"reading an array's values as Python data (.{name})")
        if callable(getattr(np.ndarray, name, None)):
            return functools.partial(current_recorder().method, self, name)
        raise LoweringError(f"an array attribute the record does not follow (.{name})")

    def __getitem__(self, index: Any) -> Any:
        return current_recorder().method(self, "__getitem__", index)

    def __setitem__(self, index: Any, value: Any) -> None:
        current_recorder().setitem(self, index, value)

    def _escape(self, *args: Any) -> Any:
        raise LoweringError("reading a traced array's values as Python data")

    __bool__ = __float__ = __int__ = __index__ = __complex__ = __contains__ = _escape
    __iter__ = __copy__ = __deepcopy__ = __reduce__ = __reduce_ex__ = _escape


# -- the recorder ----------------------------------------------------------------------------------

_local = threading.local()
_lock = threading.RLock()


def current_recorder() -> Recorder:
    rec: Recorder | None = getattr(_local, "recorder", None)
    if rec is None:
        raise LoweringError("a traced array used outside its recording")
    return rec


def _key(a: np.ndarray) -> tuple[Any, ...]:
    return (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype.str)


def _plain(a: np.ndarray) -> np.ndarray:
    return np.ndarray.view(a, np.ndarray) if type(a) is not np.ndarray else a


#: numpy functions whose results say nothing of the values (shapes, dtypes).
_METADATA = frozenset({"result_type", "shape", "ndim", "size", "can_cast", "min_scalar_type"})
#: Array functions recorded as one call even though numpy writes them in Python (they make views
#: through ``nditer`` or C calls the record cannot follow).
_WHOLE = frozenset({"broadcast_to", "broadcast_arrays", "einsum"})
#: Array functions that write into their first argument.
_WRITING = frozenset({"copyto", "put_along_axis", "place", "putmask", "put", "fill_diagonal"})
#: numpy's creation functions: while recording, they make traced arrays (a rule may write into
#: them).
_CREATIONS = ("zeros", "ones", "empty", "full")
#: numpy's conversions: on a traced array, recorded (numpy would read its memory directly).
_CONVERSIONS = ("asarray", "asanyarray", "array", "ascontiguousarray")


_CONSTANT = ("const", "extern")


class Recorder:
    """Records numpy calls on traced arrays into ``instrs``.

    Parameters
    ----------
    external : set of int
        ids of arrays that belong to the outside world (the user's, or held by ops): constants
        the program reads by reference and never computes on ahead of time.
    """

    def __init__(self, external: set[int]) -> None:
        self.instrs: list[Instr] = []
        self.vars: list[Var] = []
        self.guards: list[tuple[Any, Any]] = []
        self.external = external
        self._by_traced: dict[int, Var] = {}
        self._by_memory: dict[tuple[Any, ...], Var] = {}
        self._consts: dict[int, Var] = {}
        self._keep: list[Any] = []
        self._written: set[int] = set()  # ids of root vars written by an instruction

    # -- vars --------------------------------------------------------------------------------------
    def new_var(self, kind: str, raw: Any, root: Var | None = None) -> Var:
        scalar = isinstance(raw, np.generic)
        if scalar:
            raw = np.asarray(raw)
        var = Var(len(self.vars), kind, raw, root)
        var.scalar = scalar
        self.vars.append(var)
        self._keep.append(raw)
        self._by_memory.setdefault(_key(raw), var)
        return var

    def traced(self, var: Var) -> Traced:
        """A traced array over ``var``'s data."""
        t = np.ndarray.view(var.raw, Traced)
        self._by_traced[id(t)] = var
        self._keep.append(t)
        return t

    def _var_at(self, a: np.ndarray) -> Var | None:
        """The var whose memory ``a`` is (the same address, shape, strides and dtype), if any."""
        return self._by_memory.get(_key(a))

    def var_of(self, t: Traced) -> Var:
        var = self._by_traced.get(id(t))
        if var is None:
            var = self._var_at(t)
            if var is None:
                raise LoweringError(
                    "an array made from a traced one by a numpy call the record cannot see"
                )
        return var

    def const(self, x: np.ndarray) -> Var:
        """The var of a constant array (by identity)."""
        var = self._consts.get(id(x))
        if var is None:
            external = id(x) in self.external or _views_external(x, self.external)
            var = self.new_var("extern" if external else "const", x)
            var.value = x if external else x.copy()  # its contents when first seen
            self._consts[id(x)] = var
            self._keep.append(x)
        return var

    def ref(self, x: Any) -> Any:
        """An operand as the program sees it: a var, a live number, or a constant."""
        if isinstance(x, Traced):
            return self.var_of(x)
        if type(x) is np.ndarray:
            return self._plain_operand(x)
        if isinstance(x, Live):
            return x
        if type(x) is tuple or type(x) is list:
            return type(x)(self.ref(e) for e in x)
        if type(x) is slice:
            return slice(self.ref(x.start), self.ref(x.stop), self.ref(x.step))
        if type(x) is dict:
            raise LoweringError("a dict operand")
        if isinstance(x, np.ndarray):  # another subclass (a matrix, a masked array)
            raise LoweringError(f"an operand of type {type(x).__name__}")
        return x

    def _plain_operand(self, x: np.ndarray) -> Var:
        """A plain array operand: the var whose memory it is, else a constant (by identity)."""
        var = self._var_at(x)
        if var is None:
            self._check_not_a_view(x)
            var = self.const(x)
        return var

    def _check_not_a_view(self, x: np.ndarray) -> None:
        """Raise when ``x`` views a traced array (a view of a constant is a constant)."""
        base = x.base
        while isinstance(base, np.ndarray):
            known = self._var_at(base)
            if isinstance(base, Traced) or (known is not None and known.kind not in _CONSTANT):
                raise LoweringError("a view of a traced array made outside the record")
            base = base.base

    def raw(self, x: Any) -> Any:
        """An operand as numpy computes it now."""
        if isinstance(x, Traced):
            return _plain(x)
        if isinstance(x, Live):
            return x.value
        if type(x) is tuple or type(x) is list:
            return type(x)(self.raw(e) for e in x)
        if type(x) is slice:
            return slice(self.raw(x.start), self.raw(x.stop), self.raw(x.step))
        return x

    # -- results -----------------------------------------------------------------------------------
    def results(self, instr: Instr, out: Any, operands: Sequence[Any]) -> Any:
        """Vars for what a call returned: traced arrays for arrays and numpy scalars. The
        instruction notes the shape of the result (``note``: a var, a tuple or list of them, or
        None for anything else)."""
        made = self._results(instr, out, operands)
        instr.note = self._layout(made)
        return made

    def _layout(self, made: Any) -> Any:
        if isinstance(made, Traced):
            return self.var_of(made)
        if type(made) is tuple or type(made) is list:
            return type(made)(self._layout(m) for m in made)
        return None

    def _results(self, instr: Instr, out: Any, operands: Sequence[Any]) -> Any:
        if type(out) is tuple:
            return tuple(self._results(instr, o, operands) for o in out)
        if type(out) is list:
            return [self._results(instr, o, operands) for o in out]
        if isinstance(out, np.ndarray | np.generic):
            if isinstance(out, np.ndarray):
                known = self._var_at(out)
                if known is not None and any(w is known for w in instr.writes):
                    return self.traced(known)  # an out= argument, returned
                for x in operands:  # an operand returned as it is (astype(copy=False))
                    if isinstance(x, Var) and x.raw is out:
                        return self.traced(x)
            var = self.new_var("temp", out, self._root_of(out, operands))
            var.producer = instr
            instr.outs = (*instr.outs, var)
            return self.traced(var)
        return out

    def _root_of(self, out: Any, operands: Sequence[Any]) -> Var | None:
        """The root var whose memory ``out`` views, if any."""
        if not isinstance(out, np.ndarray) or out.base is None:
            return None
        for x in operands:
            if isinstance(x, Var) and np.may_share_memory(out, x.raw):
                return x.root
        return None

    def emit(self, instr: Instr) -> None:
        for w in instr.writes:
            self._written.add(id(w.root))
        self.instrs.append(instr)

    def written(self, var: Var) -> bool:
        return id(var.root) in self._written

    def guard(self, expr: Any, expected: Any) -> None:
        self.guards.append((expr, expected))

    # -- what numpy hands over ---------------------------------------------------------------------
    def ufunc(
        self, ufunc: np.ufunc, method: str, inputs: Sequence[Any], kwargs: dict[str, Any]
    ) -> Any:
        refs = [self.ref(x) for x in inputs]
        kw = {k: self.ref(v) for k, v in kwargs.items()}
        writes: list[Var] = []
        if "out" in kwargs:
            outs = kwargs["out"]
            outs = outs if type(outs) is tuple else (outs,)
            for o in outs:
                if o is None:
                    continue
                var = self.ref(o)
                if not isinstance(var, Var):
                    raise LoweringError("an out= argument the record cannot see")
                writes.append(var)
        if method == "at":
            writes.append(refs[0])
        raw_out = getattr(ufunc, method)(
            *[self.raw(x) for x in inputs], **{k: self.raw(v) for k, v in kwargs.items()}
        )
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        instr = Instr("call", fn, refs, kw, writes=writes)
        self.emit(instr)
        if method == "at":
            return None
        if "out" in kwargs and writes:  # numpy returns the out= arrays themselves
            given = kwargs["out"]
            return given[0] if type(given) is tuple and len(given) == 1 else given
        return self.results(instr, raw_out, [*refs, *kw.values()])

    def function(self, func: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        name = func.__name__
        if name in _METADATA:
            return func(*[self.raw(a) for a in args], **{k: self.raw(v) for k, v in kwargs.items()})
        impl = getattr(func, "_implementation", None)
        if isinstance(impl, types.FunctionType) and name not in _WHOLE:
            mark = self.mark()
            try:
                result = impl(*args, **kwargs)
                self._check_tracked(result)
                return result
            except LoweringError:
                self.undo(mark)
        refs = [self.ref(a) for a in args]
        kw = {k: self.ref(v) for k, v in kwargs.items()}
        writes = []
        if name in _WRITING:
            writes.append(refs[0])
        elif kw.get("out") is not None:
            writes.append(kw["out"])
        for w in writes:
            if not isinstance(w, Var):
                raise LoweringError(f"{name} writes into an array the record cannot see")
        raw_out = func(*[self.raw(a) for a in args], **{k: self.raw(v) for k, v in kwargs.items()})
        instr = Instr("call", func, refs, kw, writes=writes)
        self.emit(instr)
        return self.results(instr, raw_out, [*refs, *kw.values()])

    def _check_tracked(self, result: Any) -> None:
        if type(result) is tuple or type(result) is list:
            for r in result:
                self._check_tracked(r)
        elif isinstance(result, Traced):
            self.var_of(result)
        elif isinstance(result, np.ndarray):
            if self._var_at(result) is None:
                raise LoweringError("an array function made an array the record cannot see")
        elif isinstance(result, np.generic):
            raise LoweringError("an array function returned a numpy scalar")

    def method(self, t: Traced, name: str, *args: Any, **kwargs: Any) -> Any:
        if name in _ESCAPING:
            raise LoweringError(f"reading an array's values as Python data (.{name}())")
        var = self.var_of(t)
        refs = [self.ref(a) for a in args]
        kw = {k: self.ref(v) for k, v in kwargs.items()}
        writes = [var] if name in _IN_PLACE else []
        raw_out = getattr(_plain(t), name)(
            *[self.raw(a) for a in args], **{k: self.raw(v) for k, v in kwargs.items()}
        )
        instr = Instr("method", name, [var, *refs], kw, writes=writes)
        self.emit(instr)
        return self.results(instr, raw_out, [var, *refs, *kw.values()])

    def attribute(self, t: Traced, name: str) -> Any:
        var = self.var_of(t)
        raw_out = getattr(_plain(t), name)
        instr = Instr("attr", name, [var], {})
        self.emit(instr)
        return self.results(instr, raw_out, [var])

    def setitem(self, t: Traced, index: Any, value: Any) -> None:
        var = self.var_of(t)
        refs = (self.ref(index), self.ref(value))
        _plain(t)[self.raw(index)] = self.raw(value)
        self.emit(Instr("setitem", None, [var, *refs], {}, writes=[var]))

    def conversion(self, func: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        """``np.asarray(t)`` and its kin on a traced array: ``t`` itself where numpy would return
        its argument as it is, else the conversion recorded."""
        t = args[0]
        if func.__name__ in ("asarray", "asanyarray") and len(args) == 1:
            dtype = kwargs.get("dtype")
            if set(kwargs) <= {"dtype"} and (dtype is None or np.dtype(dtype) == t.dtype):
                return t
        var = self.var_of(t)
        refs = [var, *(self.ref(a) for a in args[1:])]
        kw = {k: self.ref(v) for k, v in kwargs.items()}
        raw_out = func(_plain(t), *[self.raw(a) for a in args[1:]], **kwargs)
        instr = Instr("call", func, refs, kw)
        self.emit(instr)
        return self.results(instr, raw_out, refs)

    def creation(self, func: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Traced:
        raw_out = func(*args, **kwargs)
        instr = Instr(
            "call", func, [self.ref(a) for a in args], {k: self.ref(v) for k, v in kwargs.items()}
        )
        self.emit(instr)
        return self.results(instr, raw_out, ())  # type: ignore[no-any-return]

    # -- undo --------------------------------------------------------------------------------------
    def mark(self) -> tuple[int, int, int]:
        return len(self.instrs), len(self.vars), len(self.guards)

    def undo(self, mark: tuple[int, int, int]) -> None:
        n_instrs, n_vars, n_guards = mark
        for var in self.vars[n_vars:]:
            key = _key(var.raw)
            if self._by_memory.get(key) is var:
                del self._by_memory[key]
            for d in (self._by_traced, self._consts):
                for k in [k for k, v in d.items() if v is var]:
                    del d[k]
        del self.instrs[n_instrs:]
        del self.vars[n_vars:]
        del self.guards[n_guards:]
        self._written = {id(w.root) for i in self.instrs for w in i.writes}


def _views_external(x: np.ndarray, external: set[int]) -> bool:
    base = x.base
    while base is not None:
        if id(base) in external:
            return True
        base = getattr(base, "base", None)
    return False


#: ``math`` functions an update rule applies to live numbers: recorded as calls in the
#: program (``math.sqrt(1 - beta2 ** step)``).
_MATH = ("sqrt", "exp", "log", "pow", "fabs")


@contextmanager
def paused() -> Iterator[None]:
    """Compute plainly for the block (nothing recorded, creation functions as they are)."""
    rec = getattr(_local, "recorder", None)
    _local.recorder = None
    try:
        yield
    finally:
        _local.recorder = rec


@contextmanager
def recording(rec: Recorder) -> Iterator[None]:
    """Make ``rec`` this thread's recorder, with numpy's creation functions making traced arrays
    in this thread, for the block."""
    with _lock:
        saved = {name: getattr(np, name) for name in (*_CREATIONS, *_CONVERSIONS)}
        saved_math = {name: getattr(math, name) for name in _MATH}
        owner = threading.get_ident()

        def live_math(orig: Any) -> Any:
            @functools.wraps(orig)
            def made(*args: Any) -> Any:
                if any(isinstance(a, Live) for a in args) and threading.get_ident() == owner:
                    values = [a.value if isinstance(a, Live) else a for a in args]
                    return Live(orig(*values), ("call", orig, *args))
                return orig(*args)

            return made

        def wrap(name: str, orig: Any) -> Any:
            converts = name in _CONVERSIONS

            @functools.wraps(orig)
            def made(*args: Any, **kwargs: Any) -> Any:
                r = getattr(_local, "recorder", None)
                if r is None or threading.get_ident() != owner:
                    return orig(*args, **kwargs)
                if converts:
                    if args and isinstance(args[0], Traced):
                        return r.conversion(orig, args, kwargs)
                    return orig(*args, **kwargs)
                return r.creation(orig, args, kwargs)

            return made

        _local.recorder = rec
        try:
            for name, orig in saved.items():
                setattr(np, name, wrap(name, orig))
            for name, orig in saved_math.items():
                setattr(math, name, live_math(orig))
            with np.errstate(all="ignore"):
                yield
        finally:
            for name, orig in saved.items():
                setattr(np, name, orig)
            for name, orig in saved_math.items():
                setattr(math, name, orig)
            _local.recorder = None
