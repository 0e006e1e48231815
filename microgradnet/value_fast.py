"""`Value`'s fast paths: the hot operators recorded in few Python steps, and a backward pass over
floats that calls each op's one rule directly.

A `Value` graph is made of thousands of tiny nodes, so the Python steps spent per node decide its
speed. Both paths here give exactly what the general machinery gives (`Op.__call__` and
`engine.propagate`: the same nodes and ops, the same numbers, sums taken in the same order) and
hand over to it for everything they do not cover:

* recording (`binary`, `unary`, `power`) makes the output node and its op with
  ``object.__new__`` and plain slot stores, the float arithmetic inline. It steps aside while the
  compile tracer records, for subclasses of `Value`, and when the float computation raises or
  leaves the reals (``1 / 0.0``, ``(-8.0) ** 0.5``): `Op.__call__` then gives the IEEE result.
* the backward pass (`float_pass`) walks `engine.topological_order` as `engine.propagate` does,
  but calls each op's ``backward`` rule itself, on raw floats, instead of going through
  ``Op.vjp``; an op that is not an `Op` or has its own ``vjp``, and a rule that raises at a
  singular point, go through ``vjp`` as usual. `engine.propagate` hands it the plain passes
  (not recorded, anomaly mode off) whose roots are all `Value`s.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from .engine import (
    Grads,
    Node,
    Nodes,
    Reached,
    creation_counter,
    into_grad,
    this_thread,
    topological_order,
)
from .ops import base as _base
from .ops.base import Op

_new = object.__new__

#: One of `Value`'s recorded operations, as a method.
Method = Callable[..., Any]
#: Turns the other operand of an operator into a `Value` (numbers become constants).
Operand = Callable[[Any, str], Node]
#: The inputs of a recorded op.
Parents = tuple[Node, ...]


def _recorder(value: type[Node]) -> Callable[[type[Op], Any, Parents, bool], Any]:
    """``record(op, data, parents, requires)``: a new node of the class ``value`` holding
    ``data``, made by a new ``op`` over ``parents`` when ``requires`` and grad mode is on; None
    when ``data`` is not a float (the computation left the reals), for `Op.__call__` to take over.

    The node and the op get the slots `Op.__call__` and `Op._record` store for float inputs
    (tests/test_value_fast.py compares every slot), with ``object.__new__`` and plain stores.
    """
    counter, raw, threads = creation_counter, _base._RAW, this_thread

    def record(op: type[Op], data: Any, parents: Parents, requires: bool) -> Any:
        if type(data) is not float:
            return None
        out: Any = _new(value)
        out.data = data
        out.grad = 0.0
        out._retains_grad = True
        out.label = ""
        if requires and threads.switches.grad_enabled:
            ctx = _new(op)
            ctx.parents = parents
            ctx._versions = None
            ctx._released = False
            ctx._seq = next(counter)
            ctx._mode = raw
            ctx._scope = _base.scope.module
            out.requires_grad = True
            out._ctx = ctx
        else:
            out.requires_grad = False
            out._ctx = None
        return out

    return record


def binary(
    value: type[Node],
    op: type[Op],
    compute: Callable[[float, float], Any],
    operand: Operand,
    reflected: bool = False,
) -> Method:
    """``self <op> other`` (``other <op> self`` when ``reflected``) as a method of the class
    ``value``: ``compute`` on the two floats, recorded as ``op``."""
    name = op.name
    constant = value._wrap
    record = _recorder(value)

    def method(self: Any, other: Any) -> Any:
        if type(other) is not value:
            # A float becomes a constant as `operand` makes it, in one step fewer.
            other = constant(other) if type(other) is float else operand(other, name)
        if reflected:
            a = other
            b = self
        else:
            a = self
            b = other
        if this_thread.switches.tracer is None and type(a) is value and type(b) is value:
            try:
                out = record(
                    op, compute(a.data, b.data), (a, b), a.requires_grad or b.requires_grad
                )
            except (ArithmeticError, ValueError):
                out = None
            if out is not None:
                return out
        return op()(a, b)

    return method


def unary(value: type[Node], op: type[Op], compute: Callable[[float], Any]) -> Method:
    """``op`` of one `Value`, as a method of the class ``value``: ``compute`` on its float."""
    record = _recorder(value)

    def method(self: Any) -> Any:
        if this_thread.switches.tracer is None and type(self) is value:
            try:
                out = record(op, compute(self.data), (self,), self.requires_grad)
            except (ArithmeticError, ValueError):
                out = None
            if out is not None:
                return out
        return op()(self)

    return method


def power(value: type[Node], by_number: type[Op], by_node: type[Op], operand: Operand) -> Method:
    """``self ** other`` as a method of the class ``value``: ``by_number`` (its parameter ``p``
    the exponent) for an int or float exponent, ``by_node`` of two Values otherwise."""
    of_nodes = binary(value, by_node, operator.pow, operand)
    record = _recorder(value)

    def method(self: Any, other: Any) -> Any:
        kind = type(other)
        if kind is not int and kind is not float:
            if isinstance(other, int | float):  # bool and other number subclasses
                return by_number(other)(self)
            return of_nodes(self, other)
        if this_thread.switches.tracer is None and type(self) is value:
            try:
                out = record(by_number, self.data**other, (self,), self.requires_grad)
            except (ArithmeticError, ValueError):
                out = None
            if out is not None:
                if out._ctx is not None:
                    out._ctx.p = other  # the exponent: the op's parameter
                return out
        return by_number(other)(self)

    return method


# -------------------------------------------------------------------------------- backward pass

#: How `float_pass` runs an op, by its class: 0 for an `Op` it runs itself (`Op.vjp` and
#: `Op.release` not overridden), 1 for one whose own ``release`` it calls, 2 for anything else
#: (a `GraphOp` that is not an `Op`, or an `Op` with its own ``vjp``), which goes through ``vjp``.
_kinds: dict[type, int] = {}


def _kind(cls: type) -> int:
    """`_kinds` of ``cls``, worked out and remembered."""
    if not issubclass(cls, Op) or cls.vjp is not Op.vjp:
        kind = 2
    else:
        kind = 0 if cls.release is Op.release else 1
    _kinds[cls] = kind
    return kind


def float_pass(
    roots: Nodes, seeds: Grads, reached: Reached, retain: bool, wanted: set[Node] | None
) -> None:
    """`engine.propagate`'s loop for a plain pass (not recorded, anomaly mode off) from roots that
    hold floats: the same gradients, summed in the same order, in fewer Python steps per node.

    Each op's ``backward`` rule runs on raw floats as ``Op.vjp`` runs it in a plain pass; where
    the rule raises (a singular point) it runs again through ``vjp``, which gives the IEEE
    result. ``reached`` sees the nodes `engine.propagate` shows it (those of ``wanted``, or by
    default every leaf and every node that retains its gradient: every `Value`); the usual
    `engine.into_grad` is done inline, adding the gradient into ``.grad`` as a float.
    """
    pending: dict[Node, Any] = {}
    for root, seed in zip(roots, seeds):
        prev = pending.get(root)
        pending[root] = seed if prev is None else prev + seed
    pop, get = pending.pop, pending.get
    kinds = _kinds
    inline = reached is into_grad and wanted is None
    for node in reversed(topological_order(roots)):
        grad = pop(node, None)
        if grad is None:
            continue
        ctx: Any = node._ctx
        if inline:
            if ctx is None or node._retains_grad:
                node.grad += grad if type(grad) is float else float(grad)
        elif (ctx is None or node._retains_grad) if wanted is None else node in wanted:
            reached(node, grad)
        if ctx is None:
            continue
        kind = kinds.get(type(ctx))
        if kind is None:
            kind = _kind(type(ctx))
        if kind == 2 or ctx._released:
            grads = ctx.vjp(node, grad, False)  # vjp also names the error of a freed graph
        else:
            ctx._out = node  # what `Op.output` reads, for the call only: no cycle outlives it
            try:
                grads = ctx.backward(grad)
            except (ArithmeticError, ValueError):
                ctx._out = None
                grads = ctx.vjp(node, grad, False)  # a singular point: vjp's IEEE fallback
            finally:
                ctx._out = None
        parents = ctx.parents
        if len(parents) == 2:  # most ops: spelled out, it saves a loop per node
            a, b = parents
            ga, gb = grads
            if ga is not None and a.requires_grad:
                prev = get(a)
                pending[a] = ga if prev is None else prev + ga
            if gb is not None and b.requires_grad:
                prev = get(b)
                pending[b] = gb if prev is None else prev + gb
        else:
            for parent, g in zip(parents, grads):
                if g is not None and parent.requires_grad:
                    prev = get(parent)
                    pending[parent] = g if prev is None else prev + g
        if not retain:
            if kind == 0:
                ctx._released = True
            else:
                ctx.release()
