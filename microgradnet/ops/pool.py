"""Pooling over sliding windows: max, average (a window sum over a divisor) and adaptive.

`WindowSum` sums each window of a padded input; its adjoint `WindowSpread` adds a value back onto
every element of its window; each is the other's rule. Max pooling picks, per window, the index
of its first largest element (PyTorch's choice among ties) and gathers those elements with
`GetItem`, so the gradient goes to the picked element alone and differentiates again as indexing
does. Windows are numpy views (`windows`), never a loop over pixels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .base import Op
from .conv import ConvGeometry, Ints, _tuple, spread, windows
from .errors import OpError
from .indexing import GetItem, Scatter
from .shape import raw_array, reshape, shape_of


class WindowSum(Op):
    """The sum of each window of ``kernel`` over the zero-padded input."""

    __slots__ = ("geometry", "kernel")
    name = "window_sum"

    def __init__(self, geometry: ConvGeometry, kernel: tuple[int, ...]) -> None:
        self.geometry = geometry
        self.kernel = kernel

    def forward(self, x: np.ndarray) -> np.ndarray:
        geo = self.geometry
        padded = np.pad(x, ((0, 0), (0, 0), *geo.padding)) if any(map(any, geo.padding)) else x
        win = windows(padded, self.kernel, geo.stride, geo.dilation)
        n = len(self.kernel)
        return win.sum(axis=tuple(range(-n, 0)))  # type: ignore[no-any-return]

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (WindowSpread(self.geometry, self.kernel, self.parents[0].shape[2:])(g),)

    def extra_repr(self) -> str:
        return f"kernel={self.kernel}, {self.geometry}"


class WindowSpread(Op):
    """Each value added onto every element of its window: the adjoint of `WindowSum`."""

    __slots__ = ("geometry", "kernel", "size")
    name = "window_spread"

    def __init__(
        self, geometry: ConvGeometry, kernel: tuple[int, ...], size: tuple[int, ...]
    ) -> None:
        self.geometry = geometry
        self.kernel = kernel
        self.size = tuple(size)

    def forward(self, g: np.ndarray) -> np.ndarray:
        n = len(self.kernel)
        lead = g.shape[:2]
        cols = np.broadcast_to(
            g.reshape(*lead, *(1,) * n, *g.shape[2:]), (*lead, *self.kernel, *g.shape[2:])
        )
        return spread(cols, self.geometry, self.size)

    def backward(self, h: Any) -> tuple[Any, ...]:
        return (WindowSum(self.geometry, self.kernel)(h),)

    def extra_repr(self) -> str:
        return f"kernel={self.kernel}, {self.geometry}, size={self.size}"


def pool_geometry(
    op: str,
    size: tuple[int, ...],
    kernel_size: Ints,
    stride: Ints | None,
    padding: Ints,
    dilation: Ints,
    ceil_mode: bool,
) -> tuple[ConvGeometry, tuple[int, ...], tuple[int, ...]]:
    """The geometry (with the extra padding after that ``ceil_mode`` needs), the kernel and the
    output size of a pooling over spatial ``size``, with PyTorch's checks and rules."""
    n = len(size)
    kernel = _tuple(kernel_size, n, "kernel_size", op)
    strides = kernel if stride is None or stride == () else _tuple(stride, n, "stride", op)
    pads = _tuple(padding, n, "padding", op)
    dilations = _tuple(dilation, n, "dilation", op)
    if min(kernel + strides + dilations) < 1 or min(pads) < 0:
        raise OpError(
            f"{op}: kernel {kernel}, stride {strides} and dilation {dilations} "
            f"must be positive and padding {pads} not negative"
        )
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise OpError(f"{op}: padding {pads} must be at most half the kernel {kernel}")
    out = []
    pairs = []
    for m, k, s, p, d in zip(size, kernel, strides, pads, dilations):
        span = m + 2 * p - d * (k - 1) - 1
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= m + p:  # the last window must start inside the input
            o -= 1
        if o < 1:
            raise OpError(
                f"{op}: kernel {kernel} (dilation {dilations}, padding {pads}) does "
                f"not fit an input of spatial size {size}"
            )
        out.append(o)
        pairs.append((p, max(p, (o - 1) * s + d * (k - 1) + 1 - m - p)))
    return ConvGeometry(strides, tuple(pairs), dilations, 1), kernel, tuple(out)


def _batched(x: Any, n: int, op: str) -> tuple[Any, bool]:
    """``x`` with a batch axis (added when it is missing), and whether it was added."""
    shape = shape_of(x)
    if len(shape) == n + 1:
        return reshape(x, (1, *shape)), True
    if len(shape) != n + 2:
        raise OpError(
            f"{op}: expected an input of {n + 1} or {n + 2} dimensions "
            f"((C, *size) or (B, C, *size)), not shape {shape}"
        )
    return x, False


def _unbatched(x: Any, added: bool) -> Any:
    return reshape(x, shape_of(x)[1:]) if added else x


def gather_flat(x: Any, flat: np.ndarray, repeats: bool) -> Any:
    """``x.reshape(-1)[flat]``: the elements at flat indices, shaped like ``flat``."""
    size = math.prod(shape_of(x))
    return GetItem((flat,), repeats)(reshape(x, (size,)))


def max_pool(
    x: Any,
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] | None = None,
    padding: int | tuple[int, ...] = 0,
    dilation: int | tuple[int, ...] = 1,
    ceil_mode: bool = False,
    n: int = 2,
) -> tuple[Any, np.ndarray]:
    """N-d max pooling of ``(B, C, *size)`` or ``(C, *size)``; returns the maxima and, per
    element, the flat index of the picked element within its ``(b, c)`` plane (PyTorch's
    ``return_indices``).

    Examples
    --------
    >>> out, idx = max_pool(np.array([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2, n=1)
    >>> out, idx
    (array([[[3., 2.]]]), array([[[1, 2]]]))
    """
    op = f"max_pool{n}d"
    x, added = _batched(x, n, op)
    data = raw_array(x)
    shape = data.shape
    geo, kernel, out = pool_geometry(
        op, shape[2:], kernel_size, stride, padding, dilation, ceil_mode
    )
    low = -np.inf if np.issubdtype(data.dtype, np.floating) else np.iinfo(data.dtype).min
    padded = np.pad(data, ((0, 0), (0, 0), *geo.padding), constant_values=low)
    win = windows(padded, kernel, geo.stride, geo.dilation)
    pick = win.reshape(*win.shape[: 2 + n], -1).argmax(axis=-1)
    offsets = np.unravel_index(pick, kernel)
    plane = np.zeros(pick.shape, dtype=np.int64)
    for axis in range(n):
        start = np.arange(out[axis]) * geo.stride[axis] - geo.padding[axis][0]
        start = start.reshape((-1,) + (1,) * (n - 1 - axis))
        plane = plane * shape[2 + axis] + start + offsets[axis] * geo.dilation[axis]
    base = np.arange(shape[0] * shape[1], dtype=np.int64).reshape(shape[0], shape[1], *(1,) * n)
    flat = base * math.prod(shape[2:]) + plane
    overlap = any(s < d * (k - 1) + 1 for s, d, k in zip(geo.stride, geo.dilation, kernel))
    values = gather_flat(x, flat, overlap)
    return _unbatched(values, added), (plane[0] if added else plane)


def max_unpool(
    x: Any,
    indices: Any,
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] | None = None,
    padding: int | tuple[int, ...] = 0,
    output_size: Any = None,
    n: int = 2,
) -> Any:
    """The inverse of `max_pool` with its indices: zeros of the pooled input's size (or
    ``output_size``, whose last ``n`` entries count) with each value of ``x`` written at its flat
    ``indices`` within its ``(b, c)`` plane; the gradient of each value is the output's gradient
    there (also for two values written to one place, as by overlapping windows: PyTorch's rule,
    as `scatter`'s).

    Examples
    --------
    >>> max_unpool(np.array([[[3.0, 2.0]]]), np.array([[[1, 2]]]), 2, n=1)
    array([[[0., 3., 2., 0.]]])
    """
    op = f"max_unpool{n}d"
    x, added = _batched(x, n, op)
    shape = shape_of(x)
    index = raw_array(indices)
    if index.shape != (shape[1:] if added else shape):
        raise OpError(f"{op}: indices of shape {index.shape} must match the input {shape}")
    index = index.reshape(shape)
    kernel = _tuple(kernel_size, n, "kernel_size", op)
    strides = kernel if stride is None or stride == () else _tuple(stride, n, "stride", op)
    pads = _tuple(padding, n, "padding", op)
    size = tuple((m - 1) * s - 2 * p + k for m, s, p, k in zip(shape[2:], strides, pads, kernel))
    if output_size is not None:  # within a stride of the default, as PyTorch requires
        asked = tuple(int(m) for m in tuple(output_size)[-n:])
        if len(asked) != n or any(not d - s < a < d + s for a, d, s in zip(asked, size, strides)):
            raise OpError(
                f"{op}: output_size {output_size} must end in {n} sizes each less than a "
                f"stride {strides} from {size}"
            )
        size = asked
    plane = math.prod(size)
    if index.size and (index.min() < 0 or index.max() >= plane):
        raise OpError(f"{op}: an index is outside the output's spatial size {size}")
    b, c = shape[:2]
    full = (
        np.arange(b).reshape(b, 1, 1),
        np.arange(c).reshape(1, c, 1),
        index.reshape(b, c, -1).astype(np.int64),
    )
    zeros = np.zeros((b, c, plane), dtype=raw_array(x).dtype)
    out = Scatter(full)(zeros, reshape(x, (b, c, -1)))
    return _unbatched(reshape(out, (b, c, *size)), added)


def avg_pool(
    x: Any,
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] | None = None,
    padding: int | tuple[int, ...] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    n: int = 2,
) -> Any:
    """N-d average pooling of ``(B, C, *size)`` or ``(C, *size)``: each window's sum over its
    divisor, PyTorch's (the window cut to the padded input, or to the input alone without
    ``count_include_pad``; ``divisor_override`` when given).

    Examples
    --------
    >>> avg_pool(np.array([[[1.0, 3.0, 2.0]]]), 2, padding=1, count_include_pad=False, n=1)
    array([[[1. , 2.5]]])
    """
    op = f"avg_pool{n}d"
    x, added = _batched(x, n, op)
    shape = shape_of(x)
    geo, kernel, out = pool_geometry(op, shape[2:], kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        if divisor_override == 0:
            raise OpError(f"{op}: divisor_override must not be 0")
        divisor: Any = float(divisor_override)
    else:
        divisor = np.ones((), dtype=np.float64)
        for axis, (m, k, s, o) in enumerate(zip(shape[2:], kernel, geo.stride, out)):
            p = geo.padding[axis][0]
            start = np.arange(o) * s - p
            end = np.minimum(start + k, m + p)
            if not count_include_pad:
                start, end = np.maximum(start, 0), np.minimum(end, m)
            divisor = np.multiply.outer(divisor, end - start)
    dtype = raw_array(x).dtype
    summed = WindowSum(geo, kernel)(x)
    return _unbatched(summed / np.asarray(divisor, dtype=dtype), added)


def _adaptive_bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive windows: ``[floor(i * size / out), ceil((i + 1) * size / out))``."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _output_size(op: str, shape: tuple[int, ...], output_size: Any, n: int) -> tuple[int, ...]:
    sizes = (output_size,) * n if isinstance(output_size, int | None) else tuple(output_size)
    if len(sizes) != n:
        raise OpError(f"{op}: output_size {output_size} must have {n} entries")
    out = tuple(m if o is None else int(o) for o, m in zip(sizes, shape[2:]))
    if min(out) < 1:
        raise OpError(f"{op}: output_size {output_size} must be positive")
    return out


def adaptive_avg_pool(x: Any, output_size: Any, n: int = 2) -> Any:
    """Average pooling to a given output size, with PyTorch's windows; for each spatial axis a
    constant averaging matrix applied by `matmul` (exactly linear, so every order follows).

    Examples
    --------
    >>> adaptive_avg_pool(np.arange(5.0).reshape(1, 1, 5), 2, n=1)
    array([[[1., 3.]]])
    """
    from .linalg import matmul
    from .shape import permute

    op = f"adaptive_avg_pool{n}d"
    x, added = _batched(x, n, op)
    shape = shape_of(x)
    dtype = raw_array(x).dtype
    out = _output_size(op, shape, output_size, n)
    for axis in range(n):
        m, o = shape[2 + axis], out[axis]
        start, end = _adaptive_bounds(m, o)
        cols = np.arange(m)
        mean = ((cols >= start[:, None]) & (cols < end[:, None])) / (end - start)[:, None]
        last = 2 + n - 1
        perm = list(range(2 + n))
        perm[2 + axis], perm[last] = last, 2 + axis
        moved = permute(x, tuple(perm)) if axis != n - 1 else x
        moved = matmul(moved, mean.T.astype(dtype))
        x = permute(moved, tuple(perm)) if axis != n - 1 else moved
    return _unbatched(x, added)


def adaptive_max_pool(x: Any, output_size: Any, n: int = 2) -> tuple[Any, np.ndarray]:
    """Max pooling to a given output size with PyTorch's windows; returns the maxima and the
    flat index of each within its ``(b, c)`` plane. Windows of unequal length are read through
    index arrays padded by repeating their last element (which cannot change a maximum).

    Examples
    --------
    >>> adaptive_max_pool(np.array([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2, n=1)[0]
    array([[[3., 5.]]])
    """
    op = f"adaptive_max_pool{n}d"
    x, added = _batched(x, n, op)
    data = raw_array(x)
    shape = data.shape
    out = _output_size(op, shape, output_size, n)
    positions = []
    for axis in range(n):
        start, end = _adaptive_bounds(shape[2 + axis], out[axis])
        longest = int((end - start).max())
        idx = np.minimum(start[:, None] + np.arange(longest), end[:, None] - 1)  # (o, L)
        positions.append(idx)
    # Gather (B, C, o_1, ..., o_n, L_1, ..., L_n) windows with broadcast index arrays.
    index: list[Any] = [slice(None), slice(None)]
    for axis, idx in enumerate(positions):
        view = [1] * (2 * n)
        view[axis], view[n + axis] = idx.shape
        index.append(idx.reshape(view))
    win = data[tuple(index)]
    pick = win.reshape(*win.shape[: 2 + n], -1).argmax(axis=-1)
    offsets = np.unravel_index(pick, tuple(p.shape[1] for p in positions))
    plane = np.zeros(pick.shape, dtype=np.int64)
    for axis, idx in enumerate(positions):
        rows = np.arange(out[axis]).reshape((-1,) + (1,) * (n - 1 - axis))
        plane = plane * shape[2 + axis] + idx[rows, offsets[axis]]
    base = np.arange(shape[0] * shape[1], dtype=np.int64).reshape(shape[0], shape[1], *(1,) * n)
    flat = base * math.prod(shape[2:]) + plane
    values = gather_flat(x, flat, True)
    return _unbatched(values, added), (plane[0] if added else plane)
