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

from . import autograd, data, func, nn, ops, optim
from .autograd import Function
from .checkpoint import CheckpointError, load, save
from .compiler import compile
from .engine import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops.registry import TABLE
from .random import manual_seed
from .tensor import Tensor, get_default_dtype, set_default_dtype, tensor, tensor_function
from .value import Value

__version__ = "0.1.0"

# Every declared operation whose entry says so, as a function of array-likes: mg.exp, mg.cat, ...
_wrapped: dict[int, Any] = {}
_toplevel = {
    name: _wrapped.setdefault(id(e.fn), tensor_function(e.fn, e.sequence))
    for name, e in TABLE.items()
    if e.toplevel
}
globals().update(_toplevel)


def __getattr__(name: str) -> Any:
    """Load `microgradnet.viz` on first use (``mg.viz.draw_graph``): it imports Graphviz's
    Python package, which ``import microgradnet`` alone does not need."""
    if name == "viz":
        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'microgradnet' has no attribute {name!r}")


__all__ = [
    "CheckpointError",
    "Function",
    "Tensor",
    "Value",
    "autograd",
    "compile",
    "data",
    "enable_grad",
    "func",
    "get_default_dtype",
    "is_grad_enabled",
    "load",
    "manual_seed",
    "nn",
    "no_grad",
    "ops",
    "optim",
    "save",
    "set_default_dtype",
    "set_grad_enabled",
    "tensor",
    *_toplevel,
]
