"""Correctness before speed: every implementation must reproduce the hand-written numpy results.

Each implementation and the floor start from the same weights, take the same number of steps, and
their results (last loss, weights, or outputs and gradients) are compared array by array with the
norm-wise relative error ``|a - b| / |b|``. The tolerance follows the dtype: 1e-9 in float64 (a
wrong rule is off by far more than rounding), 1e-5 in float32 (machine epsilon 1.2e-7, summed over
hundreds of terms).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .workloads import WORKLOADS, Factory, Problem

TOLERANCE = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-5}


def relative_error(results: Sequence[np.ndarray], reference: Sequence[np.ndarray]) -> float:
    """The largest norm-wise relative error between matching arrays (inf if shapes differ)."""
    if len(results) != len(reference):
        return float("inf")
    worst = 0.0
    for got, want in zip(results, reference):
        got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
        if got.shape != want.shape:
            return float("inf")
        scale = np.linalg.norm(want) or 1.0
        err = np.linalg.norm(got - want) / scale
        worst = max(worst, float(err) if np.isfinite(err) else float("inf"))
    return worst


def run_steps(factory: Factory, problem: Problem, steps: int) -> list[np.ndarray]:
    """Results of a fresh trainer after ``steps`` steps."""
    trainer = factory(problem)
    for _ in range(steps):
        trainer.step()
    return [np.array(r) for r in trainer.result()]


def check(
    key: str, factory: Factory, floor: Factory, dtype: Any, steps: int = 3
) -> tuple[float, float]:
    """The error of ``factory`` against ``floor`` on workload ``key`` in ``dtype``, and the
    tolerance it must stay within."""
    problem = WORKLOADS[key].make(dtype)
    error = relative_error(run_steps(factory, problem, steps), run_steps(floor, problem, steps))
    return error, TOLERANCE[np.dtype(dtype)]
