"""Convolution layers: `Conv1d`, `Conv2d`, `Conv3d` and the transposed `ConvTranspose1d/2d/3d`,
with PyTorch's parameter names, shapes and initialisation."""

from __future__ import annotations

import inspect
import math
from typing import Any, cast

import numpy as np

from ..ops.conv import _tuple as _ntuple
from ..tensor import Tensor
from . import functional, init
from .module import Module, Parameter
from .wrapping import _ClassSignature, per_dimension

IntOrTuple = int | tuple[int, ...]


class _ConvNd(Module):
    """What every convolution layer shares: arguments, parameters, initialisation and repr."""

    n: int = 2
    transposed: bool = False
    #: The function of `functional` (``{n}`` filled in) and its arguments after input, weight, bias.
    function = "conv{n}d"
    options: tuple[str, ...] = ("stride", "padding", "dilation", "groups")

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrTuple,
        stride: IntOrTuple = 1,
        padding: IntOrTuple | str = 0,
        dilation: IntOrTuple = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        n = self.n
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels={in_channels} and out_channels={out_channels} "
                f"must both be divisible by groups={groups}"
            )
        if padding_mode != "zeros":
            raise ValueError(
                f"{name}: only padding_mode='zeros' is supported, not {padding_mode!r}"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size", name)
        self.stride = _ntuple(stride, n, "stride", name)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n, "padding", name)
        self.dilation = _ntuple(dilation, n, "dilation", name)
        self.output_padding = (0,) * n
        self.groups = groups
        self.padding_mode = padding_mode
        if self.transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.zeros(shape), dtype=dtype)
        self.bias = Parameter(np.zeros(out_channels), dtype=dtype) if bias else None
        self.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        """The convolution of ``x`` with the weight, plus the bias."""
        fn = getattr(functional, self.function.format(n=self.n))
        options = {name: getattr(self, name) for name in self.options}
        return cast(Tensor, fn(x, self.weight, self.bias, **options))

    def reset_parameters(self) -> None:
        """PyTorch's scheme: weight ``kaiming_uniform_(a=sqrt(5))``, bias uniform on
        ``[-1/sqrt(fan_in), 1/sqrt(fan_in))``."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self.n:
            text += (
                f", padding={self.padding!r}"
                if isinstance(self.padding, str)
                else (f", padding={self.padding}")
            )
        if self.dilation != (1,) * self.n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


Conv1d, Conv2d, Conv3d = per_dimension(
    _ConvNd,
    "Conv{n}d",
    [
        """1-d convolution over ``(B, C_in, L)``; weight ``(C_out, C_in / groups, k)``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.Conv1d(2, 4, 3, padding="same")(mg.tensor(np.zeros((1, 2, 5)))).shape
    (1, 4, 5)
    """,
        """2-d convolution over ``(B, C_in, H, W)``; weight ``(C_out, C_in / groups, kh, kw)``.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and the output.
    kernel_size, stride, padding, dilation : int or tuple
        As in `functional.conv2d`; ``padding`` may be ``"same"`` or ``"valid"``.
    groups : int
        Channel groups convolved separately.
    bias : bool
        Whether to learn a bias per output channel.
    padding_mode : str
        Only ``"zeros"``.
    dtype : numpy dtype
        As for `Linear`.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> conv = nn.Conv2d(1, 8, 3, padding=1)
    >>> conv
    Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> conv(mg.tensor(np.zeros((2, 1, 28, 28)))).shape
    (2, 8, 28, 28)
    """,
        """3-d convolution over ``(B, C_in, D, H, W)``; weight ``(C_out, C_in / groups,
    *kernel)``.""",
    ],
)


def _transposed_signature() -> inspect.Signature:
    """`_ConvNd`'s arguments in PyTorch's order for the transposed layers, ``output_padding``
    after ``padding`` (which takes no strings there) and ``dilation`` after ``bias``."""
    conv = dict(inspect.signature(_ConvNd.__init__).parameters)
    del conv["self"]
    conv["padding"] = conv["padding"].replace(annotation="IntOrTuple")
    conv["output_padding"] = conv["padding"].replace(name="output_padding")
    order = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding")
    rest = ("groups", "bias", "dilation", "padding_mode", "dtype")
    return inspect.Signature([conv[name] for name in order + rest], return_annotation="None")


class _ConvTranspose(_ConvNd):
    """A transposed convolution: `_ConvNd` with ``output_padding``, in PyTorch's argument order."""

    transposed = True
    function = "conv_transpose{n}d"
    options = ("stride", "padding", "output_padding", "groups", "dilation")
    _signature = _transposed_signature()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            arguments = self._signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{type(self).__name__}: {error}") from None
        arguments.apply_defaults()
        options = dict(arguments.arguments)
        output_padding = options.pop("output_padding")
        super().__init__(**options)
        name = type(self).__name__
        self.output_padding = _ntuple(output_padding, self.n, "output_padding", name)


setattr(_ConvTranspose, "__signature__", _ClassSignature(_ConvTranspose._signature))  # noqa: B010

ConvTranspose1d, ConvTranspose2d, ConvTranspose3d = per_dimension(
    _ConvTranspose,
    "ConvTranspose{n}d",
    [
        """1-d transposed convolution; weight ``(C_in, C_out / groups, k)``.""",
        """2-d transposed convolution (the gradient of `Conv2d` in its input); weight ``(C_in,
    C_out / groups, kh, kw)``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> up = nn.ConvTranspose2d(4, 2, 2, stride=2)
    >>> up(mg.tensor(np.zeros((1, 4, 3, 3)))).shape
    (1, 2, 6, 6)
    """,
        """3-d transposed convolution; weight ``(C_in, C_out / groups, *kernel)``.""",
    ],
)
