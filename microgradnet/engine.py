"""The reverse-mode engine: graph nodes, grad mode, topological order and the backward pass.

Everything here is independent of what a node holds: a `Tensor` holds a numpy array, a `Value` a
Python float. A node points at the operation that made it (``_ctx``); the operation points at its
inputs (``parents``). Nothing points back at an output, so a graph is freed by reference counting
alone, with no cycle per node.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    from .ops.base import Op

F = TypeVar("F", bound=Callable[..., Any])


class _Mode:
    """Process-wide switches read on every operation (kept as plain attributes for speed)."""

    __slots__ = ("grad_enabled", "anomaly", "scopes")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        # The modules whose forward is running, innermost last; each recorded op notes the
        # innermost one, so a drawing can group nodes by module.
        self.scopes: list[Any] = []


mode = _Mode()


class Node:
    """A value in a computation graph: its data, its gradient, and the operation that made it.

    Front ends (`Tensor`, `Value`) subclass it and say how to wrap raw data (``_wrap``) and how a
    gradient accumulates into ``.grad`` (``_accumulate``).
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_version", "_retains_grad")

    data: Any
    grad: Any
    requires_grad: bool
    _ctx: Op | None
    _version: int
    _retains_grad: bool

    #: True for front ends whose data is a Python float.
    _scalar: bool = False

    @classmethod
    def _wrap(cls, data: Any, ctx: Op | None = None, like: Node | None = None) -> Node:
        """Make a node of this front end around raw ``data``, made by ``ctx`` (None: a constant)."""
        raise NotImplementedError

    def _accumulate(self, grad: Any) -> None:
        """Add a raw gradient into ``.grad``."""
        raise NotImplementedError

    def _raw_grad(self, grad: Any) -> Any:
        """A raw gradient as this front end stores it in ``.grad`` (dtype and shape of the data)."""
        raise NotImplementedError

    @property
    def shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    @property
    def is_leaf(self) -> bool:
        """True for nodes no recorded operation made (inputs, parameters, constants)."""
        return self._ctx is None

    def backward(
        self, grad: Any = None, retain_graph: bool = False, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        Parameters
        ----------
        grad : array-like, optional
            The gradient of some final quantity with respect to ``self``; may be omitted only when
            ``self`` holds a single element (it then defaults to 1).
        retain_graph : bool
            Keep what the operations saved for backward, so that backward can run through the
            same graph again.
        create_graph : bool
            Record the backward pass itself, so that the gradients can be differentiated again.
        """
        retain = retain_graph or create_graph
        backward([self], [grad], retain_graph=retain, create_graph=create_graph)


# ----------------------------------------------------------------------------------- grad mode


class _GradMode:
    """A context manager and decorator that sets whether operations are recorded."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(mode.grad_enabled)
        mode.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        mode.grad_enabled = self._prev.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(self.enabled):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Do not record operations: results carry no graph and need no memory for backward.

    Examples
    --------
    >>> import microgradnet as mg
    >>> w = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> with mg.no_grad():
    ...     print((w * 2).requires_grad)
    False
    """

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Record operations again inside a `no_grad` block."""

    def __init__(self) -> None:
        super().__init__(True)


class set_grad_enabled(_GradMode):  # noqa: N801 - PyTorch's name
    """Turn recording on or off, as a context manager or a decorator."""


def is_grad_enabled() -> bool:
    """Whether operations are being recorded."""
    return mode.grad_enabled


# ------------------------------------------------------------------------------ the backward pass


def topological_order(roots: Sequence[Node]) -> list[Node]:
    """The nodes that require grad and that ``roots`` depend on, each after all of its inputs.

    Iterative: graphs of millions of nodes need no recursion. Recorded ops are numbered in
    creation order, and an op is always created after the ops that made its inputs, so sorting
    by that number is a topological order.
    """
    seen = {id(r): r for r in roots if r.requires_grad}
    stack = list(seen.values())
    while stack:
        ctx = stack.pop()._ctx
        if ctx is not None:
            for parent in ctx.parents:
                if parent.requires_grad and id(parent) not in seen:
                    seen[id(parent)] = parent
                    stack.append(parent)
    return sorted(seen.values(), key=lambda n: -1 if n._ctx is None else n._ctx._seq)


def _seed(root: Node, grad: Any) -> Any:
    """The raw starting gradient of a backward pass from ``root``."""
    if grad is None:
        if root._scalar:
            return 1.0
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: grad must be given for an output of shape {root.shape}; "
                "only an output with a single element gets the implicit gradient 1"
            )
        return np.ones_like(root.data)
    if isinstance(grad, Node):
        grad = grad.data
    if root._scalar:
        return float(grad)
    grad = np.asarray(grad)
    if grad.shape != root.shape:
        raise ValueError(
            f"backward: grad of shape {grad.shape} does not match the output's shape {root.shape}"
        )
    return grad.astype(root.data.dtype, copy=False)


def _check_finite(where: str, values: Any) -> None:
    for v in values:
        if v is None:
            continue
        raw = v.data if isinstance(v, Node) else v
        if not np.all(np.isfinite(raw)):
            raise FloatingPointError(f"detect_anomaly: {where} produced NaN or infinity")


def backward(
    roots: Sequence[Node],
    grads: Sequence[Any],
    *,
    retain_graph: bool = False,
    create_graph: bool = False,
    inputs: Sequence[Node] | None = None,
) -> list[Any] | None:
    """Run one backward pass from ``roots`` seeded with ``grads``.

    Without ``inputs`` the gradients accumulate into ``.grad`` of leaves (and of nodes that retain
    their gradient). With ``inputs`` nothing accumulates: the gradient reaching each input is
    returned instead (None where none reaches it), as nodes when ``create_graph`` is true.
    Each operation's rule runs once per pass, with the sum of the gradients of its output.
    """
    for root in roots:
        if not root.requires_grad:
            raise RuntimeError(
                f"backward: the output (shape {root.shape}) does not require grad and has no "
                "graph; make an input with requires_grad=True before computing it"
            )
    wanted = None if inputs is None else {id(n): i for i, n in enumerate(inputs)}
    found: list[Any] = [None] * (len(inputs) if inputs is not None else 0)
    # Nodes made by an op wait in a heap keyed by the op's creation number, latest first: a node
    # is popped only after every consumer (all made later) has sent its gradient. Leaves wait in a
    # list until the end. `pending` holds the gradient summed so far for each waiting node.
    heap: list[tuple[int, Node]] = []
    leaves: list[Node] = []
    pending: dict[int, Any] = {}
    # Gradients on their way to a node: first the seeds, then each rule's results.
    arriving: Any = []
    for root, g in zip(roots, grads):
        seed = _seed(root, g)
        arriving.append((root, type(root)._wrap(seed) if create_graph else seed))
    anomaly = mode.anomaly
    prev_mode = mode.grad_enabled
    mode.grad_enabled = create_graph
    # The pass allocates many short-lived containers and makes no reference cycles, so the
    # cycle collector, which allocation counts would wake again and again, is paused meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        while True:
            for target, tg in arriving:
                if tg is None or not target.requires_grad:
                    continue
                key = id(target)
                prev = pending.get(key)
                if prev is not None:
                    pending[key] = prev + tg
                    continue
                pending[key] = tg
                target_ctx = target._ctx
                if target_ctx is None:
                    leaves.append(target)
                else:
                    heappush(heap, (-target_ctx._seq, target))
            if not heap:
                break
            node = heappop(heap)[1]
            g = pending.pop(id(node))
            ctx = node._ctx
            assert ctx is not None
            if wanted is not None:
                slot = wanted.get(id(node))
                if slot is not None:
                    found[slot] = g
            elif node._retains_grad:
                node._accumulate(g.data if create_graph else g)
            if anomaly:
                with np.errstate(all="ignore"):
                    in_grads = ctx._run_backward(node, g, create_graph)
                _check_finite(f"the backward of {ctx.name}", in_grads)
            else:
                in_grads = ctx._run_backward(node, g, create_graph)
            arriving = zip(ctx.parents, in_grads)
            if not retain_graph:
                ctx._release()
    finally:
        mode.grad_enabled = prev_mode
        if collecting:
            gc.enable()
    for leaf in leaves:
        g = pending.pop(id(leaf))
        if wanted is None:
            leaf._accumulate(g.data if create_graph else g)
        else:
            slot = wanted.get(id(leaf))
            if slot is not None:
                found[slot] = g
    if inputs is None:
        return None
    return [
        None if g is None else (g if create_graph else type(n)._wrap(n._raw_grad(g)))
        for n, g in zip(inputs, found)
    ]


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise `FloatingPointError` at the first operation whose forward or backward makes NaN or inf.

    The error names the operation, so the source of a NaN is found where it appears rather than
    where it ends up.

    Examples
    --------
    >>> import microgradnet as mg
    >>> x = mg.tensor([-1.0], requires_grad=True)
    >>> with mg.autograd.detect_anomaly():
    ...     x.log()
    Traceback (most recent call last):
    ...
    FloatingPointError: detect_anomaly: the forward of log produced NaN or infinity
    """
    prev = mode.anomaly
    mode.anomaly = True
    try:
        yield
    finally:
        mode.anomaly = prev
