"""The backward pass replayed one operation at a time, keeping every gradient along the way.

The engine's backward pass keeps only what ends in ``.grad``. To show a learner each gradient as
it arrives, `replay_backward` runs the same derivative rules in the same order (decreasing
creation order of the operations, so a value is passed on only once all its consumers have sent
their part) and records, for each operation, what it sends along each input edge and the running
sum at that input afterwards. Nothing is written to any ``.grad``.

The rules read what their operation saved during the forward pass, so the graph must not have
been freed: replay before calling ``backward()``, or after ``backward(retain_graph=True)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import no_grad
from .walk import Walk


@dataclass
class Arrival:
    """A gradient sent along one edge: from the op that made value ``op`` to its input ``input``.

    Attributes
    ----------
    op : int
        Position (in the walk) of the value the operation made.
    input : int
        Which input of the operation the edge leads to (0, 1, ...).
    target : int
        Position of that input value.
    grad : Any
        The gradient sent along the edge.
    total : Any
        The sum of all gradients that have reached ``target`` so far, this one included.
    """

    op: int
    input: int
    target: int
    grad: Any
    total: Any


@dataclass
class Replay:
    """The steps of a backward pass.

    Attributes
    ----------
    seed : Any
        The gradient of the output with respect to itself (1).
    order : list of int
        The positions of the values whose operations ran, in the engine's order.
    arrivals : list of list of Arrival
        For each entry of ``order``, what its operation sent to its inputs.
    grads : list
        Each value's complete gradient from this pass (None where none arrived).
    """

    seed: Any
    order: list[int] = field(default_factory=list)
    arrivals: list[list[Arrival]] = field(default_factory=list)
    grads: list[Any] = field(default_factory=list)


def _copy(g: Any) -> Any:
    return g.copy() if isinstance(g, np.ndarray) else g


def replay_backward(w: Walk) -> Replay:
    """Run the backward pass from the last value of ``w`` (its output), recording every step.

    Examples
    --------
    >>> from microgradnet import Value
    >>> from microgradnet.viz.walk import walk
    >>> x = Value(3.0, label="x")
    >>> r = replay_backward(walk(x * x + x))
    >>> [(a.grad, a.total) for step in r.arrivals for a in step if a.target == 0]
    [(1.0, 1.0), (3.0, 4.0), (3.0, 7.0)]
    """
    root = len(w.values) - 1
    out = w.values[root]
    if not out.requires_grad:
        raise RuntimeError(
            "explore: the output does not require grad and has no graph; make an input with "
            "requires_grad=True before computing it"
        )
    if out.holds_float:
        seed: Any = 1.0
    elif out.data.size == 1:
        seed = np.ones_like(out.data)
    else:
        raise ValueError(
            f"explore: the output has shape {out.shape}; backward starts from a single number, "
            "so reduce it first (e.g. .sum())"
        )
    result = Replay(seed=seed)
    pending: dict[int, Any] = {root: seed}
    ops = [i for i, v in enumerate(w.values) if v._ctx is not None]
    ops.reverse()  # the engine's order: reverse topological, every consumer before its inputs
    with no_grad():
        for i in ops:
            if i not in pending:
                continue
            node = w.values[i]
            ctx = node._ctx
            assert ctx is not None
            try:
                in_grads = ctx.vjp(node, pending[i], False)
            except RuntimeError as err:
                raise RuntimeError(
                    f"explore: {err}. The explorer replays the backward pass, so call it before "
                    "backward() or after backward(retain_graph=True)"
                ) from err
            step = []
            for j, (parent, g) in enumerate(zip(ctx.parents, in_grads)):
                if g is None or not parent.requires_grad:
                    continue
                k = w.index[id(parent)]
                pending[k] = g if k not in pending else pending[k] + g
                step.append(Arrival(i, j, k, _copy(g), _copy(pending[k])))
            result.order.append(i)
            result.arrivals.append(step)
    result.grads = [pending.get(i) for i in range(len(w.values))]
    return result
