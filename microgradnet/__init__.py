"""microgradnet: exact reverse-mode autodiff on numpy, for `Tensor`s and scalar `Value`s.

>>> import microgradnet as mg
>>> w = mg.tensor([[0.5], [-0.25]], requires_grad=True)
>>> loss = (((mg.tensor([[1.0, 2.0]]) @ w).sigmoid() - 1.0) ** 2).sum()
>>> loss.backward()
>>> w.grad.shape
(2, 1)
"""

import importlib
from typing import Any

from . import autograd, data, nn, ops, optim
from .autograd import Function, value_and_grad
from .autograd import grad_of as grad
from .engine import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .random import manual_seed
from .serialization import load, save
from .tensor import (
    Tensor,
    cat,
    clip,
    concatenate,
    log_softmax,
    maximum,
    minimum,
    softmax,
    stack,
    tensor,
    where,
)
from .value import Value

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Load `microgradnet.viz` on first use (``mg.viz.draw_graph``): it imports Graphviz's
    Python package, which ``import microgradnet`` alone does not need."""
    if name == "viz":
        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'microgradnet' has no attribute {name!r}")


__all__ = [
    "Function",
    "Tensor",
    "Value",
    "autograd",
    "cat",
    "clip",
    "concatenate",
    "data",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "load",
    "log_softmax",
    "manual_seed",
    "maximum",
    "minimum",
    "nn",
    "no_grad",
    "ops",
    "optim",
    "save",
    "set_grad_enabled",
    "softmax",
    "stack",
    "tensor",
    "value_and_grad",
    "where",
]
