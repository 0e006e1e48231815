"""Activation modules, each a thin wrapper over `microgradnet.nn.functional`.

Their constructors take PyTorch's arguments and their reprs show them as PyTorch's do. ``inplace``
is accepted for PyTorch code and shown in the repr, but the result is always a new tensor: the
input is left unchanged (a difference listed in docs/pytorch-names.md).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..tensor import Tensor
from . import functional
from .module import Module


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


class Sigmoid(_Plain):
    """The logistic sigmoid, elementwise (Tensors and Values)."""

    function = "sigmoid"


class Tanh(_Plain):
    """The hyperbolic tangent, elementwise (Tensors and Values)."""

    function = "tanh"


class ReLU(_InPlace):
    """``max(x, 0)``, elementwise (Tensors and Values).

    Examples
    --------
    >>> from microgradnet import nn
    >>> nn.ReLU(inplace=True)
    ReLU(inplace=True)
    """

    function = "relu"


class LeakyReLU(_Pointwise):
    """``x`` for positive ``x``, ``negative_slope * x`` elsewhere.

    Examples
    --------
    >>> from microgradnet import nn
    >>> nn.LeakyReLU(0.2)
    LeakyReLU(negative_slope=0.2)
    """

    function = "leaky_relu"
    arguments = ("negative_slope",)

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(inplace, negative_slope=negative_slope)


class ELU(_Pointwise):
    """`functional.elu`: ``x`` above 0, ``alpha * (exp(x) - 1)`` below."""

    function = "elu"
    arguments = ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace, alpha=alpha)


class CELU(_Pointwise):
    """`functional.celu`: ``x`` above 0, ``alpha * (exp(x / alpha) - 1)`` below."""

    function = "celu"
    arguments = ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace, alpha=alpha)


class SELU(_InPlace):
    """`functional.selu`, the self-normalising ELU."""

    function = "selu"


class GELU(_Pointwise):
    """`functional.gelu`: ``x * Phi(x)``, or its tanh approximation.

    Examples
    --------
    >>> from microgradnet import nn
    >>> nn.GELU(approximate="tanh")
    GELU(approximate='tanh')
    """

    function = "gelu"
    arguments = ("approximate",)

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', not {approximate!r}")
        super().__init__(approximate=approximate)


class SiLU(_InPlace):
    """`functional.silu`: ``x * sigmoid(x)``."""

    function = "silu"


class Mish(_InPlace):
    """`functional.mish`: ``x * tanh(softplus(x))``."""

    function = "mish"


class Softplus(_Pointwise):
    """`functional.softplus`: ``log(1 + exp(beta * x)) / beta``, linear above ``threshold``.

    Examples
    --------
    >>> from microgradnet import nn
    >>> nn.Softplus()
    Softplus(beta=1.0, threshold=20.0)
    """

    function = "softplus"
    arguments = ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__(beta=beta, threshold=threshold)


class Softsign(_Plain):
    """`functional.softsign`: ``x / (1 + |x|)``."""

    function = "softsign"


class Hardtanh(_Pointwise):
    """`functional.hardtanh`: ``x`` clipped to ``[min_val, max_val]``.

    Examples
    --------
    >>> from microgradnet import nn
    >>> nn.Hardtanh(-2.0, 2.0)
    Hardtanh(min_val=-2.0, max_val=2.0)
    """

    function = "hardtanh"
    arguments = ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
        super().__init__(inplace, min_val=min_val, max_val=max_val)


class ReLU6(_InPlace):
    """`functional.relu6`: ``min(max(x, 0), 6)``."""

    function = "relu6"


class Hardsigmoid(_InPlace):
    """`functional.hardsigmoid`: ``relu6(x + 3) / 6``."""

    function = "hardsigmoid"


class Hardswish(_InPlace):
    """`functional.hardswish`: ``x * relu6(x + 3) / 6``."""

    function = "hardswish"


class LogSigmoid(_Plain):
    """`functional.logsigmoid`: ``log(sigmoid(x))``, stable."""

    function = "logsigmoid"


class Tanhshrink(_Plain):
    """`functional.tanhshrink`: ``x - tanh(x)``."""

    function = "tanhshrink"


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

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.Softmin(dim=1)(mg.tensor([[0.0, 0.0]]))
    tensor([[0.5, 0.5]])
    """

    function = "softmin"

    def __init__(self, dim: int | None = None) -> None:
        super().__init__(dim)


class GLU(_AlongDim):
    """`functional.glu`: the first half of ``x`` along ``dim`` gated by the sigmoid of the
    second."""

    function = "glu"
