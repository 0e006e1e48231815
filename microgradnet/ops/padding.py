"""Padding: ``nn.functional.pad`` with PyTorch's four modes.

A constant pad is one op whose adjoint is the opposite pad (a crop where it padded, zeros where
it cropped), so its rule differentiates again. The other modes pick, for each position of the
padded dim, the input element it copies (mirrored, repeated or wrapped around) and index the input
with those positions: `getitem` sends each copy's gradient back to its source, adding up repeats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Op
from .errors import OpError, UnsupportedError
from .indexing import getitem
from .registry import export
from .shape import shape_of

Widths = tuple[tuple[int, int], ...]


class ConstantPad(Op):
    """``value`` added around each dim, ``widths[d] = (before, after)``; negative widths crop."""

    __slots__ = ("widths", "value")
    name = "constant_pad"

    def __init__(self, widths: Widths, value: float = 0.0) -> None:
        self.widths = widths
        self.value = value

    def forward(self, x: np.ndarray) -> np.ndarray:
        crop = tuple(
            slice(-b if b < 0 else 0, n + a if a < 0 else n)
            for (b, a), n in zip(self.widths, x.shape)
        )
        grow = [(b if b > 0 else 0, a if a > 0 else 0) for b, a in self.widths]
        return np.pad(x[crop], grow, constant_values=self.value)

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (ConstantPad(tuple((-b, -a) for b, a in self.widths))(g),)

    def extra_repr(self) -> str:
        return f"widths={self.widths}" + (f", value={self.value}" if self.value else "")


def constant_pad(x: Any, widths: Widths, value: float = 0.0) -> Any:
    """``x`` with ``widths[d] = (before, after)`` elements of ``value`` around each dim ``d``
    (negative widths crop); a no-op when every width is 0."""
    if not np.any(widths):
        return x
    op = ConstantPad(widths, value)
    return op.forward(x) if type(x) is np.ndarray else op(x)


def _source(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each position of a dim of length ``n`` padded by ``(before, after)``, the position of
    the input element it copies.

    A negative width crops. Reflect and replicate copy about the input's own edges, as if they
    padded and then cropped; circular crops first and wraps around what is left (PyTorch's
    conventions, all three)."""
    if mode == "circular":
        lo, kept = max(-before, 0), n + min(before, 0) + min(after, 0)
        return lo + np.arange(-max(before, 0), kept + max(after, 0)) % max(kept, 1)
    p = np.arange(-before, n + after)
    if mode == "reflect":
        period = 2 * (n - 1)
        p = np.abs(p) % period if period else np.zeros_like(p)
        return np.where(p < n, p, period - p)
    return np.clip(p, 0, n - 1)  # replicate


_LIMIT = {"reflect": "less than the dim's length", "circular": "at most what is left of the dim"}


@export(method=False, toplevel=False, functional=True)
def pad(
    input: Any,  # noqa: A002 - PyTorch's name
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> Any:
    """``input`` padded as ``torch.nn.functional.pad``: ``pad`` holds ``(before, after)`` widths
    starting from the LAST dim, ``(left, right, top, bottom, ...)``.

    ``mode`` is ``"constant"`` (``value``, default 0; negative widths crop), ``"reflect"``
    (mirrored about the edge element, widths less than the dim), ``"replicate"`` (the edge
    element repeated) or ``"circular"`` (wrapped around, widths at most the dim). Unlike PyTorch,
    the non-constant modes take inputs of any number of dims.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> pad(x, (2, 1), mode="reflect")
    array([[3., 2., 1., 2., 3., 2.]])
    >>> pad(x, (1, 0, 0, 1), value=9.0)
    array([[9., 1., 2., 3.],
           [9., 9., 9., 9.]])
    """
    shape = shape_of(input)
    widths_in = tuple(pad)
    if len(widths_in) % 2 or len(widths_in) > 2 * len(shape):
        raise OpError(
            f"pad: {widths_in} must hold a (before, after) pair for each of at most the "
            f"{len(shape)} dims of an input of shape {shape}"
        )
    if any(isinstance(w, bool) or not isinstance(w, int | np.integer) for w in widths_in):
        raise TypeError(f"pad: the widths must be ints, not {widths_in!r}")
    pairs = [(int(widths_in[i]), int(widths_in[i + 1])) for i in range(0, len(widths_in), 2)]
    lead = len(shape) - len(pairs)
    widths = ((0, 0),) * lead + tuple(reversed(pairs))
    for d, ((b, a), n) in enumerate(zip(widths, shape)):
        if n + min(b, 0) + min(a, 0) < 0 or n + b + a < 0:
            raise OpError(
                f"pad: widths ({b}, {a}) would crop dim {d} of length {n} below nothing "
                f"(input of shape {shape})"
            )
    if mode == "constant":
        return constant_pad(input, widths, 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise UnsupportedError(
            f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', not {mode!r}"
        )
    if value:
        raise OpError(f"pad: a fill value only applies to mode 'constant', not {mode!r}")
    out = input
    for d in range(lead, len(shape)):
        b, a = widths[d]
        if b == a == 0:
            continue
        n = shape[d]
        kept = n + min(b, 0) + min(a, 0)  # what circular wraps around: the cropped dim
        too_wide = n == 0 or (
            b >= n or a >= n if mode == "reflect" else mode == "circular" and max(b, a) > kept
        )
        if too_wide:
            need = _LIMIT.get(mode, "a non-empty dim")
            raise OpError(
                f"pad: {mode} padding ({b}, {a}) of dim {d} needs widths {need}; "
                f"the input has shape {shape}"
            )
        out = getitem(out, (slice(None),) * d + (_source(n, b, a, mode),))
    return out
