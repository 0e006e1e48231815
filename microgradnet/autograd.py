"""The autograd API, PyTorch's: custom `Function`s, `grad` of outputs, `backward` of several
outputs, and anomaly mode.

All of it is a thin layer over the engine. The JAX-style function transforms are in
`microgradnet.func`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .engine import Node, accumulate, check_finite, detect_anomaly, gradients, no_grad, this_thread
from .ops.base import Op
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx", "backward", "detect_anomaly", "grad"]


# ------------------------------------------------------------------------------------- Function


class FunctionCtx:
    """What a `Function`'s ``forward`` leaves for its ``backward``.

    Attributes
    ----------
    needs_input_grad : tuple of bool
        For each input of ``forward``, whether it wants a gradient.
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Any, ...] = ()
        self._versions: tuple[int, ...] = ()
        # True while a plain (unrecorded) backward pass runs: saved tensors then come detached,
        # so the rule records nothing and no grad-mode switch is needed.
        self._plain = False

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (inputs or outputs of ``forward``) for ``backward``."""
        self._saved = tensors
        self._versions = tuple(t._version if isinstance(t, Node) else 0 for t in tensors)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to ``save_for_backward``, checked for in-place changes."""
        for i, (t, v) in enumerate(zip(self._saved, self._versions)):
            if isinstance(t, Node) and t._version != v:
                raise RuntimeError(
                    f"saved_tensors: saved tensor {i} (shape {t.shape}) was modified in place "
                    "after it was saved"
                )
        if self._plain:
            return tuple(t.detach() if isinstance(t, Tensor) else t for t in self._saved)
        return self._saved


class _FunctionOp(Op):
    """The graph node of one call of a user's `Function`."""

    __slots__ = ("fn", "ctx", "positions")

    def __init__(self, fn: type[Function]) -> None:
        self.fn = fn
        self.ctx: FunctionCtx | None = None
        self.positions: tuple[int, ...] = ()

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.fn.__name__

    def apply(self, *args: Any) -> Any:
        needs = tuple(isinstance(a, Node) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        with no_grad():
            out = self.fn.forward(ctx, *args)
        if isinstance(out, tuple):
            raise TypeError(f"{self.name}.forward: return one Tensor; several are not supported")
        out_data = out.data if isinstance(out, Node) else np.asarray(out)
        if this_thread.switches.anomaly:
            check_finite(f"the forward of {self.name}", (out_data,))
        if not (any(needs) and this_thread.switches.grad_enabled):
            return Tensor._wrap(out_data)
        self.ctx = ctx
        self.positions = tuple(i for i, a in enumerate(args) if isinstance(a, Node))
        op = self._record(tuple(args[i] for i in self.positions), False)
        return Tensor._wrap(out_data, op)

    def backward(self, g: Any) -> tuple[Any, ...]:
        assert self.ctx is not None
        graph = self.inputs is self.parents
        if graph:
            result = self.fn.backward(self.ctx, g)
        else:
            self.ctx._plain = True
            try:
                result = self.fn.backward(self.ctx, Tensor._wrap(g))
            finally:
                self.ctx._plain = False
        grads = result if isinstance(result, tuple) else (result,)
        n_inputs = len(self.ctx.needs_input_grad)
        if len(grads) != n_inputs:
            raise RuntimeError(
                f"{self.name}.backward returned {len(grads)} gradients, but forward took "
                f"{n_inputs} inputs; return one per input (None for inputs without one)"
            )
        out: list[Any] = []
        for i in self.positions:
            gi = grads[i]
            parent = self.parents[len(out)]
            if gi is not None:
                shape = np.shape(gi.data if isinstance(gi, Node) else gi)
                if shape != parent.shape:
                    raise RuntimeError(
                        f"{self.name}.backward returned a gradient of shape {shape} for input {i}, "
                        f"whose shape is {parent.shape}"
                    )
                if graph:
                    gi = gi if isinstance(gi, Node) else Tensor._wrap(np.asarray(gi))
                else:
                    gi = gi.data if isinstance(gi, Node) else np.asarray(gi)
            out.append(gi)
        return tuple(out)

    def release(self) -> None:
        super().release()
        if self.ctx is not None:
            self.ctx._saved = ()


class Function:
    """Base class for operations with a hand-written derivative, PyTorch's shape.

    Subclasses define two static methods: ``forward(ctx, *inputs)``, which computes the result
    from `Tensor`s (nothing inside it is recorded), and ``backward(ctx, grad_output)``, which
    returns the gradient for each input of ``forward`` (None where there is none). A backward
    written with `Tensor` operations is differentiable again. Call it as ``MyOp.apply(*inputs)``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> class Cube(mg.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return g * 3 * x ** 2
    >>> x = mg.tensor(2.0, requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad
    tensor(12.)
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        """Compute the output from the inputs."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        """Return the gradient for each input of ``forward``."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        """Run ``forward`` on ``args`` and record the call in the graph."""
        return _FunctionOp(cls).apply(*args)  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- gradient queries


def _as_list(x: Any) -> list[Any]:
    return [x] if isinstance(x, Node) else list(x)


def _seeds(grad_outputs: Any, n: int, where: str) -> list[Any]:
    if grad_outputs is None:
        return [None] * n
    if isinstance(grad_outputs, Node | np.ndarray | float | int) and n == 1:
        return [grad_outputs]
    seeds = list(grad_outputs)
    if len(seeds) != n:
        raise ValueError(f"{where}: {len(seeds)} gradients given for {n} outputs")
    return seeds


def backward(
    tensors: Node | Sequence[Node],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Node | Sequence[Node] | None = None,
) -> None:
    """Accumulate the gradients of several outputs at once (one pass, PyTorch's
    ``torch.autograd.backward``)."""
    outs = _as_list(tensors)
    retain = create_graph if retain_graph is None else retain_graph
    accumulate(
        outs,
        _seeds(grad_tensors, len(outs), "backward"),
        retain_graph=retain,
        create_graph=create_graph,
        inputs=None if inputs is None else _as_list(inputs),
    )


def grad(
    outputs: Node | Sequence[Node],
    inputs: Node | Sequence[Node],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Any, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned rather than accumulated.

    Parameters
    ----------
    outputs, inputs : node or sequence of nodes
        What to differentiate, and with respect to what.
    grad_outputs : array-like or sequence, optional
        The vector of the vector-Jacobian product, one per output (needed for non-scalar ones).
    retain_graph : bool, optional
        Keep the graph for another backward pass (defaults to ``create_graph``).
    create_graph : bool
        Record the computation of the gradients, so that they can be differentiated again.
    allow_unused : bool, optional
        Return None for an input the outputs do not depend on, instead of raising (implied by
        ``materialize_grads``).
    materialize_grads : bool
        Return zeros instead of None for such an input.

    Examples
    --------
    >>> import microgradnet as mg
    >>> x = mg.tensor(3.0, requires_grad=True)
    >>> (dx,) = mg.autograd.grad(x ** 3, x, create_graph=True)
    >>> (ddx,) = mg.autograd.grad(dx, x)
    >>> float(dx), float(ddx)
    (27.0, 18.0)
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    seeds = _seeds(grad_outputs, len(outs), "grad")
    for i, x in enumerate(ins):
        if not x.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {x.shape}) does not require grad")
    retain = create_graph if retain_graph is None else retain_graph
    found = gradients(outs, seeds, ins, retain_graph=retain, create_graph=create_graph)
    for i, g in enumerate(found):
        if g is not None:
            continue
        if materialize_grads:
            found[i] = type(ins[i])._wrap(ins[i]._raw_grad(np.zeros(ins[i].shape)))
        elif not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {ins[i].shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it, or materialize_grads=True for zeros"
            )
    return tuple(found)
