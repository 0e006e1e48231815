"""Normalization layers: `BatchNorm1d/2d/3d`, `LayerNorm` and `GroupNorm`, with PyTorch's
parameter and buffer names (``weight``, ``bias``, ``running_mean``, ``running_var``,
``num_batches_tracked``) and defaults."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from ..engine import no_grad
from ..tensor import Tensor
from . import functional, init
from .module import Module, Parameter, _check_divisible


class _BatchNorm(Module):
    #: The input dimensions the layer accepts.
    dims: tuple[int, ...] = (4,)

    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Parameter(np.ones(num_features), dtype=dtype) if affine else None
        self.bias = Parameter(np.zeros(num_features), dtype=dtype) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features), dtype=dtype))
            self.register_buffer("running_var", Tensor(np.ones(num_features), dtype=dtype))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches counted."""
        if self.running_mean is not None and self.running_var is not None:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
        if self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, and the weight to 1 and the bias to 0."""
        self.reset_running_stats()
        if self.weight is not None and self.bias is not None:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        """Normalize with the batch's statistics while training (updating the running ones),
        with the running ones in eval mode."""
        if x.ndim not in self.dims:
            raise ValueError(
                f"{type(self).__name__}: expected an input of "
                f"{' or '.join(map(str, self.dims))} dimensions, not shape {x.shape}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch = self.training or self.running_mean is None
        tracked = not self.training or self.track_running_stats
        return cast(
            Tensor,
            functional.batch_norm(
                x,
                self.running_mean if tracked else None,
                self.running_var if tracked else None,
                self.weight,
                self.bias,
                use_batch,
                factor,
                self.eps,
            ),
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of ``(B, C)`` or ``(B, C, L)`` per channel."""

    dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of ``(B, C, H, W)`` per channel.

    Parameters
    ----------
    num_features : int
        The channels ``C``.
    eps : float
        Added to the variance.
    momentum : float or None
        How far the running statistics move towards each batch's (None: a cumulative average).
    affine : bool
        Whether to learn ``weight`` (1) and ``bias`` (0) per channel.
    track_running_stats : bool
        Whether to keep running statistics (else batch statistics are used in eval mode too).
    dtype : numpy dtype
        Of the affine parameters and the running statistics alike (float64 unless given).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> bn = nn.BatchNorm2d(3)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    >>> _ = bn(mg.tensor(np.ones((2, 3, 4, 4))))
    >>> bn.running_mean, int(bn.num_batches_tracked.item())
    (tensor([0.1, 0.1, 0.1]), 1)
    """

    dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalization of ``(B, C, D, H, W)`` per channel."""

    dims = (5,)


class LayerNorm(Module):
    """Normalize over the trailing ``normalized_shape`` dimensions, with an elementwise ``weight``
    (1) and ``bias`` (0).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.LayerNorm(2, eps=0.0)(mg.tensor([[1.0, 3.0]]))
    tensor([[-1.,  1.]], op=add)
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        shape = (
            (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        )
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        self.weight = Parameter(np.ones(shape), dtype=dtype) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape), dtype=dtype) if elementwise_affine and bias else None

    def forward(self, x: Tensor) -> Tensor:
        """``x`` normalized over its trailing dimensions."""
        return functional.layer_norm(  # type: ignore[no-any-return]
            x, self.normalized_shape, self.weight, self.bias, self.eps
        )

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class GroupNorm(Module):
    """Normalize ``(B, C, *)`` over groups of channels, with a per-channel ``weight`` (1) and
    ``bias`` (0).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.GroupNorm(2, 4)(mg.tensor(np.ones((1, 4, 3)))).shape
    (1, 4, 3)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        _check_divisible("GroupNorm", "num_channels", num_channels, "num_groups", num_groups)
        self.num_groups, self.num_channels, self.eps, self.affine = (
            num_groups,
            num_channels,
            eps,
            affine,
        )
        self.weight = Parameter(np.ones(num_channels), dtype=dtype) if affine else None
        self.bias = Parameter(np.zeros(num_channels), dtype=dtype) if affine else None

    def forward(self, x: Tensor) -> Tensor:
        """``x`` normalized per group."""
        return functional.group_norm(  # type: ignore[no-any-return]
            x, self.num_groups, self.weight, self.bias, self.eps
        )

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
