"""Resampling layers: `Upsample`, `PixelShuffle` and `PixelUnshuffle`."""

from __future__ import annotations

from typing import Any, ClassVar

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


class _Shuffle(Module):
    """Moves channels to or from space by the factor in the attribute named ``_factor``."""

    _factor: ClassVar[str]
    _function: ClassVar[str]

    def __init__(self, factor: int) -> None:
        super().__init__()
        setattr(self, self._factor, factor)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` rearranged."""
        out: Tensor = getattr(functional, self._function)(x, getattr(self, self._factor))
        return out

    def extra_repr(self) -> str:
        return f"{self._factor}={getattr(self, self._factor)}"


class PixelShuffle(_Shuffle):
    """``(*, C * r * r, H, W)`` to ``(*, C, H * r, W * r)``."""

    _factor, _function = "upscale_factor", "pixel_shuffle"

    def __init__(self, upscale_factor: int) -> None:
        super().__init__(upscale_factor)


class PixelUnshuffle(_Shuffle):
    """``(*, C, H * r, W * r)`` to ``(*, C * r * r, H, W)``."""

    _factor, _function = "downscale_factor", "pixel_unshuffle"

    def __init__(self, downscale_factor: int) -> None:
        super().__init__(downscale_factor)
