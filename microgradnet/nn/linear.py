"""Tensor layers that reshape or transform their input: `Linear`, `Identity`, `Flatten`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import functional, init
from .module import Module, Parameter


class Linear(Module):
    """``y = x @ weight.T + bias``, with ``weight`` of shape ``(out_features, in_features)``.

    Initialised as PyTorch does: weight and bias uniform on ``[-1/sqrt(in_features),
    1/sqrt(in_features))`` (`init.kaiming_uniform_` with ``a = sqrt(5)`` for the weight), from the
    project's generator.

    Parameters
    ----------
    in_features, out_features : int
        The sizes of each input and output sample.
    bias : bool
        Whether to learn an additive bias.
    dtype : numpy dtype
        The parameters' dtype (float64).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> layer = nn.Linear(3, 2)
    >>> layer
    Linear(in_features=3, out_features=2, bias=True)
    >>> layer(mg.tensor(np.ones((5, 3)))).shape
    (5, 2)
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: Any = np.float64
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(np.zeros((out_features, in_features)), dtype=dtype)
        self.bias = Parameter(np.zeros(out_features), dtype=dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias again (PyTorch's scheme, described above)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        """``x @ weight.T + bias``."""
        return functional.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input unchanged (a placeholder in a `Sequential`); any arguments are ignored,
    as in PyTorch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        """``x``."""
        return x


class Flatten(Module):
    """Merge dimensions ``start_dim`` to ``end_dim`` (inclusive) into one.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.Flatten()(mg.tensor(np.zeros((2, 3, 4)))).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with the dimensions ``start_dim..end_dim`` merged."""
        n = max(x.ndim, 1)
        start, end = self.start_dim, self.end_dim
        if not (-n <= start < n and -n <= end < n) or start % n > end % n:
            raise ValueError(
                f"Flatten: start_dim={start}, end_dim={end} do not fit an input of shape {x.shape}"
            )
        shape = x.shape
        out: Tensor = x.reshape(shape[: start % n] + (-1,) + shape[end % n + 1 :])
        return out

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
