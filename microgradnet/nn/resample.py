"""Resampling layers: `Upsample`, `PixelShuffle` and `PixelUnshuffle`."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional
from .module import Module


class Upsample(Module):
    """`functional.interpolate` as a layer.

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.Upsample(scale_factor=2)(mg.tensor(np.zeros((1, 1, 2, 3)))).shape
    (1, 1, 4, 6)
    """

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
    ) -> None:
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners = align_corners

    def forward(self, x: Tensor) -> Tensor:
        """``x`` resized."""
        return functional.interpolate(  # type: ignore[no-any-return]
            x, self.size, self.scale_factor, self.mode, self.align_corners
        )

    def extra_repr(self) -> str:
        what = (
            f"size={self.size}" if self.size is not None else (f"scale_factor={self.scale_factor}")
        )
        return f"{what}, mode={self.mode!r}"


class PixelShuffle(Module):
    """``(*, C * r * r, H, W)`` to ``(*, C, H * r, W * r)``."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, x: Tensor) -> Tensor:
        """``x`` rearranged."""
        return functional.pixel_shuffle(x, self.upscale_factor)  # type: ignore[no-any-return]

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H * r, W * r)`` to ``(*, C * r * r, H, W)``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, x: Tensor) -> Tensor:
        """``x`` rearranged."""
        return functional.pixel_unshuffle(x, self.downscale_factor)  # type: ignore[no-any-return]

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
