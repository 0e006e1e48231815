"""Activation modules, each a thin wrapper over `microgradnet.nn.functional`.

Their constructors take PyTorch's arguments and their reprs show them as PyTorch's do. ``inplace``
is accepted for PyTorch code and shown in the repr, but the result is always a new tensor: the
input is left unchanged (a difference listed in docs/pytorch-names.md).

Examples
--------
>>> from microgradnet import nn
>>> nn.LeakyReLU(0.2), nn.GELU(approximate="tanh"), nn.Hardtanh(-2.0, 2.0)
(LeakyReLU(negative_slope=0.2), GELU(approximate='tanh'), Hardtanh(min_val=-2.0, max_val=2.0))
>>> nn.Softplus(), nn.ReLU(inplace=True)
(Softplus(beta=1.0, threshold=20.0), ReLU(inplace=True))
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..tensor import Tensor
from . import functional
from .module import Module
from .wrapping import subclass


class _Pointwise(Module):
    """Calls ``functional.<function>`` on the input with the attributes named in ``arguments``."""

    function: ClassVar[str]
    arguments: ClassVar[tuple[str, ...]] = ()

    def __init__(self, inplace: bool = False, **arguments: Any) -> None:
        super().__init__()
        for name, value in arguments.items():
            setattr(self, name, value)
        self.inplace = inplace

    def forward(self, x: Any) -> Any:
        """The activation of ``x``, elementwise."""
        fn = getattr(functional, self.function)
        return fn(x, **{name: getattr(self, name) for name in self.arguments})

    def extra_repr(self) -> str:
        parts = [f"{name}={getattr(self, name)!r}" for name in self.arguments]
        if self.inplace:
            parts.append("inplace=True")
        return ", ".join(parts)


class _Plain(_Pointwise):
    """An activation without arguments."""

    def __init__(self) -> None:
        super().__init__()


class _InPlace(_Pointwise):
    """An activation whose only argument is PyTorch's ``inplace`` (shown in the repr only)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(inplace)


class _WithAlpha(_Pointwise):
    """An activation with PyTorch's ``alpha`` (and ``inplace``)."""

    arguments = ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace, alpha=alpha)


class LeakyReLU(_Pointwise):
    """``x`` for positive ``x``, ``negative_slope * x`` elsewhere."""

    function = "leaky_relu"
    arguments = ("negative_slope",)

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(inplace, negative_slope=negative_slope)


class GELU(_Pointwise):
    """`functional.gelu`: ``x * Phi(x)``, or its tanh approximation."""

    function = "gelu"
    arguments = ("approximate",)

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', not {approximate!r}")
        super().__init__(approximate=approximate)


class Softplus(_Pointwise):
    """`functional.softplus`: ``log(1 + exp(beta * x)) / beta``, linear above ``threshold``."""

    function = "softplus"
    arguments = ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__(beta=beta, threshold=threshold)


class Hardtanh(_Pointwise):
    """`functional.hardtanh`: ``x`` clipped to ``[min_val, max_val]``."""

    function = "hardtanh"
    arguments = ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
        super().__init__(inplace, min_val=min_val, max_val=max_val)


_CELU_DOC = "`functional.celu`: ``x`` above 0, ``alpha * (exp(x / alpha) - 1)`` below."

# The activations that differ only in their function: (base, name, function, docstring).
_TABLE: list[tuple[type[_Pointwise], str, str, str]] = [
    (_Plain, "Sigmoid", "sigmoid", "The logistic sigmoid, elementwise (Tensors and Values)."),
    (_Plain, "Tanh", "tanh", "The hyperbolic tangent, elementwise (Tensors and Values)."),
    (_InPlace, "ReLU", "relu", "``max(x, 0)``, elementwise (Tensors and Values)."),
    (_WithAlpha, "ELU", "elu", "`functional.elu`: ``x`` above 0, ``alpha * (exp(x) - 1)`` below."),
    (_WithAlpha, "CELU", "celu", _CELU_DOC),
    (_InPlace, "SELU", "selu", "`functional.selu`, the self-normalising ELU."),
    (_InPlace, "SiLU", "silu", "`functional.silu`: ``x * sigmoid(x)``."),
    (_InPlace, "Mish", "mish", "`functional.mish`: ``x * tanh(softplus(x))``."),
    (_Plain, "Softsign", "softsign", "`functional.softsign`: ``x / (1 + |x|)``."),
    (_InPlace, "ReLU6", "relu6", "`functional.relu6`: ``min(max(x, 0), 6)``."),
    (_InPlace, "Hardsigmoid", "hardsigmoid", "`functional.hardsigmoid`: ``relu6(x + 3) / 6``."),
    (_InPlace, "Hardswish", "hardswish", "`functional.hardswish`: ``x * relu6(x + 3) / 6``."),
    (_Plain, "LogSigmoid", "logsigmoid", "`functional.logsigmoid`: ``log(sigmoid(x))``, stable."),
    (_Plain, "Tanhshrink", "tanhshrink", "`functional.tanhshrink`: ``x - tanh(x)``."),
]
(
    Sigmoid,
    Tanh,
    ReLU,
    ELU,
    CELU,
    SELU,
    SiLU,
    Mish,
    Softsign,
    ReLU6,
    Hardsigmoid,
    Hardswish,
    LogSigmoid,
    Tanhshrink,
) = (subclass(base, name, doc, function=function) for base, name, function, doc in _TABLE)


class _AlongDim(Module):
    """``functional.<function>`` along one dimension ``dim`` (default -1, the last)."""

    function: ClassVar[str]

    def __init__(self, dim: int | None = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        """``function(x, dim)``."""
        out: Tensor = getattr(functional, self.function)(x, self.dim)
        return out

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

    function = "softmax"


class LogSoftmax(_AlongDim):
    """`functional.log_softmax` along ``dim``, stable for large inputs."""

    function = "log_softmax"


class Softmin(_AlongDim):
    """`functional.softmin` along ``dim``: ``softmax(-x, dim)``.

    Unlike the other activations along a dimension, its ``dim`` defaults to None, as in PyTorch.

    Examples
    --------
    >>> from microgradnet import nn
    >>> nn.Softmin()
    Softmin(dim=None)
    """

    function = "softmin"

    def __init__(self, dim: int | None = None) -> None:
        super().__init__(dim)


class GLU(_AlongDim):
    """`functional.glu`: the first half of ``x`` along ``dim`` gated by the sigmoid of the
    second."""

    function = "glu"
