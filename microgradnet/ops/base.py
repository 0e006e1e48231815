"""`Op`: the shape every operation takes, forward and backward side by side.

An operation is a small class. ``forward`` computes on raw data (numpy arrays, or Python floats
for `Value`); ``backward`` returns one gradient per input, written with the operators and the
functions of `microgradnet.ops`. Those work on raw data and on graph nodes alike, so the same rule
computes a plain gradient in an ordinary backward pass and records a differentiable one under
``create_graph=True``: one rule per operation gives every order of derivative.

Calling an op instance on raw data computes it; calling it on nodes records it::

    Exp()(np.array([0.0]))                    # array([1.])
    Exp()(tensor([0.0], requires_grad=True))  # Tensor made by exp
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, NoReturn

import numpy as np

from ..engine import GraphOp, Node, check_finite, creation_counter, this_thread


class _Scope(threading.local):
    """The module whose forward is running in this thread: each recorded op notes it, so that a
    drawing can group ops by module. `microgradnet.nn` sets ``module``; below nn nothing knows
    about modules."""

    module: Any = None


scope = _Scope()

# How a rule sees its inputs and output (``Op._mode``).
_RAW, _GRAPH, _IEEE = 0, 1, 2


class _OpType(type):
    """The class of op classes: ``class Sum(Op, params=("axes", "keepdims"))`` gives ``Sum`` the
    slots of its parameters; a class that names none and declares no ``__slots__`` gets an empty
    one (an op holds its parameters only)."""

    def __new__(
        mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any], **kwargs: Any
    ) -> _OpType:
        if "params" in kwargs and "__slots__" in ns:
            raise TypeError(f"{name}: give its parameters by params=... or __slots__, not both")
        inherited = {key for base in bases for key in getattr(base, "params", ())}
        ns.setdefault("__slots__", tuple(k for k in kwargs.get("params", ()) if k not in inherited))
        return super().__new__(mcls, name, bases, ns, **kwargs)


def _constructor(cls: type) -> Callable[..., None]:
    """``__init__(self, <params>)`` storing each parameter, written out for ``cls`` (ops are made
    on every call of a function, so their constructor takes no generic argument handling)."""
    names = cls.params  # type: ignore[attr-defined]
    if not all(isinstance(n, str) and n.isidentifier() for n in names):
        raise TypeError(f"{cls.__name__}: params must be identifiers, not {names!r}")
    body = "".join(f"\n    self.{n} = {n}" for n in names) + "\n    self.parents = None"
    namespace: dict[str, Any] = {}
    exec(f"def __init__(self{''.join(', ' + n for n in names)}):{body}", namespace)
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__name__}.__init__"
    init.__module__ = cls.__module__
    init.from_params = True  # type: ignore[attr-defined]
    return init


def _versions_of(parents: tuple[Node, ...]) -> tuple[int, ...]:
    """The version of each input's memory."""
    return tuple([p._vc[0] for p in parents])


def _unchanged_data(op: Op) -> tuple[Any, ...] | None:
    """The data of ``op``'s inputs, or None if one was changed in place since ``op`` recorded it.

    Every rule that reads its inputs calls this: spelled out for one and two inputs (nearly all
    ops), where a loop would cost more than the rest of the work."""
    parents, versions = op.parents, op._versions
    if len(parents) == 2:
        a, b = parents
        if versions is None or (a._vc[0] == versions[0] and b._vc[0] == versions[1]):
            return (a.data, b.data)
    elif len(parents) == 1:
        a = parents[0]
        if versions is None or a._vc[0] == versions[0]:
            return (a.data,)
    elif versions is None or versions == _versions_of(parents):
        return tuple([p.data for p in parents])
    return None


class Op(GraphOp, metaclass=_OpType):
    """Base class of operations. Subclasses set ``name`` and define ``forward`` and ``backward``.

    An op's constant parameters are named by the class keyword ``params``:
    ``class Sum(Op, params=("axes", "keepdims"))`` gives ``Sum`` their slots, a constructor
    ``Sum(axes, keepdims)`` (keywords accepted) and an `extra_repr` showing ``axes=...,
    keepdims=...``; subclasses inherit them.

    Inside ``backward``, ``self.inputs`` and ``self.output`` give the inputs and the output: raw
    data in an ordinary pass, nodes when the pass is recorded; ``self.parents`` are always the
    input nodes (for shapes and ``requires_grad``).

    ``on_floats``, when set, computes the op for `Value`'s Python floats (``math`` beats numpy
    there); otherwise ``forward`` runs on the floats. Where either raises or leaves the reals (a
    division by zero, the log of a negative number), the op is computed by numpy with IEEE rules
    instead, so a `Value` gives infinities and NaNs as a `Tensor` does, never an exception.
    """

    __slots__ = (
        "parents",
        "_versions",
        "_out_version",
        "_released",
        "_seq",
        "_mode",
        "_out",
        "_scope",
    )

    name: ClassVar[str] = "op"
    params: ClassVar[tuple[str, ...]] = ()
    on_floats: ClassVar[Callable[..., float] | None] = None

    parents: tuple[Node, ...]
    _versions: tuple[int, ...] | None
    _out_version: int
    _released: bool
    _seq: int
    _mode: int
    _out: Node | None
    _scope: Any

    def __init_subclass__(cls, params: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if params is not None:
            cls.params = params
        if "__init__" not in vars(cls) and getattr(cls.__init__, "from_params", False):
            cls.__init__ = _constructor(cls)  # type: ignore[method-assign]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self.params
        values = dict(zip(names, args), **kwargs)
        if len(args) + len(kwargs) != len(names) or set(values) != set(names):
            raise TypeError(f"{type(self).__name__} takes the parameters {names}")
        for key, value in values.items():
            setattr(self, key, value)

    __init__.from_params = True  # type: ignore[attr-defined]

    # -- to override --------------------------------------------------------------------------
    def forward(self, *args: Any) -> Any:
        """Compute the result from raw inputs (numpy arrays or floats)."""
        raise NotImplementedError

    def backward(self, g: Any) -> tuple[Any, ...]:
        """Return the gradient for each input (None for inputs that need none)."""
        raise NotImplementedError

    def extra_repr(self) -> str:
        """The op's own arguments, as shown in drawings and reprs (``dim=1``)."""
        return ", ".join(f"{key}={getattr(self, key)}" for key in self.params)

    # -- used by rules ------------------------------------------------------------------------
    @property
    def inputs(self) -> tuple[Any, ...]:
        """The inputs: raw data, or the input nodes when the backward pass is recorded."""
        mode = self._mode
        if mode == _RAW:
            data = _unchanged_data(self)
            if data is None:
                self._refuse_changed_input()
            return data
        self._check_versions()
        if mode == _GRAPH:
            return self.parents
        return tuple([np.float64(p.data) for p in self.parents])

    @property
    def raw_inputs(self) -> tuple[Any, ...]:
        """The inputs' raw data in any pass: for masks and other constants of a rule."""
        data = _unchanged_data(self)
        if data is None:
            self._refuse_changed_input()
        if self._mode == _IEEE:
            return tuple([np.float64(d) for d in data])
        return data

    def _check_versions(self) -> None:
        if _unchanged_data(self) is None:
            self._refuse_changed_input()

    def _refuse_changed_input(self) -> NoReturn:
        """Raise the error for an input changed in place after the op recorded it."""
        for i, (p, v) in enumerate(zip(self.parents, self._versions or ())):
            if p._vc[0] != v:
                raise RuntimeError(
                    f"{self.name} backward: input {i} (shape {p.shape}) was modified in place "
                    f"after {self.name} used it (version {p._version}, expected {v}); "
                    "backward needs its original value"
                )
        raise RuntimeError(f"{self.name} backward: an input was modified in place")

    @property
    def output(self) -> Any:
        """The output: raw data, or (when recorded) the op replayed on its inputs."""
        out = getattr(self, "_out", None)
        assert out is not None, "output is only available inside backward"
        if self._versions is not None and out._vc[0] != self._out_version:
            raise RuntimeError(
                f"{self.name} backward: its output (shape {out.shape}) was modified in place; "
                "backward needs its original value"
            )
        mode = self._mode
        if mode == _RAW:
            return out.data
        if mode == _GRAPH:
            replay = copy.copy(self)
            replay._out = None  # the copy must not keep this pass's output alive
            return replay(*self.parents)
        return np.float64(out.data)

    # -- computing and recording --------------------------------------------------------------
    def _float_forward(self, raw: Any) -> float:
        fn = self.on_floats or self.forward
        try:
            out = fn(*raw)
            if type(out) is float:
                return out
        except (ArithmeticError, ValueError):
            pass
        with np.errstate(all="ignore"):
            return float(self.forward(*[np.float64(r) for r in raw]))

    def __call__(self, *args: Any) -> Any:
        """Compute the op on ``args``. On raw data (arrays, floats) the result is raw; with a
        node among them it is a node of the same front end, recorded when an input requires grad
        and grad mode is on."""
        like: Node | None = None
        requires = constants = False
        raw = []
        for a in args:
            if isinstance(a, Node):
                if like is None:
                    like = a
                elif a.holds_float is not like.holds_float:
                    raise TypeError(f"{self.name}: cannot mix Value and Tensor inputs")
                if a.requires_grad:
                    requires = True
                raw.append(a.data)
            else:
                constants = True
                raw.append(a)
        if like is None:
            return self._forward_raw(args)
        st = this_thread.switches
        if like.holds_float:
            out = self._float_forward(raw)
        else:
            try:
                if st.anomaly:
                    with np.errstate(all="ignore"):
                        out = self.forward(*raw)
                    check_finite(f"the forward of {self.name}", (out,))
                else:
                    out = self.forward(*raw)
            except ValueError as err:
                better = self.misfit(raw, err)
                if better is None:
                    raise
                raise better from err
        cls = type(like)
        view = type(out) is np.ndarray and out.base is not None
        if not (requires and st.grad_enabled):
            result = cls._wrap(out, None, like)
            if view:
                result._view_of(args, out)
        else:
            parents = args
            if constants:
                parents = tuple(
                    a if isinstance(a, Node) else cls._wrap(a, None, like) for a in args
                )
            op = self._record(parents, like.holds_float)
            result = cls._wrap(out, op, like)
            if view:  # the output starts at the version of the memory it views
                result._view_of(parents, out)
                op._out_version = result._vc[0]
        if st.tracer is not None:
            st.tracer.forward(self, args, raw, result)
        return result

    def apply(self, *args: Any) -> Any:
        """`__call__` on inputs among which is a node (a `Tensor` or a `Value`)."""
        if not any(isinstance(a, Node) for a in args):
            raise TypeError(f"{self.name}: apply needs at least one Tensor or Value input")
        return self(*args)

    def _forward_raw(self, args: tuple[Any, ...]) -> Any:
        """The op on raw data only: numpy's result for arrays, a float for Python numbers."""
        for a in args:
            if isinstance(a, np.ndarray | np.generic):
                return self.forward(*args)
        return self._float_forward(args)

    def misfit(self, raw: Sequence[Any], err: ValueError) -> ValueError | None:
        """The error for a forward that numpy refused (``err``), naming the op and the shapes of
        its inputs ``raw``; None when the op's own message names it already (raise ``err``)."""
        if str(err).startswith(f"{self.name}: "):
            return None
        shapes = ", ".join(str(np.shape(r)) for r in raw)
        return ValueError(f"{self.name}: inputs of shapes {shapes} do not fit: {str(err).strip()}")

    def _record(self, parents: tuple[Node, ...], floats: bool) -> Op:
        """Note the inputs, their versions, the creation order and the running module.

        An op already in a graph is copied first: one instance may be called many times.
        """
        try:
            fresh = self.parents is None  # set by the constructor
        except AttributeError:  # a subclass's own constructor that does not set it
            fresh = True
        op = self if fresh else copy.copy(self)  # one instance may be recorded many times
        op.parents = parents
        # A Value has no in-place operations, so its version never moves. The output's version
        # is 0, unless it views an input's memory (`__call__` sets ``_out_version`` then).
        if floats:
            op._versions = None
        else:
            op._out_version = 0
            if len(parents) == 2:  # most ops: spelled out, where a call would cost more
                op._versions = (parents[0]._vc[0], parents[1]._vc[0])
            elif len(parents) == 1:
                op._versions = (parents[0]._vc[0],)
            else:
                op._versions = _versions_of(parents)
        op._released = False
        op._seq = next(creation_counter)
        op._mode = _RAW
        op._scope = scope.module
        return op

    # -- the engine's side --------------------------------------------------------------------
    def vjp(self, out: Node, grad: Any, graph: bool) -> tuple[Any, ...]:
        """Run the rule for this pass: raw data, or nodes when ``graph``."""
        if self._released:
            raise RuntimeError(
                f"{self.name} backward: this part of the graph was already run backward and its "
                "saved values were freed; pass retain_graph=True to the first backward() to run "
                "backward through it again"
            )
        self._out = out
        try:
            if graph or out.holds_float or this_thread.switches.anomaly:
                return self._vjp_modes(out, grad, graph)
            return self.backward(grad)  # the common case: plain arrays
        finally:
            self._out = None  # no reference from an op to its output survives the call

    def _vjp_modes(self, out: Node, grad: Any, graph: bool) -> tuple[Any, ...]:
        """`vjp` recorded, under anomaly mode, or on floats (with the IEEE fallback)."""
        self._mode = _GRAPH if graph else _RAW
        try:
            if this_thread.switches.anomaly:
                return self._checked_backward(grad)
            return self.backward(grad)
        except FloatingPointError:  # anomaly mode's own error
            raise
        except (ArithmeticError, ValueError):
            if graph or not out.holds_float:
                raise
            grads = self._ieee_backward(grad)  # a Value at a singular point
            if this_thread.switches.anomaly:
                check_finite(f"the backward of {self.name}", grads)
            return grads
        finally:
            self._mode = _RAW

    def _checked_backward(self, grad: Any) -> tuple[Any, ...]:
        with np.errstate(all="ignore"):
            grads = self.backward(grad)
        check_finite(f"the backward of {self.name}", grads)
        return grads

    def _ieee_backward(self, grad: Any) -> tuple[Any, ...]:
        self._mode = _IEEE
        with np.errstate(all="ignore"):
            grads = self.backward(np.float64(grad))
        return tuple(None if g is None else float(g) for g in grads)

    def release(self) -> None:
        """Free what was saved for backward; the graph's structure stays for drawing."""
        self._released = True

    def __repr__(self) -> str:
        return f"{self.name}({self.extra_repr()})"
