"""Pooling layers: `MaxPool1d/2d`, `AvgPool1d/2d`, `AdaptiveAvgPool1d/2d`,
`AdaptiveMaxPool1d/2d`. They hold no parameters."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional
from .module import Module
from .wrapping import Wrapping, per_dimension

IntOrTuple = int | tuple[int, ...]


class _Pool(Wrapping):
    """A window pooling: ``stride`` defaults to the kernel size."""

    kernel_size: IntOrTuple
    stride: IntOrTuple
    padding: IntOrTuple
    ceil_mode: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.stride is None:
            self.stride = self.kernel_size

    def forward(self, x: Tensor) -> Any:
        """The pooled input (for max pooling with ``return_indices``, also the indices)."""
        return self._call(x)


class _MaxPool(_Pool):
    function = "max_pool{n}d"
    last = ("ceil_mode",)
    dilation: IntOrTuple
    return_indices: bool

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class _AvgPool(_Pool):
    function = "avg_pool{n}d"
    count_include_pad: bool
    divisor_override: int | None

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


MaxPool1d, MaxPool2d = per_dimension(
    _MaxPool,
    "MaxPool{n}d",
    [
        """1-d max pooling (see `functional.max_pool1d`).""",
        """2-d max pooling (see `functional.max_pool2d`); ``stride`` defaults to the kernel size.

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.MaxPool2d(2)(mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4)))
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """,
    ],
)
AvgPool1d, AvgPool2d = per_dimension(
    _AvgPool,
    "AvgPool{n}d",
    [
        """Average pooling over ``(B, C, L)`` windows (see `functional.avg_pool1d`).""",
        """2-d average pooling (see `functional.avg_pool2d`); the stride is the kernel size
    unless given.

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.AvgPool2d(2)(mg.tensor(np.arange(4.0).reshape(1, 1, 2, 2)))
    tensor([[[[1.5]]]])
    """,
    ],
)


class _Adaptive(Module):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_Adaptive):
    """Average pooling of ``(B, C, L)`` to a fixed length."""

    def __init__(self, output_size: int) -> None:
        super().__init__(output_size)

    def forward(self, x: Tensor) -> Tensor:
        """The pooled input."""
        return functional.adaptive_avg_pool1d(x, self.output_size)


class AdaptiveAvgPool2d(_Adaptive):
    """Average pooling of ``(B, C, H, W)`` to a fixed size (``1``: global average pooling).

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.AdaptiveAvgPool2d(1)(mg.tensor(np.ones((2, 3, 5, 5)))).shape
    (2, 3, 1, 1)
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__(output_size)

    def forward(self, x: Tensor) -> Tensor:
        """The pooled input."""
        return functional.adaptive_avg_pool2d(x, self.output_size)


class AdaptiveMaxPool1d(_Adaptive):
    """Max pooling of ``(B, C, L)`` to a fixed length."""

    def forward(self, x: Tensor) -> Any:
        """The pooled input (and indices, with ``return_indices``)."""
        return functional.adaptive_max_pool1d(x, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_Adaptive):
    """Max pooling of ``(B, C, H, W)`` to a fixed size."""

    def forward(self, x: Tensor) -> Any:
        """The pooled input (and indices, with ``return_indices``)."""
        return functional.adaptive_max_pool2d(x, self.output_size, self.return_indices)
