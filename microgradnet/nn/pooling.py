"""Pooling layers: `MaxPool1d/2d`, `AvgPool1d/2d`, `AdaptiveAvgPool1d/2d`,
`AdaptiveMaxPool1d/2d`. They hold no parameters."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional
from .module import Module

IntOrTuple = int | tuple[int, ...]


class _MaxPool(Module):
    n = 2

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        dilation: IntOrTuple = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Any:
        """The maximum of each window (and its index, with ``return_indices``)."""
        fn = (functional.max_pool1d, functional.max_pool2d, functional.max_pool3d)[self.n - 1]
        return fn(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPool):
    """1-d max pooling (see `functional.max_pool1d`)."""

    n = 1


class MaxPool2d(_MaxPool):
    """2-d max pooling (see `functional.max_pool2d`); ``stride`` defaults to the kernel size.

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.MaxPool2d(2)(mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4)))
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """

    n = 2


class _AvgPool(Module):
    n = 2

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        """The mean of each window."""
        fn = (functional.avg_pool1d, functional.avg_pool2d, functional.avg_pool3d)[self.n - 1]
        out: Tensor = fn(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )
        return out

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPool):
    """1-d average pooling (see `functional.avg_pool1d`)."""

    n = 1


class AvgPool2d(_AvgPool):
    """2-d average pooling (see `functional.avg_pool2d`); ``stride`` defaults to the kernel size.

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.AvgPool2d(2)(mg.tensor(np.arange(4.0).reshape(1, 1, 2, 2)))
    tensor([[[[1.5]]]])
    """

    n = 2


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
