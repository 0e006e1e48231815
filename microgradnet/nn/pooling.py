"""Pooling layers: `MaxPool1d/2d`, `AvgPool1d/2d`, `AdaptiveAvgPool1d/2d`,
`AdaptiveMaxPool1d/2d`. They hold no parameters."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional
from .module import Module
from .wrapping import Wrapping, per_dimension, subclass

IntOrTuple = int | tuple[int, ...]


class _Pool(Wrapping):
    """A window pooling: ``stride`` defaults to the kernel size; the repr shows ``shown``."""

    shown: tuple[str, ...] = ("kernel_size", "stride", "padding")
    kernel_size: IntOrTuple
    stride: IntOrTuple
    padding: IntOrTuple
    dilation: IntOrTuple
    ceil_mode: bool
    return_indices: bool
    count_include_pad: bool
    divisor_override: int | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.stride is None:
            self.stride = self.kernel_size

    def forward(self, x: Tensor) -> Any:
        """The pooled input (for max pooling with ``return_indices``, also the indices)."""
        return self._call(x)

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)}" for name in self.shown)


_MaxPool = subclass(
    _Pool,
    "_MaxPool",
    "Max pooling, PyTorch's argument order (``return_indices`` before ``ceil_mode``).",
    function="max_pool{n}d",
    last=("ceil_mode",),
    shown=(*_Pool.shown, "dilation", "ceil_mode"),
)
_AvgPool = subclass(_Pool, "_AvgPool", "Average pooling.", function="avg_pool{n}d")


_EXAMPLES = """

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> x = mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    >>> nn.MaxPool2d(2)(x)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    >>> nn.AvgPool2d(2)(x)
    tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    """


def _docs(kind: str, function: str) -> list[str]:
    """The 1-d and 2-d docstrings of a pooling family, the 2-d ones with the examples."""
    return [
        f"{n}-d {kind} pooling (see `functional.{function}{n}d`); ``stride`` defaults to the"
        f" kernel size.{_EXAMPLES if n == 2 else ''}"
        for n in (1, 2)
    ]


MaxPool1d, MaxPool2d = per_dimension(_MaxPool, "MaxPool{n}d", _docs("max", "max_pool"))
AvgPool1d, AvgPool2d = per_dimension(_AvgPool, "AvgPool{n}d", _docs("average", "avg_pool"))


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
