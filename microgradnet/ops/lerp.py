"""Linear interpolation between two inputs: ``lerp``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Op
from .registry import export
from .shape import sum_to


class Lerp(Op):
    """``start + weight * (end - start)``, evaluated from the nearer end as PyTorch does (so
    ``weight = 1`` gives ``end`` exactly); gradients ``1 - weight``, ``weight`` and
    ``end - start``."""

    __slots__ = ()
    name = "lerp"

    def forward(self, start: Any, end: Any, weight: Any) -> Any:
        diff = end - start
        return np.where(weight < 0.5, start + weight * diff, end - diff * (1 - weight))

    def backward(self, g: Any) -> tuple[Any, ...]:
        ps, pe, pw = self.parents
        start, end, weight = self.inputs
        return (
            sum_to(g * (1 - weight), ps.shape) if ps.requires_grad else None,
            sum_to(g * weight, pe.shape) if pe.requires_grad else None,
            sum_to(g * (end - start), pw.shape) if pw.requires_grad else None,
        )


@export(value=True)
def lerp(input: Any, end: Any, weight: Any) -> Any:  # noqa: A002 - PyTorch's names
    """``input + weight * (end - input)``; ``weight`` a number or a tensor; broadcasts.

    Examples
    --------
    >>> lerp(np.array([1.0, 1.0]), np.array([3.0, 5.0]), 0.75)
    array([2.5, 4. ])
    """
    return Lerp()(input, end, weight)
