"""`Tape`: a recorded call as a flat list of steps over numbered slots, and its replay.

A slot holds one value of the call: an input's node or data, a constant, the data of an
operation's output, a gradient. Each step is a small closure that reads slots and writes one or
more: an op's ``forward``, an op's derivative rule, the sum of two gradients, a gradient added
into ``.grad``, an optimizer's update. Replaying runs the steps in the recorded order, so the same
numpy functions see the same kinds of operands in the same order as in the eager call: the
results are the same bits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..engine import Node

Step = Callable[[list[Any]], None]


class Tape:
    """The steps of one traced signature and what a replay needs around them.

    Attributes
    ----------
    template : list
        The initial slots: constants where the call used them, None elsewhere.
    steps : list of callables
        ``step(slots)``, in the order of the eager call.
    inputs : list of (int, int, int)
        For each node among the flattened arguments: its position, the slot of the node and the
        slot of its data.
    output : callable
        ``output(slots)`` builds the returned value.
    """

    def __init__(self) -> None:
        self.template: list[Any] = []
        self.steps: list[Step] = []
        self.inputs: list[tuple[int, int, int]] = []
        self.output: Callable[[list[Any]], Any] = lambda slots: None

    def slot(self, value: Any = None) -> int:
        """A new slot, starting as ``value`` at every replay (None: written by a step)."""
        self.template.append(value)
        return len(self.template) - 1

    def replay(self, flat: list[Any]) -> Any:
        """Run the steps on the flattened arguments ``flat``; return what the call returns."""
        slots = self.template.copy()
        for position, node_slot, data_slot in self.inputs:
            node: Node = flat[position]
            slots[node_slot] = node
            slots[data_slot] = node.data
        for step in self.steps:
            step(slots)
        return self.output(slots)

    def __repr__(self) -> str:
        return f"Tape({len(self.steps)} steps, {len(self.template)} slots)"


def forward_step(fn: Callable[..., Any], ins: list[int], out: int) -> Step:
    """``slots[out] = fn(*slots[ins])``, with the common arities spelled out (a replay is mostly
    these calls, so each saves building an argument list)."""
    if len(ins) == 1:
        (a,) = ins

        def step1(slots: list[Any]) -> None:
            slots[out] = fn(slots[a])

        return step1
    if len(ins) == 2:
        a, b = ins

        def step2(slots: list[Any]) -> None:
            slots[out] = fn(slots[a], slots[b])

        return step2

    def step(slots: list[Any]) -> None:
        slots[out] = fn(*[slots[i] for i in ins])

    return step


def float_forward_step(fn: Callable[[list[Any]], Any], ins: list[int], out: int) -> Step:
    """``slots[out] = fn([slots[i] for i in ins])``: an op on `Value` data (``_float_forward``)."""

    def step(slots: list[Any]) -> None:
        slots[out] = fn([slots[i] for i in ins])

    return step


def sum_step(a: int, b: int, out: int) -> Step:
    """``slots[out] = slots[a] + slots[b]``: two gradients of one node, as the engine adds them."""

    def step(slots: list[Any]) -> None:
        slots[out] = slots[a] + slots[b]

    return step


def load_step(node: Node, out: int) -> Step:
    """``slots[out] = node.data`` for a node from outside the call (a parameter, a captured
    tensor): read at its place in the call, since an update may have changed it."""

    def step(slots: list[Any]) -> None:
        slots[out] = node.data

    return step
