"""microgradnet: exact reverse-mode autodiff on numpy, for `Tensor`s and scalar `Value`s.

>>> import microgradnet as mg
>>> w = mg.tensor([[0.5], [-0.25]], requires_grad=True)
>>> loss = (((mg.tensor([[1.0, 2.0]]) @ w).sigmoid() - 1.0) ** 2).sum()
>>> loss.backward()
>>> w.grad.shape
(2, 1)
"""

import importlib
import sys
from typing import Any

from . import autograd, data, func, linalg, nn, ops, optim
from .autograd import Function
from .checkpoint import CheckpointError, load, save
from .compiler import compile
from .creation import (
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    zeros,
    zeros_like,
)
from .engine import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops.cast import DTYPES
from .ops.registry import TABLE, install
from .random import manual_seed
from .tensor import Size, Tensor, get_default_dtype, set_default_dtype, tensor, tensor_function
from .value import Value

__version__ = "0.1.0"

# Every declared operation whose entry says so, as a function of array-likes: mg.exp, mg.cat, ...
install(sys.modules[__name__], "toplevel", tensor_function)
globals().update(DTYPES)  # PyTorch's dtype names: mg.float32, mg.long, ...


def __getattr__(name: str) -> Any:
    """Load `microgradnet.viz` on first use (``mg.viz.draw_graph``): it imports Graphviz's
    Python package, which ``import microgradnet`` alone does not need."""
    if name == "viz":
        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'microgradnet' has no attribute {name!r}")


__all__ = [
    "CheckpointError",
    "Function",
    "Size",
    "Tensor",
    "Value",
    "arange",
    "autograd",
    "compile",
    "data",
    "empty",
    "empty_like",
    "enable_grad",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "func",
    "get_default_dtype",
    "is_grad_enabled",
    "linalg",
    "linspace",
    "load",
    "manual_seed",
    "nn",
    "no_grad",
    "normal",
    "ones",
    "ones_like",
    "ops",
    "optim",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "save",
    "set_default_dtype",
    "set_grad_enabled",
    "tensor",
    "zeros",
    "zeros_like",
    *(name for name, entry in TABLE.items() if entry.toplevel),
    *DTYPES,
]
