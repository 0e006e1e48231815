"""Matrix products: ``matmul`` for 1-D, 2-D and batched operands, as numpy's ``@``; PyTorch's
narrower ``dot``, ``mv``, ``mm``, ``bmm`` (shapes checked, then ``matmul``) and ``outer``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Op
from .errors import OpError
from .registry import export
from .shape import reshape, shape_of, sum_to


class MatMul(Op):
    __slots__ = ()
    name = "matmul"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            out: np.ndarray = np.matmul(a, b)
        except ValueError:
            check_matmul_shapes(np.shape(a), np.shape(b))  # says which shapes, in a @ b terms
            raise
        return out

    def backward(self, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        a, b = self.inputs
        sa, sb = pa.shape, pb.shape
        if len(sa) == 2 and len(sb) == 2:  # two matrices: nothing to reshape or sum
            return (
                g @ b.mT if pa.requires_grad else None,
                a.mT @ g if pb.requires_grad else None,
            )
        # Treat a vector as a one-row (a) or one-column (b) matrix, so one rule covers all cases.
        if len(sa) == 1:
            a = reshape(a, (1, *sa))
        if len(sb) == 1:
            b = reshape(b, (*sb, 1))
        if len(sa) == 1 or len(sb) == 1:
            g = reshape(
                g,
                (
                    *g.shape[: len(g.shape) - (len(sa) > 1) - (len(sb) > 1)],
                    a.shape[-2],
                    b.shape[-1],
                ),
            )
        ga = gb = None
        if pa.requires_grad:
            ga = reshape(sum_to(g @ b.mT, a.shape), sa)
        if pb.requires_grad:
            gb = reshape(sum_to(a.mT @ g, b.shape), sb)
        return ga, gb


def check_matmul_shapes(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    """Raise a `ValueError` naming both shapes when ``a @ b`` is undefined."""
    if len(sa) == 2 and len(sb) == 2 and sa[1] == sb[0]:  # the common case, at once
        return
    ok = len(sa) > 0 and len(sb) > 0
    if ok:
        k_a = sa[-1]
        k_b = sb[0] if len(sb) == 1 else sb[-2]
        ok = k_a == k_b
        if ok and (len(sa) > 2 or len(sb) > 2):
            try:
                np.broadcast_shapes(sa[:-2], sb[:-2])
            except ValueError:
                ok = False
    if not ok:
        raise OpError(f"matmul: shapes {sa} and {sb} are not aligned for a @ b")


@export()
def matmul(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The matrix product ``input @ other`` with the rules for vectors and batches of numpy and
    PyTorch."""
    return MatMul()(input, other)


class WeightedSum(Op, params=("n",)):
    """``b + w_0 * x_0 + w_1 * x_1 + ...``: a neuron's adder as one node, for any number of inputs.

    The sum runs in that order, so it equals the chain of ``+`` and ``*`` it replaces, bit for
    bit; the graph has one node instead of two per input.
    """

    name = "weighted_sum"
    n: int

    def forward(self, *args: Any) -> Any:
        n = self.n
        total = args[2 * n]
        for w, x in zip(args[:n], args[n : 2 * n]):
            total = total + w * x
        return total

    def backward(self, g: Any) -> tuple[Any, ...]:
        n = self.n
        values = self.inputs
        parents = self.parents
        # The gradient for w_i is g * x_i, for x_i it is g * w_i: the other half of each pair.
        partners = values[n : 2 * n] + values[:n]
        bias = parents[2 * n]
        if bias.holds_float:  # Values: nothing was broadcast
            grads = [g * other if p.requires_grad else None for other, p in zip(partners, parents)]
            grads.append(g if bias.requires_grad else None)
            return tuple(grads)
        grads = [
            sum_to(g * other, p.shape) if p.requires_grad else None
            for other, p in zip(partners, parents)
        ]
        grads.append(sum_to(g, bias.shape) if bias.requires_grad else None)
        return tuple(grads)


def weighted_sum(weights: Sequence[Any], inputs: Sequence[Any], bias: Any = 0.0) -> Any:
    """``bias + sum(w * x for w, x in zip(weights, inputs))`` as one operation.

    Examples
    --------
    >>> from microgradnet import Value
    >>> w, b = [Value(0.5), Value(-1.0)], Value(0.25)
    >>> y = weighted_sum(w, [2.0, 3.0], b)
    >>> y.data
    -1.75
    >>> y.backward()
    >>> [wi.grad for wi in w]
    [2.0, 3.0]
    """
    if len(weights) != len(inputs):
        raise OpError(
            f"weighted_sum: {len(weights)} weights for {len(inputs)} inputs; they must pair up"
        )
    return WeightedSum(len(weights))(*weights, *inputs, bias)


def _need(op: str, *pairs: tuple[Any, int]) -> None:
    """An error naming ``op`` unless each input has the number of dims paired with it."""
    shapes = [shape_of(x) for x, _ in pairs]
    if any(len(s) != n for s, (_, n) in zip(shapes, pairs)):
        want = " and ".join(f"{n}-D" for _, n in pairs)
        raise OpError(f"{op}: needs {want} inputs, not shapes {', '.join(map(str, shapes))}")


@export()
def dot(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The dot product of two 1-D inputs of one length.

    Examples
    --------
    >>> dot(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.float64(11.0)
    """
    _need("dot", (input, 1), (other, 1))
    return matmul(input, other)


@export()
def outer(input: Any, vec2: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The outer product ``input[i] * vec2[j]`` of two 1-D inputs of any lengths: a column
    broadcast against a row.

    Examples
    --------
    >>> outer(np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])).shape
    (2, 3)
    """
    _need("outer", (input, 1), (vec2, 1))
    return reshape(input, (-1, 1)) * reshape(vec2, (1, -1))


@export()
def mm(input: Any, mat2: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The product of two matrices (no broadcasting; `matmul` has it).

    Examples
    --------
    >>> mm(np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    """
    _need("mm", (input, 2), (mat2, 2))
    return matmul(input, mat2)


@export()
def mv(input: Any, vec: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The product of a matrix and a vector: `matmul` of a 2-D and a 1-D input, as `dot` of two
    1-D inputs and `mm` of two 2-D ones."""
    _need("mv", (input, 2), (vec, 1))
    return matmul(input, vec)


@export()
def bmm(input: Any, mat2: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The products of two batches of matrices of one batch size (no broadcasting).

    Examples
    --------
    >>> bmm(np.ones((5, 2, 3)), np.ones((5, 3, 4))).shape
    (5, 2, 4)
    """
    _need("bmm", (input, 3), (mat2, 3))
    if shape_of(input)[0] != shape_of(mat2)[0]:
        raise OpError(f"bmm: batch sizes differ, shapes {shape_of(input)} and {shape_of(mat2)}")
    return matmul(input, mat2)
