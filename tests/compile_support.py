"""Helpers shared by the tests of `microgradnet.compile`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import microgradnet as mg


def same_bits(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` (tensors or arrays) hold the same dtype, shape and bytes."""
    a = a.data if isinstance(a, mg.Tensor) else a
    b = b.data if isinstance(b, mg.Tensor) else b
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def twins(make: Callable[[], Any]) -> tuple[Any, Any]:
    """Two copies of whatever ``make()`` builds, from the same seed: one eager, one compiled."""
    mg.manual_seed(0)
    first = make()
    mg.manual_seed(0)
    second = make()
    return first, second


def train_step(model: Any, opt: Any, loss_fn: Any) -> Callable[[Any, Any], Any]:
    """One training step of ``model`` with ``opt`` on the loss ``loss_fn(model(x), y)``."""

    def step(x: Any, y: Any) -> Any:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step
