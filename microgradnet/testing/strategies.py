"""Hypothesis strategies for gradient tests: shapes, arrays, tensors, values and random graphs.

Every float strategy here is bounded, finite and free of subnormals, so finite differences are
meaningful; ``domain`` keeps inputs where a function is defined (``(0.1, 3)`` for ``log``) and
``away_from`` keeps them a margin away from kinks (``(0.0,)`` for ``relu`` and ``abs``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..engine import Node
from ..tensor import Tensor
from ..value import Value

Shape = tuple[int, ...]

#: How far drawn numbers stay from the points in ``away_from``.
MARGIN = 1e-2


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> Any:
    """Array shapes, scalars (``()``) included by default."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(n: int, *, min_dims: int = 0, max_dims: int = 3, max_side: int = 4) -> Any:
    """Tuples of ``n`` shapes that broadcast together, often of different ranks and with 1s."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda bs: tuple(bs.input_shapes))


def _push_away(x: float, points: Sequence[float], margin: float) -> float:
    for p in points:
        if abs(x - p) < margin:
            return p + margin if x >= p else p - margin
    return x


def floats(
    domain: tuple[float, float] = (-3.0, 3.0),
    away_from: Sequence[float] = (),
    margin: float = MARGIN,
) -> Any:
    """Finite float64 numbers in ``domain``, at least ``margin`` away from ``away_from``."""
    lo, hi = domain
    base = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if not away_from:
        return base
    return base.map(lambda x: _push_away(x, tuple(away_from), margin)).filter(
        lambda x: lo <= x <= hi
    )


def arrays(
    shape: Shape | Any | None = None,
    *,
    dtype: Any = np.float64,
    domain: tuple[float, float] = (-3.0, 3.0),
    away_from: Sequence[float] = (),
    margin: float = MARGIN,
    unique: bool = False,
) -> Any:
    """numpy arrays of bounded finite floats; with no ``shape`` a shape is drawn too.

    ``shape`` may be a tuple or a strategy of tuples. ``unique`` makes all elements distinct
    (for ``max``/``min``, whose gradient is defined only without ties).
    """
    elements = floats(domain, away_from, margin)
    return hnp.arrays(
        np.dtype(dtype), shapes() if shape is None else shape, elements=elements, unique=unique
    )


def tensors(shape: Shape | Any | None = None, *, requires_grad: bool = True, **kwargs: Any) -> Any:
    """`Tensor`s over `arrays` (same arguments), requiring grad by default."""
    return arrays(shape, **kwargs).map(lambda a: Tensor(a, requires_grad=requires_grad))


def values(
    domain: tuple[float, float] = (-3.0, 3.0),
    away_from: Sequence[float] = (),
    margin: float = MARGIN,
) -> Any:
    """`Value` scalars over bounded finite floats."""
    return floats(domain, away_from, margin).map(Value)


# ----------------------------------------------------------------------------------- graphs

#: Smooth operations for random graphs: (name, arity, how to apply to nodes).
GRAPH_OPS: tuple[tuple[str, int, Callable[..., Any]], ...] = (
    ("add", 2, lambda a, b: a + b),
    ("sub", 2, lambda a, b: a - b),
    ("mul", 2, lambda a, b: a * b),
    ("div", 2, lambda a, b: a / (b * b + 1.0)),
    ("tanh", 1, lambda a: a.tanh()),
    ("sigmoid", 1, lambda a: a.sigmoid()),
    ("exp", 1, lambda a: (a.tanh()).exp()),
    ("square", 1, lambda a: a**2),
    ("log", 1, lambda a: (a * a + 1.0).log()),
    ("scale", 1, lambda a: 0.5 * a - 1.5),
)


@dataclass(frozen=True)
class Graph:
    """A random expression: ``program`` steps over ``arrays``, ending in one output.

    Each step ``(name, operands)`` applies ``GRAPH_OPS[name]`` to earlier results (inputs first).
    Call `build` with nodes (Tensors, or Values for scalar graphs) made from ``arrays``.
    """

    arrays: tuple[np.ndarray, ...]
    program: tuple[tuple[str, tuple[int, ...]], ...]

    def build(self, *inputs: Node) -> Node:
        """Run the program on ``inputs``; the result is the sum of the last step's output."""
        table = {name: fn for name, _, fn in GRAPH_OPS}
        results: list[Any] = list(inputs)
        for name, operands in self.program:
            results.append(table[name](*(results[k] for k in operands)))
        out = results[-1]
        return out.sum() if isinstance(out, Tensor) else out  # type: ignore[no-any-return]

    def tensors(self) -> list[Tensor]:
        """Fresh leaf tensors of the inputs, requiring grad."""
        return [Tensor(a.copy(), requires_grad=True) for a in self.arrays]

    def values(self) -> list[Value]:
        """Fresh `Value` leaves of the inputs (scalar graphs only)."""
        return [Value(float(a)) for a in self.arrays]

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(len(self.arrays))]
        for name, operands in self.program:
            names.append(f"{name}({', '.join(names[k] for k in operands)})")
        shapes = ", ".join(f"x{i}: {a.shape}" for i, a in enumerate(self.arrays))
        return f"Graph({names[-1]}; {shapes})"


@st.composite
def graphs(draw: Any, max_inputs: int = 3, max_ops: int = 6, scalar: bool = False) -> Graph:
    """Random expression graphs over broadcastable inputs, built from the library's own ops.

    With ``scalar=True`` every input is a 0-d array, so the same graph builds from `Value`s.
    The output depends on every input and every step, and some results are used several times.
    """
    n = draw(st.integers(1, max_inputs))
    if scalar:
        input_shapes: tuple[Shape, ...] = ((),) * n
    else:
        input_shapes = draw(broadcastable_shapes(n, max_dims=2, max_side=3))
    data = tuple(draw(arrays(s, domain=(-2.0, 2.0))) for s in input_shapes)
    program: list[tuple[str, tuple[int, ...]]] = []
    unused = list(range(n))
    consumed: set[int] = set()
    for step in range(draw(st.integers(1, max_ops))):
        name, arity, _ = draw(st.sampled_from(GRAPH_OPS))
        available = n + step
        operands = []
        for _ in range(arity):
            if unused:
                operands.append(unused.pop(0))
            else:
                operands.append(draw(st.integers(0, available - 1)))
        consumed.update(operands)
        program.append((name, tuple(operands)))
    # Fold every result nothing used yet (inputs included) into the output, so that the output
    # depends on each input and each step.
    for k in range(n + len(program) - 1):
        if k not in consumed:
            program.append(("add", (n + len(program) - 1, k)))
    return Graph(data, tuple(program))
