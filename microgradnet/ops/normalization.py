"""Normalization composed from `mean`, `sqrt` and arithmetic: layer, batch and group norm.

Each centres first and takes the variance of the centred values (two passes, so a large mean
does not cancel the variance away), then divides by ``sqrt(var + eps)``. All of it is made of
ops with their own rules, so gradients of every order are exact; no dedicated rule is needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import Node, no_grad
from .errors import OpError
from .reduce import mean
from .shape import raw_array, reshape, shape_of
from .unary import sqrt


def _standardize(x: Any, axes: tuple[int, ...], eps: float) -> Any:
    """``(x - mean) / sqrt(var + eps)`` over ``axes``, the variance biased (divided by n)."""
    centred = x - mean(x, axes, keepdim=True)
    var = mean(centred * centred, axes, keepdim=True)
    return centred / sqrt(var + eps)


def _affine(y: Any, weight: Any, bias: Any, shape: tuple[int, ...]) -> Any:
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return y


def layer_norm(
    input: Any,  # noqa: A002 - PyTorch's name
    normalized_shape: int | Sequence[int],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Any:
    """Standardize over the trailing ``normalized_shape`` dimensions, then scale by ``weight``
    and shift by ``bias`` (both of that shape, optional).

    Examples
    --------
    >>> layer_norm(np.array([[1.0, 3.0]]), 2, eps=0.0)
    array([[-1.,  1.]])
    """
    norm = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    shape = shape_of(input)
    k = len(norm)
    if k == 0 or shape[len(shape) - k :] != norm or len(shape) < k:
        raise OpError(
            f"layer_norm: normalized_shape {norm} is not the end of the input's shape {shape}"
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and shape_of(p) != norm:
            raise OpError(
                f"layer_norm: {name} of shape {shape_of(p)} must have the normalized_shape {norm}"
            )
    axes = tuple(range(len(shape) - k, len(shape)))
    return _affine(_standardize(input, axes, eps), weight, bias, norm)


def group_norm(
    input: Any,  # noqa: A002 - PyTorch's name
    num_groups: int,
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Any:
    """Standardize ``(B, C, *)`` over each group of ``C / num_groups`` channels (and all positions),
    then apply the per-channel ``weight`` and ``bias``.

    Examples
    --------
    >>> group_norm(np.array([[1.0, 3.0, 5.0, 9.0]]), 2, eps=0.0)
    array([[-1.,  1., -1.,  1.]])
    """
    shape = shape_of(input)
    if len(shape) < 2 or num_groups < 1 or shape[1] % num_groups:
        raise OpError(
            f"group_norm: input of shape {shape} must be (B, C, *) with C "
            f"divisible by num_groups={num_groups}"
        )
    channels = shape[1]
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and shape_of(p) != (channels,):
            raise OpError(f"group_norm: {name} of shape {shape_of(p)} must be ({channels},)")
    grouped = reshape(input, (shape[0], num_groups, -1))
    y = reshape(_standardize(grouped, (2,), eps), shape)
    return _affine(y, weight, bias, (channels,) + (1,) * (len(shape) - 2))


def _update(stat: Any, value: np.ndarray) -> None:
    """Overwrite a running statistic (a `Tensor`, without recording, or an array) in place."""
    if isinstance(stat, Node):
        with no_grad():
            stat.copy_(value.astype(stat.data.dtype))  # type: ignore[attr-defined]
    else:
        stat[...] = value


def batch_norm(
    input: Any,  # noqa: A002 - PyTorch's name
    running_mean: Node | np.ndarray | None,
    running_var: Node | np.ndarray | None,
    weight: Node | np.ndarray | None = None,
    bias: Node | np.ndarray | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Any:
    """Standardize ``(B, C, *)`` per channel over the batch and positions, then apply the
    per-channel ``weight`` and ``bias``.

    When ``training`` (or without running statistics), the batch's own mean and biased
    variance are used, and the running ones, when given, move towards the batch's mean and
    unbiased variance by ``momentum`` (in place). Otherwise the running statistics are used.

    Examples
    --------
    >>> mean_, var_ = np.zeros(1), np.ones(1)
    >>> batch_norm(np.array([[1.0], [3.0]]), mean_, var_, training=True, eps=0.0)
    array([[-1.],
           [ 1.]])
    >>> mean_, var_
    (array([0.2]), array([1.1]))
    """
    shape = shape_of(input)
    if len(shape) < 2:
        raise OpError(f"batch_norm: input of shape {shape} must be (B, C, *)")
    channels = shape[1]
    for name, p in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if p is not None and shape_of(p) != (channels,):
            raise OpError(
                f"batch_norm: {name} of shape {shape_of(p)} must be ({channels},) "
                f"for input of shape {shape}"
            )
    view = (channels,) + (1,) * (len(shape) - 2)
    axes = (0, *range(2, len(shape)))
    if training or running_mean is None or running_var is None:
        count = math.prod(shape[a] for a in axes)
        if training and count <= 1:
            raise OpError(
                f"batch_norm: expected more than 1 value per channel when "
                f"training, got input of shape {shape}"
            )
        y = _standardize(input, axes, eps)
        if training and running_mean is not None and running_var is not None:
            data = raw_array(input)
            batch_mean = data.mean(axis=axes)
            batch_var = data.var(axis=axes) * (count / (count - 1))
            m = momentum
            _update(
                running_mean,
                (1 - m) * raw_array(running_mean) + m * batch_mean,
            )
            _update(
                running_var,
                (1 - m) * raw_array(running_var) + m * batch_var,
            )
    else:
        mu = raw_array(running_mean).reshape(view)
        var = raw_array(running_var).reshape(view)
        dtype = raw_array(input).dtype
        y = (input - mu.astype(dtype)) / np.sqrt(var + eps).astype(dtype)
    return _affine(y, weight, bias, view)
