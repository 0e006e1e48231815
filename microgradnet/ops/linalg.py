"""Matrix products: ``matmul`` for 1-D, 2-D and batched operands, as numpy's ``@``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Op
from .shape import reshape, sum_to


class MatMul(Op):
    __slots__ = ()
    name = "matmul"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.matmul(a, b)

    def backward(self, g: Any) -> tuple[Any, ...]:
        pa, pb = self.parents
        a, b = self.inputs
        sa, sb = pa.shape, pb.shape
        # Treat a vector as a one-row (a) or one-column (b) matrix, so one rule covers all cases.
        if len(sa) == 1:
            a = reshape(a, (1, *sa))
        if len(sb) == 1:
            b = reshape(b, (*sb, 1))
        if len(sa) == 1 or len(sb) == 1:
            g = reshape(g, (*g.shape[: len(g.shape) - (len(sa) > 1) - (len(sb) > 1)],
                            a.shape[-2], b.shape[-1]))
        ga = gb = None
        if pa.requires_grad:
            ga = reshape(sum_to(g @ b.mT, a.shape), sa)
        if pb.requires_grad:
            gb = reshape(sum_to(a.mT @ g, b.shape), sb)
        return ga, gb


def check_matmul_shapes(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    """Raise a `ValueError` naming both shapes when ``a @ b`` is undefined."""
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
        raise ValueError(f"matmul: shapes {sa} and {sb} are not aligned for a @ b")


def matmul(a: Any, b: Any) -> Any:
    """The matrix product ``a @ b`` with numpy's rules for vectors and batches."""
    check_matmul_shapes(getattr(a, "shape", ()), getattr(b, "shape", ()))
    return MatMul()(a, b)
