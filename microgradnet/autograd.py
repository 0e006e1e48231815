"""The autograd API: custom `Function`s, `grad` of outputs, and function transforms.

All of it is a thin layer over `microgradnet.engine.backward`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import Node, _check_finite, backward, detect_anomaly, enable_grad, mode, no_grad
from .ops.base import Op
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx", "detect_anomaly", "grad", "grad_of", "value_and_grad"]


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
        if mode.anomaly:
            _check_finite(f"the forward of {self.name}", (out_data,))
        if not (any(needs) and mode.grad_enabled):
            return Tensor._wrap(out_data)
        self.ctx = ctx
        self.positions = tuple(i for i, a in enumerate(args) if isinstance(a, Node))
        self._record(tuple(args[i] for i in self.positions), False)
        return Tensor._wrap(out_data, self)

    def backward(self, g: Any) -> tuple[Any, ...]:
        assert self.ctx is not None
        g_in = g if self._graph else Tensor._wrap(g)
        result = self.fn.backward(self.ctx, g_in)
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
                if self._graph:
                    gi = gi if isinstance(gi, Node) else Tensor._wrap(np.asarray(gi))
                else:
                    gi = gi.data if isinstance(gi, Node) else np.asarray(gi)
            out.append(gi)
        return tuple(out)

    def _release(self) -> None:
        super()._release()
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
    array(12.)
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


def grad(
    outputs: Node | Sequence[Node],
    inputs: Node | Sequence[Node],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
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
    allow_unused : bool
        Return None for an input the outputs do not depend on, instead of raising.

    Examples
    --------
    >>> import microgradnet as mg
    >>> x = mg.tensor(3.0, requires_grad=True)
    >>> (dx,) = mg.autograd.grad(x ** 3, x, create_graph=True)
    >>> (ddx,) = mg.autograd.grad(dx, x)
    >>> float(dx), float(ddx)
    (27.0, 18.0)
    """
    outs = [outputs] if isinstance(outputs, Node) else list(outputs)
    ins = [inputs] if isinstance(inputs, Node) else list(inputs)
    if grad_outputs is None:
        seeds: list[Any] = [None] * len(outs)
    elif isinstance(grad_outputs, Node | np.ndarray | float | int) and len(outs) == 1:
        seeds = [grad_outputs]
    else:
        seeds = list(grad_outputs)
    if len(seeds) != len(outs):
        raise ValueError(f"grad: {len(seeds)} grad_outputs for {len(outs)} outputs")
    for i, x in enumerate(ins):
        if not x.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {x.shape}) does not require grad")
    retain = create_graph if retain_graph is None else retain_graph
    found = backward(outs, seeds, retain_graph=retain, create_graph=create_graph, inputs=ins)
    assert found is not None
    for i, g in enumerate(found):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {ins[i].shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
    return tuple(found)


def value_and_grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Turn ``fn`` (to a single number) into a function returning ``(fn(*args), gradient)``.

    In the style of HIPS autograd and JAX: numbers and arrays go in, numbers and arrays come out,
    and the transforms nest (``grad(grad(f))`` is the second derivative).

    Examples
    --------
    >>> import microgradnet as mg
    >>> f = lambda x: (x ** 3).sum()
    >>> mg.value_and_grad(f)(2.0)
    (8.0, 12.0)
    """
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        args_l = list(args)
        nested = False
        leaves = []
        for i in nums:
            a = args_l[i]
            if isinstance(a, Node) and a.requires_grad:
                nested = True  # an outer transform differentiates through us
                leaf = a
            elif isinstance(a, Node):
                leaf = Tensor._wrap(a.data).requires_grad_()
            else:
                leaf = Tensor(a, requires_grad=True)
            args_l[i] = leaf
            leaves.append(leaf)
        with enable_grad():  # a transform needs the graph of fn, whatever the caller's mode
            out = fn(*args_l, **kwargs)
        if not isinstance(out, Node) or int(np.size(out.data)) != 1:
            raise TypeError(
                f"grad: {getattr(fn, '__name__', 'the function')} must return a single-element "
                f"Tensor or Value, got {type(out).__name__} of shape "
                f"{np.shape(getattr(out, 'data', out))}"
            )
        grads = grad(out, leaves, create_graph=nested, allow_unused=True)
        grads = tuple(
            _plain(g, x, args[i], nested) for g, x, i in zip(grads, leaves, nums)
        )
        value = out if nested else out.data.item() if isinstance(out.data, np.ndarray) else out.data
        return value, grads[0] if isinstance(argnums, int) else grads

    wrapped.__name__ = f"value_and_grad({getattr(fn, '__name__', 'fn')})"
    return wrapped


def grad_of(fn: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Turn ``fn`` (to a single number) into a function returning its gradient.

    Exposed at the top level as ``microgradnet.grad``; nest it for higher derivatives.

    Examples
    --------
    >>> import microgradnet as mg
    >>> d2 = mg.grad(mg.grad(lambda x: x ** 3))
    >>> d2(2.0)
    12.0
    """
    vg = value_and_grad(fn, argnums)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    wrapped.__name__ = f"grad({getattr(fn, '__name__', 'fn')})"
    return wrapped


def _plain(g: Any, leaf: Node, original: Any, nested: bool) -> Any:
    """Give the gradient back in the kind of thing the caller passed in."""
    if g is None:
        g = type(leaf)._wrap(np.zeros_like(leaf.data))
    if nested or isinstance(original, Node):
        return g
    data = g.data
    if isinstance(original, float | int) and np.ndim(data) == 0:
        return float(data)
    return data
