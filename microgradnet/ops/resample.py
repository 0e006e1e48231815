"""Resampling composed from indexing and arithmetic: `interpolate`, `pixel_shuffle` and
`pixel_unshuffle`.

Interpolation works one spatial axis at a time. Nearest gathers one source index per output
position; linear gathers the two neighbours and mixes them with constant weights, with PyTorch's
source coordinates (``align_corners`` or half-pixel centres, clamped at 0). Both are gathers and
products by constants, so their gradients, of every order, are those of `getitem` and `mul`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import Node
from .errors import DtypeError, OpError
from .indexing import GetItem
from .shape import permute, reshape, shape_of

_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}


def _along(x: Any, axis: int, index: np.ndarray) -> Any:
    """``x`` indexed by ``index`` along ``axis`` (an integer array: repeats add gradients)."""
    return GetItem((slice(None),) * axis + (index,), True)(x)


def _sizes(
    op: str, shape: tuple[int, ...], size: Any, scale_factor: Any, recompute: bool | None
) -> tuple[tuple[int, ...], list[float | None]]:
    """The output size and, per axis, the scale PyTorch's source coordinates use (None: the
    ratio of input to output size)."""
    n = len(shape) - 2
    if (size is None) == (scale_factor is None):
        raise OpError(f"{op}: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * n if isinstance(size, int) else tuple(size)
        if len(sizes) != n:
            raise OpError(f"{op}: size {size} must have {n} entries for input of shape {shape}")
        return tuple(int(s) for s in sizes), [None] * n
    factors = (scale_factor,) * n if isinstance(scale_factor, int | float) else tuple(scale_factor)
    if len(factors) != n:
        raise OpError(
            f"{op}: scale_factor {scale_factor} must have {n} entries for input of shape {shape}"
        )
    out = tuple(math.floor(m * float(f)) for m, f in zip(shape[2:], factors))
    scales = [None if recompute else 1.0 / float(f) for f in factors]
    return out, scales


def _positions(
    m: int, o: int, scale: float | None, align_corners: bool | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of ``o`` output positions of a linear resize of a dim of ``m``: the two source
    neighbours and the weight of the upper one (PyTorch's source coordinates)."""
    dst = np.arange(o, dtype=np.float64)
    if align_corners:
        pos = dst * ((m - 1) / (o - 1) if o > 1 else 0.0)
    else:
        step = m / o if scale is None else scale
        pos = np.maximum((dst + 0.5) * step - 0.5, 0.0)
    lo = np.minimum(np.floor(pos).astype(np.int64), m - 1)
    return lo, np.minimum(lo + 1, m - 1), pos - lo


def _fixed_point(weights: np.ndarray) -> tuple[np.ndarray, int]:
    """``weights`` as integers of ``2 ** bits``-ths, with the most bits that keep the largest
    below ``2 ** 15`` (PyTorch's int16 weights for uint8 images; halves round away from 0)."""
    bits = 0
    while bits < 22 and int(0.5 + weights.max() * (1 << (bits + 1))) < (1 << 15):
        bits += 1
    scaled = weights * (1 << bits)
    return np.trunc(scaled + np.where(scaled < 0, -0.5, 0.5)).astype(np.int64), bits


def _bilinear_uint8(
    x: np.ndarray, out: tuple[int, ...], scales: list[float | None], align_corners: bool | None
) -> np.ndarray:
    """PyTorch's bilinear resize of a uint8 image, exactly: the last axis first, then the other,
    each with fixed-point weights and the result rounded to the nearest integer in [0, 255]."""
    y = x.astype(np.int64)
    for axis in (3, 2):
        lo, hi, frac = _positions(x.shape[axis], out[axis - 2], scales[axis - 2], align_corners)
        w, bits = _fixed_point(np.stack([1 - frac, frac]))
        shape = (-1,) + (1,) * (3 - axis)
        y = np.take(y, lo, axis) * w[0].reshape(shape) + np.take(y, hi, axis) * w[1].reshape(shape)
        y = np.clip((y + (1 << (bits - 1))) >> bits, 0, 255)
    return y.astype(np.uint8)


def interpolate(
    input: Any,  # noqa: A002 - PyTorch's name
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
) -> Any:
    """Resize ``(B, C, *size)`` to ``size`` (or by ``scale_factor``) with ``mode`` ``"nearest"``,
    ``"nearest-exact"``, ``"linear"`` (3-d input), ``"bilinear"`` (4-d) or ``"trilinear"``
    (5-d), as PyTorch does.

    ``"nearest"`` copies source element ``floor(i * scale)``, ``"nearest-exact"`` the one whose
    centre is nearest, ``floor((i + 0.5) * scale)``. The linear modes need a floating-point input,
    except bilinear, which also resizes uint8 images with PyTorch's fixed-point arithmetic (no
    gradient).

    Examples
    --------
    >>> interpolate(np.array([[[0.0, 1.0]]]), size=4, mode="linear", align_corners=True)
    array([[[0.        , 0.33333333, 0.66666667, 1.        ]]])
    """
    op = "interpolate"
    shape = shape_of(input)
    if len(shape) < 3:
        raise OpError(f"{op}: expected (B, C, *size), not shape {shape}")
    n = len(shape) - 2
    if mode in ("nearest", "nearest-exact"):
        if align_corners is not None:
            raise OpError(f"{op}: align_corners only goes with the linear modes, not {mode!r}")
    elif mode in _LINEAR:
        if _LINEAR[mode] != n:
            raise OpError(
                f"{op}: mode {mode!r} needs a {_LINEAR[mode] + 2}-d input, not shape {shape}"
            )
    else:
        raise OpError(
            f"{op}: mode must be 'nearest', 'nearest-exact', 'linear', 'bilinear' or "
            f"'trilinear', not {mode!r}"
        )
    out, scales = _sizes(op, shape, size, scale_factor, recompute_scale_factor)
    if min(out) < 1:
        raise OpError(f"{op}: output size {out} must be positive")
    raw = input.data if isinstance(input, Node) else np.asarray(input)
    dtype = raw.dtype
    if mode in _LINEAR and dtype.kind != "f":
        if mode != "bilinear" or dtype != np.uint8:
            raise DtypeError(
                f"{op}: mode {mode!r} needs a floating-point input (or uint8 for 'bilinear'), "
                f"not {dtype}"
            )
        result = _bilinear_uint8(raw, out, scales, align_corners)
        return type(input)._wrap(result) if isinstance(input, Node) else result
    x = input
    for axis in range(n):
        m, o, scale = shape[2 + axis], out[axis], scales[axis]
        if mode != "nearest" and mode != "nearest-exact":
            lo, hi, pos = _positions(m, o, scale, align_corners)
            frac = pos.reshape((-1,) + (1,) * (n - 1 - axis)).astype(dtype)
            x = _along(x, 2 + axis, lo) * (1 - frac) + _along(x, 2 + axis, hi) * frac
            continue
        # PyTorch computes the source index in float32.
        ratio = np.float32(m / o if scale is None else scale)
        dst = np.arange(o, dtype=np.float32) + np.float32(0.5 if mode == "nearest-exact" else 0)
        src = np.floor(dst * ratio).astype(np.int64)
        x = _along(x, 2 + axis, np.minimum(src, m - 1))
    return x


def pixel_shuffle(input: Any, upscale_factor: int) -> Any:  # noqa: A002 - PyTorch's name
    """``(*, C * r * r, H, W)`` to ``(*, C, H * r, W * r)``, ``r`` the ``upscale_factor``.

    Examples
    --------
    >>> pixel_shuffle(np.arange(4.0).reshape(1, 4, 1, 1), 2)[0, 0]
    array([[0., 1.],
           [2., 3.]])
    """
    shape = shape_of(input)
    r = int(upscale_factor)
    if len(shape) < 3 or r < 1 or shape[-3] % (r * r):
        raise OpError(
            f"pixel_shuffle: input of shape {shape} needs at least 3 dimensions and "
            f"channels divisible by upscale_factor**2 = {r * r}"
        )
    lead, (c, h, w) = shape[:-3], shape[-3:]
    k = len(lead)
    x = reshape(input, (*lead, c // (r * r), r, r, h, w))
    x = permute(x, (*range(k), k, k + 3, k + 1, k + 4, k + 2))
    return reshape(x, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Any, downscale_factor: int) -> Any:  # noqa: A002 - PyTorch's name
    """The inverse of `pixel_shuffle`: ``(*, C, H * r, W * r)`` to ``(*, C * r * r, H, W)``.

    Examples
    --------
    >>> pixel_unshuffle(np.arange(4.0).reshape(1, 1, 2, 2), 2).ravel()
    array([0., 1., 2., 3.])
    """
    shape = shape_of(input)
    r = int(downscale_factor)
    if len(shape) < 3 or r < 1 or shape[-1] % r or shape[-2] % r:
        raise OpError(
            f"pixel_unshuffle: input of shape {shape} needs at least 3 dimensions "
            f"and height and width divisible by downscale_factor = {r}"
        )
    lead, (c, h, w) = shape[:-3], shape[-3:]
    k = len(lead)
    x = reshape(input, (*lead, c, h // r, r, w // r, r))
    x = permute(x, (*range(k), k, k + 2, k + 4, k + 1, k + 3))
    return reshape(x, (*lead, c * r * r, h // r, w // r))
