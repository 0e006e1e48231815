"""Convolution in any number of spatial dimensions, and its two adjoints.

One convolution ``y = conv(x, w)`` is the trilinear form ``T(x, w, g) = sum g[b, o, P] *
w[o, c, K] * x_padded[b, c, P * stride + K * dilation]`` differentiated by ``g``; differentiated
by ``x`` it is the transposed convolution (`ConvTranspose`), by ``w`` the weight correlation
(`ConvWeight`). Each of the three ops' rules is one of the other two (or itself), so every order
of derivative comes from these three forwards.

The forwards are im2col: the padded input viewed as sliding windows
(``numpy.lib.stride_tricks.sliding_window_view``), copied once into columns, and one batched
matrix product per call. The transposed convolution adds the columns back into place with one
strided addition per kernel offset (9 for a 3x3 kernel), never a loop over pixels. Groups split
the channels into a leading batch axis of the products.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .base import Op
from .errors import OpError
from .shape import shape_of

Pairs = tuple[tuple[int, int], ...]
#: One int for every spatial axis, or one per axis.
Ints = int | tuple[int, ...]


@dataclass(frozen=True)
class ConvGeometry:
    """How a kernel slides: per spatial axis the stride, the zero padding before and after, and
    the dilation; and the number of channel groups."""

    stride: tuple[int, ...]
    padding: Pairs
    dilation: tuple[int, ...]
    groups: int

    def __str__(self) -> str:
        pad = [lo if lo == hi else (lo, hi) for lo, hi in self.padding]
        return (
            f"stride={self.stride}, padding={tuple(pad)}, dilation={self.dilation}, "
            f"groups={self.groups}"
        )


def output_size(size: int, kernel: int, stride: int, pad: tuple[int, int], dilation: int) -> int:
    """The number of kernel positions along one axis (0 or less when the kernel does not fit)."""
    return (size + pad[0] + pad[1] - dilation * (kernel - 1) - 1) // stride + 1


def _pad(x: np.ndarray, padding: Pairs, value: float = 0.0) -> np.ndarray:
    if not any(lo or hi for lo, hi in padding):
        return x
    return np.pad(x, ((0, 0), (0, 0), *padding), constant_values=value)


def windows(
    xp: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> np.ndarray:
    """A view of the (padded) ``xp`` of shape ``(B, C, *out, *kernel)``: every window the kernel
    covers, with its dilation, at every stride."""
    n = len(kernel)
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    view = sliding_window_view(xp, extent, axis=tuple(range(2, 2 + n)))
    index = (
        (slice(None),) * 2
        + tuple(slice(None, None, s) for s in stride)
        + tuple(slice(None, None, d) for d in dilation)
    )
    return view[index]


def _columns(
    x: np.ndarray, kernel: tuple[int, ...], geo: ConvGeometry, out: tuple[int, ...]
) -> np.ndarray:
    """im2col: ``(B, groups, C/groups * prod(kernel), prod(out))``, one copy of the first
    ``out`` windows along each axis."""
    win = windows(_pad(x, geo.padding), kernel, geo.stride, geo.dilation)
    b, c = win.shape[:2]
    n = len(kernel)
    win = win[(slice(None), slice(None), *(slice(o) for o in out))]
    win = win.reshape(b, geo.groups, c // geo.groups, *out, *kernel)
    # (B, g, cg, *out, *kernel) -> (B, g, cg, *kernel, *out)
    perm = (0, 1, 2, *range(3 + n, 3 + 2 * n), *range(3, 3 + n))
    return win.transpose(perm).reshape(b, geo.groups, -1, math.prod(out))


def _grouped(w: np.ndarray, groups: int) -> np.ndarray:
    """A weight ``(C_out, C_in/groups, *kernel)`` as ``(groups, C_out/groups, rest)``."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def convolve(
    x: np.ndarray, w: np.ndarray, geo: ConvGeometry, size: tuple[int, ...] | None = None
) -> np.ndarray:
    """``y[b, o, P] = sum w[o, c, K] * x_padded[b, c, P * stride + K * dilation]`` for every
    position ``P`` where the kernel fits, or the first ``size`` of them."""
    kernel = w.shape[2:]
    out = size or tuple(
        output_size(n, k, s, p, d)
        for n, k, s, p, d in zip(x.shape[2:], kernel, geo.stride, geo.padding, geo.dilation)
    )
    cols = _columns(x, kernel, geo, out)
    y = np.matmul(_grouped(w, geo.groups), cols)  # (B, g, C_out/g, prod(out))
    result: np.ndarray = y.reshape(x.shape[0], w.shape[0], *out)
    return result


def convolve_transpose(
    g: np.ndarray, w: np.ndarray, geo: ConvGeometry, size: tuple[int, ...]
) -> np.ndarray:
    """The adjoint of `convolve` in ``x``: ``g`` (shaped like a convolution's output) spread back
    through ``w`` onto an input of spatial ``size``."""
    b = g.shape[0]
    kernel = w.shape[2:]
    groups = geo.groups
    out = g.shape[2:]
    wg = _grouped(w, groups)  # (g, C_out/g, cg * prod(K))
    gg = g.reshape(b, groups, g.shape[1] // groups, math.prod(out))
    cols = np.matmul(wg.transpose(0, 2, 1), gg)  # (B, g, cg * prod(K), prod(out))
    channels = w.shape[1] * groups
    return spread(cols.reshape(b, channels, *kernel, *out), geo, size)


def spread(cols: np.ndarray, geo: ConvGeometry, size: tuple[int, ...]) -> np.ndarray:
    """The adjoint of `windows`: columns ``(B, C, *kernel, *out)`` added back into place on an
    input of spatial ``size`` (the padding cut off), one strided addition per kernel offset."""
    n = len(size)
    kernel, out = cols.shape[2 : 2 + n], cols.shape[2 + n :]
    padded = tuple(m + lo + hi for m, (lo, hi) in zip(size, geo.padding))
    xp = np.zeros((*cols.shape[:2], *padded), dtype=cols.dtype)
    every = (slice(None), slice(None))
    for offset in np.ndindex(*kernel):
        target = tuple(
            slice(k * d, k * d + s * (o - 1) + 1, s)
            for k, d, s, o in zip(offset, geo.dilation, geo.stride, out)
        )
        xp[(*every, *target)] += cols[(*every, *offset)]
    return xp[(*every, *(slice(lo, lo + m) for m, (lo, _) in zip(size, geo.padding)))]


def convolve_weight(
    x: np.ndarray, g: np.ndarray, geo: ConvGeometry, kernel: tuple[int, ...]
) -> np.ndarray:
    """The adjoint of `convolve` in ``w``: ``sum over b, P of g[b, o, P] * x_padded[b, c, P *
    stride + K * dilation]``, shaped ``(C_out, C_in/groups, *kernel)``."""
    cols = _columns(x, kernel, geo, g.shape[2:])  # (B, g, cg * prod(K), prod(out))
    b, groups = g.shape[0], geo.groups
    gg = g.reshape(b, groups, g.shape[1] // groups, -1)
    dw = np.matmul(gg, cols.swapaxes(-1, -2)).sum(axis=0)  # (g, C_out/g, cg * prod(K))
    out: np.ndarray = dw.reshape(g.shape[1], x.shape[1] // groups, *kernel)
    return out


#: The function that computes each role of ``T(x, w, g)`` from the other two.
_FORWARD: dict[str, Callable[..., np.ndarray]] = {
    "g": convolve,
    "x": convolve_transpose,
    "w": convolve_weight,
}


class Convolution(Op, params=("geometry", "size")):
    """One of the three ops of `T(x, w, g)` (see the module docstring): it computes one of
    ``x``, ``w`` and ``g`` from the other two, its inputs in the order ``roles`` names, with a
    result of spatial ``size`` (None: the natural one). Its rule (`adjoint_rule`) is the same
    for all three: the gradient for the input of role ``r`` is the op computing ``r``, given
    the other input and the incoming gradient in place of this op's result.
    """

    geometry: ConvGeometry
    size: tuple[int, ...] | None
    roles: ClassVar[str]

    def __init__(self, geometry: ConvGeometry, size: Sequence[int] | None = None) -> None:
        super().__init__(geometry, None if size is None else tuple(size))

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return _FORWARD[self.result](a, b, self.geometry, self.size)

    @property
    def result(self) -> str:
        """The role this op computes: the one of ``x``, ``w``, ``g`` not among its inputs."""
        return next(r for r in "xwg" if r not in self.roles)

    def adjoint_rule(self, g: Any) -> tuple[Any, ...]:
        """The gradients of the two inputs, each computed by the op of its role."""
        values = dict(zip(self.roles, self.inputs), **{self.result: g})
        grads: list[Any] = []
        for role, parent in zip(self.roles, self.parents):
            op = _COMPUTING[role](self.geometry, parent.shape[2:])
            grads.append(op(*[values[r] for r in op.roles]) if parent.requires_grad else None)
        return tuple(grads)

    def extra_repr(self) -> str:
        label = {"g": "", "x": "size", "w": "kernel"}[self.result]
        return f"{self.geometry}, {label}={self.size}" if label else str(self.geometry)


class Conv(Convolution):
    """``conv(x, w)``: the cross-correlation of deep-learning libraries, without bias; as the
    adjoint of the other two, cut to the ``size`` of the gradient it stands for (an input
    ``output_padding`` made longer than the kernel positions)."""

    name = "conv"
    roles = "xw"
    backward = Convolution.adjoint_rule


class ConvTranspose(Convolution):
    """``conv_transpose(g, w)``: the gradient of `Conv` in its input, onto spatial ``size``."""

    name = "conv_transpose"
    roles = "gw"
    backward = Convolution.adjoint_rule


class ConvWeight(Convolution):
    """``conv_weight(x, g)``: the gradient of `Conv` in its weight, of spatial ``size`` (the
    kernel's)."""

    name = "conv_weight"
    roles = "xg"
    backward = Convolution.adjoint_rule


#: The op that computes each role.
_COMPUTING: dict[str, type[Convolution]] = {"g": Conv, "x": ConvTranspose, "w": ConvWeight}


# ------------------------------------------------------------------------------ public functions


def _tuple(value: int | tuple[int, ...], n: int, what: str, op: str) -> tuple[int, ...]:
    """``value`` as ``n`` ints (one int is repeated), or an error naming the operation."""
    if isinstance(value, int | np.integer):
        return (int(value),) * n
    out = tuple(int(v) for v in value)
    if len(out) != n:
        raise OpError(f"{op}: {what} {value} must have {n} entries for {n} spatial dimensions")
    return out


def geometry(
    op: str, kernel: tuple[int, ...], stride: Ints, padding: Ints | str, dilation: Ints, groups: int
) -> ConvGeometry:
    """Check and normalise a convolution's arguments (PyTorch's, ``"same"`` and ``"valid"``
    included) for a kernel of spatial shape ``kernel``."""
    n = len(kernel)
    strides = _tuple(stride, n, "stride", op)
    dilations = _tuple(dilation, n, "dilation", op)
    if any(s < 1 for s in strides) or any(d < 1 for d in dilations):
        raise OpError(f"{op}: stride {strides} and dilation {dilations} must be positive")
    if isinstance(padding, str):
        if padding == "valid":
            pads: Pairs = ((0, 0),) * n
        elif padding == "same":
            if any(s != 1 for s in strides):
                raise OpError(f"{op}: padding='same' needs stride 1, not {strides}")
            totals = [d * (k - 1) for k, d in zip(kernel, dilations)]
            pads = tuple((t // 2, t - t // 2) for t in totals)  # the odd one after, as PyTorch
        else:
            raise OpError(
                f"{op}: padding must be a number, a tuple, 'same' or 'valid', not {padding!r}"
            )
    else:
        pads = tuple((p, p) for p in _tuple(padding, n, "padding", op))
        if any(p < 0 for p, _ in pads):
            raise OpError(f"{op}: padding {padding} must not be negative")
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise OpError(f"{op}: groups must be a positive integer, not {groups!r}")
    return ConvGeometry(strides, pads, dilations, int(groups))


def conv(
    input: Any,  # noqa: A002 - PyTorch's name
    weight: Any,
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] | str = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
) -> Any:
    """The N-d convolution (cross-correlation) of ``input`` ``(B, C_in, *size)`` with ``weight``
    ``(C_out, C_in/groups, *kernel)``, without bias; N is ``weight.ndim - 2``.

    Examples
    --------
    >>> x = np.arange(5.0).reshape(1, 1, 5)
    >>> conv(x, np.ones((1, 1, 2)), padding=1)
    array([[[0., 1., 3., 5., 7., 4.]]])
    """
    op = f"conv{len(shape_of(weight)) - 2}d"
    xs, ws = shape_of(input), shape_of(weight)
    n = len(ws) - 2
    if n < 1 or len(xs) != n + 2:
        raise OpError(
            f"{op}: input of shape {xs} and weight of shape {ws} do not fit: they "
            "must be (B, C_in, *size) and (C_out, C_in/groups, *kernel)"
        )
    geo = geometry(op, ws[2:], stride, padding, dilation, groups)
    if xs[1] != ws[1] * geo.groups or ws[0] % geo.groups:
        raise OpError(
            f"{op}: input of shape {xs} has {xs[1]} channels; weight of shape {ws} with "
            f"groups={geo.groups} expects {ws[1] * geo.groups}, and C_out={ws[0]} must divide by "
            "groups"
        )
    for size, k, s, p, d in zip(xs[2:], ws[2:], geo.stride, geo.padding, geo.dilation):
        if output_size(size, k, s, p, d) < 1:
            raise OpError(
                f"{op}: kernel {ws[2:]} (dilation {geo.dilation}) is larger than "
                f"the padded input {xs} (padding {geo.padding})"
            )
    return Conv(geo)(input, weight)


def conv_transpose(
    input: Any,  # noqa: A002 - PyTorch's name
    weight: Any,
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] = 0,
    output_padding: int | tuple[int, ...] = 0,
    groups: int = 1,
    dilation: int | tuple[int, ...] = 1,
) -> Any:
    """The N-d transposed convolution of ``input`` ``(B, C_in, *size)`` with ``weight`` ``(C_in,
    C_out/groups, *kernel)``, without bias: the gradient of `conv` in its input.

    Each output size is ``(size - 1) * stride - 2 * padding + dilation * (kernel - 1) +
    output_padding + 1``.

    Examples
    --------
    >>> conv_transpose(np.ones((1, 1, 2)), np.ones((1, 1, 2)), stride=2)
    array([[[1., 1., 1., 1.]]])
    """
    xs, ws = shape_of(input), shape_of(weight)
    n = len(ws) - 2
    op = f"conv_transpose{n}d"
    if n < 1 or len(xs) != n + 2:
        raise OpError(
            f"{op}: input of shape {xs} and weight of shape {ws} do not fit: they "
            "must be (B, C_in, *size) and (C_in, C_out/groups, *kernel)"
        )
    if isinstance(padding, str):
        raise OpError(f"{op}: padding must be numbers, not {padding!r}")
    geo = geometry(op, ws[2:], stride, padding, dilation, groups)
    extra = _tuple(output_padding, n, "output_padding", op)
    if any(not 0 <= e < max(s, d) for e, s, d in zip(extra, geo.stride, geo.dilation)):
        raise OpError(
            f"{op}: output_padding {extra} must be smaller than stride "
            f"{geo.stride} or dilation {geo.dilation}"
        )
    if xs[1] != ws[0] or ws[0] % geo.groups:
        raise OpError(
            f"{op}: input of shape {xs} has {xs[1]} channels; weight of shape {ws} "
            f"expects {ws[0]} (divisible by groups={geo.groups})"
        )
    size = tuple(
        (m - 1) * s - lo - hi + d * (k - 1) + e + 1
        for m, s, (lo, hi), d, k, e in zip(
            xs[2:], geo.stride, geo.padding, geo.dilation, ws[2:], extra
        )
    )
    if any(m < 1 for m in size):
        raise OpError(
            f"{op}: input of shape {xs} with padding {padding} gives an empty output {size}"
        )
    return ConvTranspose(geo, size)(input, weight)
