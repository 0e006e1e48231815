"""The reverse-mode engine: graph nodes, grad mode, the one graph traversal and the backward pass.

Everything here is independent of what a node holds: a `Tensor` holds a numpy array, a `Value` a
Python float. A node points at the operation that made it (``_ctx``); the operation points at its
inputs (``parents``). Nothing points back at an output, so a graph is freed by reference counting
alone, with no cycle per node.

The switches (grad mode, anomaly mode) are per thread, and the backward pass changes none of them.
"""

from __future__ import annotations

import functools
import itertools
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


class Switches:
    """One thread's switches, read on every recorded operation (plain slots, quick to read).

    Each thread has its own: ``this_thread.switches``."""

    __slots__ = ("grad_enabled", "anomaly", "tracer")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        #: `microgradnet.compile` records this thread's computations here while it traces.
        self.tracer: Any = None


class _ThisThread(threading.local):
    """Per-thread data: one attribute read finds this thread's `Switches`."""

    def __init__(self) -> None:
        self.switches = Switches()


this_thread = _ThisThread()

#: Creation order of recorded operations: an operation is always numbered after the operations
#: that made its inputs, so the numbers order a graph (drawings use them to replay a pass).
creation_counter = itertools.count()


class GraphOp:
    """What the engine needs of a recorded operation (`microgradnet.ops.Op` implements it).

    ``parents`` are its input nodes, ``_seq`` its creation number; ``vjp(out, grad, graph)``
    returns one gradient per parent (None where there is none) given the gradient of its output
    ``out`` (recording the computation when ``graph`` is true), and ``release()`` frees what it
    saved for backward.
    """

    __slots__ = ()

    name: ClassVar[str] = "op"
    parents: tuple[Node, ...]
    _seq: int

    def vjp(self, out: Node, grad: Any, graph: bool) -> Sequence[Any]:
        """The gradient for each parent, given the gradient ``grad`` of the output ``out``."""
        raise NotImplementedError

    def release(self) -> None:
        """Free what was saved for backward."""

    def extra_repr(self) -> str:
        """The operation's own arguments, for drawings and reprs (``dim=1``)."""
        return ""


class Node:
    """A value in a computation graph: its data, its gradient, and the operation that made it.

    Front ends (`Tensor`, `Value`) subclass it and say how to wrap raw data (``_wrap``) and how a
    gradient accumulates into ``.grad`` (``_accumulate``).
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retains_grad")

    data: Any
    grad: Any
    requires_grad: bool
    _ctx: GraphOp | None
    _retains_grad: bool

    #: True for front ends whose data is a Python float (a class constant, never changed).
    holds_float: ClassVar[bool] = False
    #: How many in-place changes the data has seen (`Tensor` counts them; a float never changes).
    _version: int = 0
    #: The version counter, ``[n]``, shared with views of the same memory; ``(0,)`` for floats.
    _vc: Sequence[int] = (0,)

    @classmethod
    def _wrap(cls, data: Any, ctx: GraphOp | None = None, like: Node | None = None) -> Node:
        """A node of this front end around raw ``data``, made by ``ctx`` (None: a constant)."""
        raise NotImplementedError

    def _accumulate(self, grad: Any) -> None:
        """Add a raw gradient into ``.grad``."""
        raise NotImplementedError

    def _take(self, grad: Any) -> None:
        """`_accumulate` a gradient that nothing else holds, which may be kept without a copy."""
        self._accumulate(grad)

    def _raw_grad(self, grad: Any) -> Any:
        """A raw gradient as this front end stores it in ``.grad`` (dtype and shape of the data)."""
        raise NotImplementedError

    def _view_of(self, args: Sequence[Any], out: Any) -> Node:
        """Note which of ``args`` this new node's data aliases (for version counters); returns
        ``self``. Python floats alias nothing."""
        return self

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the data (``()`` for a number)."""
        raise NotImplementedError

    @property
    def is_leaf(self) -> bool:
        """True for nodes no recorded operation made (inputs, parameters, constants)."""
        return self._ctx is None

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Sequence[Node] | None = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        Parameters
        ----------
        gradient : array-like, optional
            The gradient of some final quantity with respect to ``self``; may be omitted only when
            ``self`` holds a single element (it then defaults to 1).
        retain_graph : bool, optional
            Keep what the operations saved for backward, so that backward can run through the
            same graph again (defaults to ``create_graph``).
        create_graph : bool
            Record the backward pass itself, so that the gradients can be differentiated again.
        inputs : sequence of nodes, optional
            Accumulate only into these (leaves or not) instead of into every leaf.
        """
        retain = create_graph if retain_graph is None else retain_graph
        if inputs is None and not create_graph:  # the everyday pass, without `accumulate`'s options
            propagate([self], [_seed(self, gradient, False)], into_grad, retain, False)
        else:
            accumulate(
                [self], [gradient], retain_graph=retain, create_graph=create_graph, inputs=inputs
            )


def node_maker(
    plain: type, convert: Callable[[Any, Node | None], Any], **fresh: Any
) -> tuple[Any, Any]:
    """A front end's ``_wrap`` and ``_fill``, declared by what differs between front ends: the
    type of ``data`` kept as it is (``plain``; any other goes through ``convert(data, like)``)
    and the values ``fresh`` of its own slots in a new node. The shared part (the data, ``_ctx``,
    and ``requires_grad``, which a node made by an op has) is written once, here.

    ``_wrap(cls, data, ctx=None, like=None)`` makes a node (a classmethod); ``_fill(node, data)``
    sets every slot of a node being constructed as a constant. Both are written out for the
    front end, with no loop over the slots: a node is made for every result of every operation.
    """
    names = list(fresh)
    if not all(n.isidentifier() for n in names):
        raise TypeError(f"node_maker: slot names must be identifiers, not {names!r}")
    stores = "".join(f"\n    node.{n} = fresh_{n}" for n in names)
    source = (
        "def _wrap(cls, data, ctx=None, like=None):\n"
        "    node = new(cls)\n"
        "    node.data = (\n"
        "        data if type(data) is plain else convert(data, like if ctx is None else None)\n"
        "    )\n"
        "    node.requires_grad = ctx is not None\n"
        f"    node._ctx = ctx{stores}\n"
        "    return node\n"
        "def _fill(node, data):\n"
        "    node.data = data\n"
        "    node.requires_grad = False\n"
        f"    node._ctx = None{stores}\n"
    )
    namespace: dict[str, Any] = {"new": object.__new__, "plain": plain, "convert": convert}
    namespace.update({f"fresh_{n}": v for n, v in fresh.items()}, __name__=__name__)
    exec(source, namespace)
    wrap, fill = namespace["_wrap"], namespace["_fill"]
    wrap.__doc__ = Node._wrap.__doc__
    fill.__doc__ = "Set every slot of ``node``, a constant holding ``data``."
    return classmethod(wrap), fill


# ----------------------------------------------------------------------------------- grad mode


class _GradMode:
    """Sets whether operations are recorded in this thread: a context manager and a decorator."""

    __slots__ = ("enabled", "_prev")

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._prev: list[bool] = []

    # Both switch with one plain assignment as their last (or first) step, where no signal
    # handler can run in between: a Ctrl-C never leaves the switch changed.
    def __enter__(self) -> None:
        st = this_thread.switches
        self._prev.append(st.grad_enabled)
        st.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        this_thread.switches.grad_enabled = self._prev[-1]
        del self._prev[-1]

    def __call__(self, fn: F) -> F:
        enabled = self.enabled

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(enabled):
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

    __slots__ = ()

    def __init__(self) -> None:  # made for every `with`: spelled out, not through super()
        self.enabled = False
        self._prev = []


class enable_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Record operations again inside a `no_grad` block."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(True)


class set_grad_enabled(_GradMode):  # noqa: N801 - PyTorch's name
    """Turn recording on or off in this thread: at once when called, or for a ``with`` block, or
    for a decorated function.

    Examples
    --------
    >>> import microgradnet as mg
    >>> _ = mg.set_grad_enabled(False)
    >>> mg.is_grad_enabled()
    False
    >>> _ = mg.set_grad_enabled(True)
    """

    __slots__ = ()

    def __init__(self, mode: bool) -> None:
        super().__init__(bool(mode))
        # Like PyTorch, the call itself switches; leaving a ``with`` block switches back.
        st = this_thread.switches
        self._prev.append(st.grad_enabled)
        st.grad_enabled = self.enabled

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: F) -> F:
        # As a decorator it switches only while the function runs: undo the constructor's switch.
        this_thread.switches.grad_enabled = self._prev[-1]
        del self._prev[-1]
        return super().__call__(fn)


def is_grad_enabled() -> bool:
    """Whether operations are being recorded in this thread."""
    return this_thread.switches.grad_enabled


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Raise `FloatingPointError` at the first operation whose forward or backward makes NaN or inf.

    The error names the operation, so the source of a NaN is found where it appears rather than
    where it ends up. A context manager, per thread, like grad mode.

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

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        st = this_thread.switches
        self._prev.append(st.anomaly)
        st.anomaly = True

    def __exit__(self, *exc: object) -> None:
        this_thread.switches.anomaly = self._prev[-1]
        del self._prev[-1]


def check_finite(where: str, values: Sequence[Any]) -> None:
    """Raise `FloatingPointError` naming ``where`` if any of ``values`` holds NaN or infinity."""
    for v in values:
        if v is None:
            continue
        raw = v.data if isinstance(v, Node) else v
        if not np.all(np.isfinite(raw)):
            raise FloatingPointError(f"detect_anomaly: {where} produced NaN or infinity")


# --------------------------------------------------------------------------- the graph traversal


_EMIT = object()  # on the traversal's stack: "the node below me is done, emit it"


class _Reached(set[Node]):
    """A set of nodes that also lists them in the order they were added."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[Node] = []

    def add(self, node: Node) -> None:
        super().add(node)
        self.order.append(node)


def topological_order(
    roots: Sequence[Node], every: bool = False, preorder: bool = False
) -> list[Node]:
    """The nodes ``roots`` depend on, each after all of its inputs (roots included).

    Only nodes that require grad are followed unless ``every`` is true (drawings want constants
    too). Iterative, so graphs of millions of nodes need no recursion: a node made by an op is
    pushed back under a marker while its inputs are expanded above it, and emitted when the
    marker comes off the stack. Deterministic: inputs are visited in the order the op reads them.
    Nodes hash by identity, so they are their own keys. With ``preorder``, the same nodes come
    in the order the walk first reaches them instead: each root before its inputs, depth first
    (the order `microgradnet.viz.draw_dot` lists them in).
    """
    order: list[Node] = []
    reached = _Reached() if preorder else None
    seen: set[Node] = set() if reached is None else reached
    stack: list[Any] = list(reversed(roots))
    push, pop, emit = stack.append, stack.pop, order.append
    while stack:
        node = pop()
        if node is _EMIT:
            emit(pop())
            continue
        if node in seen:
            continue
        seen.add(node)
        ctx = node._ctx
        if ctx is None:
            emit(node)
            continue
        push(node)
        push(_EMIT)
        for parent in reversed(ctx.parents):
            if (every or parent.requires_grad) and parent not in seen:
                push(parent)
    return order if reached is None else reached.order


# ------------------------------------------------------------------------------ the backward pass


Nodes = Sequence[Node]
Grads = Sequence[Any]
#: Called with each node and its total gradient, once per node, in the order of the pass.
Reached = Callable[[Node, Any], None]


#: The same pass as `propagate`'s loop for roots that hold floats, with fewer Python steps per
#: node; called as ``float_pass(roots, seeds, reached, retain, wanted)`` for plain passes (not
#: recorded, anomaly mode off). `microgradnet.value` installs `microgradnet.value_fast.float_pass`.
float_pass: Callable[[Nodes, Grads, Reached, bool, set[Node] | None], None] | None = None


def propagate(
    roots: Nodes,
    seeds: Grads,
    reached: Reached,
    retain: bool,
    graph: bool,
    wanted: set[Node] | None = None,
) -> None:
    """Send ``seeds`` back from ``roots`` through the graph; ``reached(node, grad)`` sees the
    total gradient of each node of ``wanted`` (by default: of each leaf and each node that
    retains its gradient) once all of the node's consumers have sent theirs.

    Each rule runs once per pass, on the sum of the gradients of its output, recorded when
    ``graph``. Unless ``retain``, each operation frees what it saved as soon as its rule has run.
    """
    st = this_thread.switches
    if st.tracer is not None:  # `microgradnet.compile` records the pass instead
        if wanted is not None:
            reached = _only(wanted, reached)
        st.tracer.propagate(roots, seeds, reached, retain, graph)
        return
    if (
        roots
        and roots[0].holds_float
        and not graph
        and float_pass is not None
        and not st.anomaly
        and all(root.holds_float for root in roots)
    ):  # Values: the same pass in fewer Python steps per node
        float_pass(roots, seeds, reached, retain, wanted)
        return
    pending: dict[Node, Any] = {}
    for root, seed in zip(roots, seeds):
        prev = pending.get(root)
        pending[root] = seed if prev is None else prev + seed
    for node in reversed(topological_order(roots)):
        grad = pending.pop(node, None)
        if grad is None:
            continue
        ctx = node._ctx
        if (ctx is None or node._retains_grad) if wanted is None else node in wanted:
            reached(node, grad)
        if ctx is None:
            continue
        for parent, g in zip(ctx.parents, ctx.vjp(node, grad, graph)):
            if g is None or not parent.requires_grad:
                continue
            prev = pending.get(parent)
            pending[parent] = g if prev is None else prev + g
        g = prev = None  # no stale names on gradients: `into_grad` counts who holds one
        if not retain:
            ctx.release()


def _only(wanted: set[Node], reached: Reached) -> Reached:
    """``reached`` called for the nodes of ``wanted`` only."""

    def filtered(node: Node, grad: Any) -> None:
        if node in wanted:
            reached(node, grad)

    return filtered


def _seed(root: Node, grad: Any, graph: bool) -> Any:
    """The starting gradient of a backward pass from ``root`` (a node when ``graph``)."""
    if not root.requires_grad:
        raise RuntimeError(
            f"backward: the output (shape {root.shape}) does not require grad and has no "
            "graph; make an input with requires_grad=True before computing it"
        )
    if isinstance(grad, Node):
        if graph:
            return grad
        grad = grad.data
    if grad is None:
        if not root.holds_float and root.data.size != 1:
            raise RuntimeError(
                f"backward: grad must be given for an output of shape {root.shape}; only an "
                "output with a single element gets the implicit gradient 1"
            )
        if root.holds_float:
            grad = 1.0
        else:  # np.array and reshape: a quarter of np.ones_like's time on one element
            grad = np.array(1, dtype=root.data.dtype)
            grad = grad.reshape(root.shape) if root.data.ndim else grad
    elif root.holds_float:
        grad = float(grad)
    else:
        grad = np.asarray(grad)
        if grad.shape != root.data.shape:
            raise ValueError(
                f"backward: a gradient of shape {grad.shape} does not match the output's shape "
                f"{root.shape}"
            )
        if grad.dtype != root.data.dtype:
            grad = grad.astype(root.data.dtype)
    return type(root)._wrap(grad) if graph else grad


def _references_in_callee() -> int:
    """What ``sys.getrefcount`` says, inside a function, of an array that only its caller's
    local variable holds (3 in CPython: the caller's name, the parameter, the call's argument)."""

    def callee(x: Any) -> int:
        return sys.getrefcount(x)

    grad = np.empty(0)
    return callee(grad)


# Known for CPython up to 3.13; elsewhere (or where a later interpreter counts references held by
# frames differently) every gradient is copied, never handed over.
_SOLE = (
    _references_in_callee()
    if sys.implementation.name == "cpython" and sys.version_info < (3, 14)
    else 0
)


_refcount = sys.getrefcount


def into_grad(node: Node, grad: Any) -> None:
    """Where a plain backward pass leaves gradients: ``.grad`` of leaves and of the nodes that
    retain theirs.

    A gradient array that nothing but the pass holds (not a user's seed, not shared by two
    paths, not a view) is handed over to ``.grad`` as it is; any other is copied first.
    """
    if node._ctx is None or node._retains_grad:
        if type(grad) is np.ndarray and grad.base is None and _refcount(grad) <= _SOLE:
            node._take(grad)
        else:
            node._accumulate(grad)


def accumulate(
    roots: Sequence[Node],
    seeds: Sequence[Any],
    *,
    retain_graph: bool = False,
    create_graph: bool = False,
    inputs: Sequence[Node] | None = None,
) -> None:
    """Backward from ``roots``, adding the gradients into ``.grad`` of the leaves (and of nodes
    that retain their gradient), or only of ``inputs`` when given."""
    wanted = None if inputs is None else set(inputs)
    reached: Reached = into_grad
    if wanted is not None or create_graph:

        def reached(node: Node, grad: Any) -> None:
            node._accumulate(grad.data if create_graph else grad)

    seeds = list(map(_seed, roots, seeds, [create_graph] * len(roots)))
    propagate(roots, seeds, reached, retain_graph, create_graph, wanted)


def gradients(
    roots: Sequence[Node],
    seeds: Sequence[Any],
    inputs: Sequence[Node],
    *,
    retain_graph: bool = False,
    create_graph: bool = False,
) -> list[Any]:
    """Backward from ``roots``, returning the gradient reaching each of ``inputs`` (None where
    none reaches it) instead of accumulating: nodes, recorded when ``create_graph``."""
    slots = {n: i for i, n in enumerate(inputs)}
    found: list[Any] = [None] * len(inputs)

    def reached(node: Node, grad: Any) -> None:
        found[slots[node]] = grad if create_graph else type(node)._wrap(node._raw_grad(grad))

    seeds = list(map(_seed, roots, seeds, [create_graph] * len(roots)))
    propagate(roots, seeds, reached, retain_graph, create_graph, set(slots))
    return found
