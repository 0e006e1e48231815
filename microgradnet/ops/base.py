"""`Op`: the shape every operation takes, forward and backward side by side.

An operation is a small class. ``forward`` computes on raw data (numpy arrays, or Python floats
for `Value`); ``backward`` returns one gradient per input, written with the operators and the
functions of `microgradnet.ops`. Those work on raw data and on graph nodes alike, so the same rule
computes a plain gradient in an ordinary backward pass and records a differentiable one under
``create_graph=True``: one rule per operation gives every order of derivative.

Calling an op instance on raw data computes it; calling it on nodes records it::

    exp(np.array([0.0]))                  # array([1.])
    exp(tensor([0.0], requires_grad=True)) # Tensor made by exp
"""

from __future__ import annotations

import copy
import itertools
from typing import Any, ClassVar

import numpy as np

from ..engine import Node, _check_finite, mode

# Creation order of recorded ops: an op always comes after the ops that made its inputs, so
# running backward in decreasing order visits a node only once all its consumers are done.
_sequence = itertools.count()


class Op:
    """Base class of operations. Subclasses set ``name`` and define ``forward`` and ``backward``.

    Inside ``backward``, ``self.inputs`` and ``self.output`` give the inputs and the output: raw
    data in an ordinary pass, nodes when the pass is recorded. ``self.needs_grad(i)`` says whether
    input ``i`` wants a gradient; return None for those that do not.
    """

    __slots__ = ("parents", "_versions", "_released", "_seq", "_graph", "_out", "_scope")

    name: ClassVar[str] = "op"

    parents: tuple[Node, ...]
    _versions: tuple[int, ...] | None
    _seq: int
    _out: Node | None

    # -- to override --------------------------------------------------------------------------
    def forward(self, *args: Any) -> Any:
        """Compute the result from raw inputs (numpy arrays)."""
        raise NotImplementedError

    def scalar(self, *args: Any) -> Any:
        """Compute the result from Python floats; override where ``math`` beats numpy."""
        return float(self.forward(*args))

    def backward(self, grad: Any) -> tuple[Any, ...]:
        """Return the gradient for each input (None for inputs that need none)."""
        raise NotImplementedError

    def extra_repr(self) -> str:
        """The op's own arguments, as shown in drawings and reprs (``axis=1``)."""
        return ""

    # -- used by rules ------------------------------------------------------------------------
    @property
    def inputs(self) -> tuple[Any, ...]:
        """The inputs: raw data, or the input nodes when the backward pass is recorded."""
        parents = self.parents
        versions = self._versions
        if versions is not None and versions != tuple([p._version for p in parents]):
            self._version_error()
        if self._graph:
            return parents
        return tuple([p.data for p in parents])

    @property
    def raw_inputs(self) -> tuple[Any, ...]:
        """The inputs' raw data in any pass: for masks and other constants of a rule."""
        parents = self.parents
        versions = self._versions
        if versions is not None and versions != tuple([p._version for p in parents]):
            self._version_error()
        return tuple([p.data for p in parents])

    def _version_error(self) -> None:
        for i, (p, v) in enumerate(zip(self.parents, self._versions or ())):
            if p._version != v:
                raise RuntimeError(
                    f"{self.name} backward: input {i} (shape {p.shape}) was modified in place "
                    f"after {self.name} used it (version {p._version}, expected {v}); backward "
                    "needs its original value"
                )

    @property
    def output(self) -> Any:
        """The output: raw data, or (when recorded) the op replayed on its inputs."""
        out = self._out
        assert out is not None, "output is only available inside backward"
        if out._version != 0:
            raise RuntimeError(
                f"{self.name} backward: its output (shape {out.shape}) was modified in place; "
                "backward needs its original value"
            )
        if self._graph:
            replay = copy.copy(self)
            replay._out = None  # the copy must not keep this pass's output alive
            return replay.apply(*self.parents)
        return out.data

    def needs_grad(self, i: int) -> bool:
        """Whether input ``i`` wants a gradient."""
        return self.parents[i].requires_grad

    # -- machinery ----------------------------------------------------------------------------
    def __call__(self, *args: Any) -> Any:
        """Record on nodes, or compute directly on raw data."""
        for a in args:
            if isinstance(a, Node):
                return self.apply(*args)
        for a in args:
            if isinstance(a, np.ndarray | np.generic):
                return self.forward(*args)
        return self.scalar(*args)

    def apply(self, *args: Any) -> Any:
        """Compute on the data of ``args`` and record the op when an input requires grad."""
        like: Node | None = None
        requires = constants = False
        for a in args:
            if isinstance(a, Node):
                if like is None:
                    like = a
                elif a._scalar is not like._scalar:
                    raise TypeError(f"{self.name}: cannot mix Value and Tensor inputs")
                if a.requires_grad:
                    requires = True
            else:
                constants = True
        if like is None:
            raise TypeError(f"{self.name}: apply needs at least one Tensor or Value input")
        if constants:
            raw = [a.data if isinstance(a, Node) else a for a in args]
        else:
            raw = [a.data for a in args]
        try:
            if mode.anomaly:
                with np.errstate(all="ignore"):
                    out = (self.scalar if like._scalar else self.forward)(*raw)
                _check_finite(f"the forward of {self.name}", (out,))
            else:
                out = (self.scalar if like._scalar else self.forward)(*raw)
        except ValueError as err:
            shapes = ", ".join(str(np.shape(r)) for r in raw)
            raise ValueError(
                f"{self.name}: inputs of shapes {shapes} do not fit: {str(err).strip()}"
            ) from err
        cls = type(like)
        if not (requires and mode.grad_enabled):
            return cls._wrap(out, None, like)
        if constants:
            args = tuple(a if isinstance(a, Node) else cls._wrap(a, None, like) for a in args)
        self._record(args, like._scalar)
        return cls._wrap(out, self, like)

    def _record(self, parents: tuple[Node, ...], scalar: bool) -> None:
        """Note the inputs, their versions, the creation order and the running module."""
        self.parents = parents
        # A Value has no in-place operations, so its version never moves.
        self._versions = None if scalar else tuple([p._version for p in parents])
        self._released = False
        self._seq = next(_sequence)
        scopes = mode.scopes
        self._scope = scopes[-1] if scopes else None

    def _run_backward(self, out: Node, grad: Any, graph: bool) -> tuple[Any, ...]:
        if self._released:
            raise RuntimeError(
                f"{self.name} backward: this part of the graph was already run backward and its "
                "saved values were freed; pass retain_graph=True to the first backward() to run "
                "backward through it again"
            )
        self._graph = graph
        self._out = out
        try:
            return self.backward(grad)
        finally:
            self._out = None  # no reference from an op to its output survives the call

    def _release(self) -> None:
        """Free what was saved for backward; the graph's structure stays for drawing."""
        self._released = True

    def __repr__(self) -> str:
        return f"{self.name}({self.extra_repr()})"
