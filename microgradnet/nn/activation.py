"""Activation modules, each a thin wrapper over `microgradnet.nn.functional`."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional
from .module import Module


class Sigmoid(Module):
    """The logistic sigmoid, elementwise (Tensors and Values)."""

    def forward(self, x: Any) -> Any:
        """``1 / (1 + exp(-x))``."""
        return functional.sigmoid(x)


class Tanh(Module):
    """The hyperbolic tangent, elementwise (Tensors and Values)."""

    def forward(self, x: Any) -> Any:
        """``tanh(x)``."""
        return functional.tanh(x)


class ReLU(Module):
    """``max(x, 0)``, elementwise (Tensors and Values)."""

    def forward(self, x: Any) -> Any:
        """``max(x, 0)``."""
        return functional.relu(x)


class LeakyReLU(Module):
    """``x`` for positive ``x``, ``negative_slope * x`` elsewhere.

    Examples
    --------
    >>> from microgradnet import nn
    >>> nn.LeakyReLU(0.2)
    LeakyReLU(negative_slope=0.2)
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Any:
        """The leaky rectifier of ``x``."""
        return functional.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class _AlongDim(Module):
    """A function along one dimension ``dim`` (default -1, the last)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """`functional.softmax` along ``dim``: the entries along it are positive and sum to 1.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.Softmax(dim=1)(mg.tensor([[0.0, 0.0]]))
    tensor([[0.5, 0.5]])
    """

    def forward(self, x: Tensor) -> Tensor:
        """``softmax(x, dim)``."""
        return functional.softmax(x, self.dim)


class LogSoftmax(_AlongDim):
    """`functional.log_softmax` along ``dim``, stable for large inputs."""

    def forward(self, x: Tensor) -> Tensor:
        """``log_softmax(x, dim)``."""
        return functional.log_softmax(x, self.dim)
