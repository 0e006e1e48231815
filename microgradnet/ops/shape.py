"""Shape operations: broadcasting and its adjoint, reshape, permute, and reshapes by dimension.

``squeeze``, ``unsqueeze`` and ``flatten`` are not operations of their own: they work out the new
shape and call ``reshape``; ``transpose`` and ``mT`` are permutations.

``sum_to`` is the adjoint of broadcasting: every elementwise rule sends its gradient through it,
so that an input broadcast in the forward pass gets the sum of the gradients of its copies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import Node
from .base import Op
from .errors import OpError
from .registry import export

Dims = int | Sequence[int] | None


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of a node, an array or a Python number (``()``)."""
    return getattr(x, "shape", ())


# Reads of data outside an op's forward and rule (masks, indices, statistics made with numpy):
# `microgradnet.compile` notes them, since a replay would not compute them again.
def raw_data(x: Any) -> Any:
    """The data of a node; anything else (an array, a number) as it is."""
    return x.data if isinstance(x, Node) else x


def raw_array(x: Any) -> np.ndarray:
    """The data of a node, or ``x``, as a numpy array."""
    return np.asarray(x.data if isinstance(x, Node) else x)


class DimError(IndexError, ValueError):
    """A dim out of range for an input: an `IndexError` as in PyTorch, a `ValueError` as numpy's
    ``AxisError``."""


def normalize_dims(dim: int | Sequence[int], ndim: int, op: str) -> tuple[int, ...]:
    """``dim`` (an int or a sequence) as non-negative dims of an input of ``ndim`` dimensions, in
    the order given; an error naming ``op`` for a non-integer, out-of-range or repeated dim.

    As in PyTorch, a 0-d input accepts dim 0 and -1.

    Examples
    --------
    >>> normalize_dims(-1, 3, "sum"), normalize_dims((2, 0), 3, "sum"), normalize_dims(0, 0, "sum")
    ((2,), (2, 0), (0,))
    """
    kind = type(dim)
    if kind is tuple or kind is list or (kind is not int and isinstance(dim, Sequence)):
        dims: tuple[Any, ...] = tuple(dim)  # type: ignore[arg-type]
    else:
        dims = (dim,)
    size = ndim or 1
    out = []
    for d in dims:
        if type(d) is not int and (isinstance(d, bool) or not isinstance(d, int | np.integer)):
            raise TypeError(f"{op}: dim must be an int or a tuple of ints, not {d!r}")
        if not -size <= d < size:
            raise DimError(
                f"{op}: dim {d} is out of range for an input of {ndim} dimensions "
                f"(expected one in [{-size}, {size - 1}])"
            )
        out.append(int(d) % size)
    if len(set(out)) != len(out):
        raise OpError(f"{op}: dim {dim} repeats a dimension")
    return tuple(out)


class ToShape(Op, params=("shape",)):
    """An op whose output has the shape ``shape``."""

    shape: tuple[int, ...]


class SumTo(ToShape):
    """Sum a broadcast result back down to ``shape`` (the gradient of broadcasting)."""

    name = "sum_to"

    def forward(self, x: Any) -> Any:
        if type(x) is float:
            return x
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(self.shape) if n == 1 and x.shape[lead + i] != 1
        )
        out = np.add.reduce(x, axis=axes, keepdims=True) if axes else x
        return out.reshape(self.shape) if lead else out

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (broadcast_to(g, self.parents[0].shape),)


class BroadcastTo(ToShape):
    """Repeat an array along new or length-1 dims to ``shape``."""

    name = "broadcast_to"

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.empty(self.shape, dtype=np.result_type(x))  # quicker than np.broadcast_to
        out[...] = x
        return out

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (sum_to(g, self.parents[0].shape),)


def sum_to(x: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``x`` down to ``shape`` over the dims broadcasting added; a no-op when shapes agree."""
    if getattr(x, "shape", ()) == shape:
        return x
    op = SumTo(shape)
    return op.forward(x) if type(x) is np.ndarray else op(x)


@export(method=False)
def broadcast_to(input: Any, size: Sequence[int]) -> Any:  # noqa: A002 - PyTorch's names
    """``input`` repeated along new or length-1 dims to ``size``; a no-op when shapes agree."""
    size = tuple(size)
    old = shape_of(input)
    if old == size:
        return input
    if len(old) > len(size) or not all(
        n == 1 or n == m for n, m in zip(reversed(old), reversed(size))
    ):
        raise OpError(f"broadcast_to: an input of shape {old} does not broadcast to {size}")
    op = BroadcastTo(size)
    return op.forward(input) if type(input) is np.ndarray else op(input)


class Reshape(ToShape):
    """The same elements in a new shape."""

    name = "reshape"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.reshape(x, self.shape)

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (reshape(g, self.parents[0].shape),)


def _target_shape(old: tuple[int, ...], shape: Sequence[Any]) -> tuple[int, ...]:
    """``shape`` with its one -1 worked out, or an error naming both shapes."""
    try:
        new = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"reshape: the shape must be ints, not {tuple(shape)!r}") from None
    size = math.prod(old)
    known = math.prod([s for s in new if s != -1])
    bad = new.count(-1) > 1 or any(s < -1 for s in new)
    if not bad and -1 in new:
        bad = known == 0 or size % known != 0
        new = tuple(size // known if s == -1 else s for s in new) if not bad else new
    if bad or math.prod(new) != size:
        raise OpError(f"reshape: cannot reshape a tensor of shape {old} into {tuple(shape)}")
    return new


@export()
def reshape(input: Any, *shape: int | Sequence[int]) -> Any:  # noqa: A002 - PyTorch's name
    """The same elements in a new shape, given as a tuple or as separate ints; one may be -1.

    Examples
    --------
    >>> reshape(np.zeros(6), 2, -1).shape, reshape(np.zeros(6), (3, 2)).shape
    ((2, 3), (3, 2))
    """
    target: Any = shape
    if len(shape) == 1 and (type(shape[0]) is tuple or isinstance(shape[0], Sequence)):
        target = shape[0]
    old = shape_of(input)
    if target == old:  # the rules' common case: a gradient already in shape
        return input
    new = _target_shape(old, target)
    if old == new:
        return input
    op = Reshape(new)
    return op.forward(input) if type(input) is np.ndarray else op(input)


@export(toplevel=False)
def view(input: Any, *shape: Any) -> Any:  # noqa: A002 - PyTorch's name
    """`reshape` under PyTorch's name for views (every reshape here is exact, copy or not).

    ``view(dtype)`` reads the input's bytes as ``dtype`` instead, as PyTorch does: the last dim
    grows or shrinks by the ratio of the element sizes, and the result has no gradient.

    Examples
    --------
    >>> view(np.array([1.0], np.float32), np.dtype(np.int32))
    array([1065353216], dtype=int32)
    """
    if len(shape) == 1 and (
        isinstance(shape[0], np.dtype)
        or (isinstance(shape[0], type) and issubclass(shape[0], np.generic))
    ):
        return _view_bytes(input, np.dtype(shape[0]))
    return reshape(input, *shape)


def _view_bytes(input: Any, dtype: np.dtype) -> Any:  # noqa: A002
    raw = input.data if isinstance(input, Node) else np.asarray(input)
    if dtype.kind not in "biuf":
        raise TypeError(f"view: dtype {dtype} is not supported; tensors hold bool, int or float")
    if raw.itemsize != dtype.itemsize and (
        raw.ndim == 0 or (raw.shape[-1] * raw.itemsize) % dtype.itemsize
    ):
        raise OpError(
            f"view: the last dim of an input of shape {raw.shape} and dtype {raw.dtype} "
            f"does not hold a whole number of {dtype} elements"
        )
    out = np.ascontiguousarray(raw).view(dtype)
    return type(input)._wrap(out) if isinstance(input, Node) else out


class Permute(Op, params=("dims",)):
    """The dims in a new order."""

    name = "permute"
    dims: tuple[int, ...]

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.transpose(self.dims)

    def backward(self, g: Any) -> tuple[Any, ...]:
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        return (Permute(tuple(inverse))(g),)


@export()
def permute(input: Any, *dims: int | Sequence[int]) -> Any:  # noqa: A002 - PyTorch's name
    """The dims of ``input`` in the order ``dims`` (a tuple or separate ints).

    Examples
    --------
    >>> permute(np.zeros((2, 3, 4)), 2, 0, 1).shape
    (4, 2, 3)
    """
    order = dims[0] if len(dims) == 1 and isinstance(dims[0], Sequence) else dims
    ndim = len(shape_of(input))
    if len(order) != ndim:
        raise OpError(
            f"permute: {len(order)} dims {tuple(order)} for an input of {ndim} dimensions"
        )
    perm = normalize_dims(order, ndim, "permute") if ndim else ()  # type: ignore[arg-type]
    if perm == tuple(range(ndim)):
        return input
    return Permute(perm)(input)


@export()
def transpose(input: Any, dim0: int, dim1: int) -> Any:  # noqa: A002 - PyTorch's name
    """``input`` with dims ``dim0`` and ``dim1`` swapped (PyTorch's meaning; `permute` takes a
    whole order).

    Examples
    --------
    >>> transpose(np.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    ndim = len(shape_of(input))
    d0, d1 = normalize_dims((dim0,), ndim, "transpose") + normalize_dims((dim1,), ndim, "transpose")
    order = list(range(ndim))
    order[d0], order[d1] = order[d1], order[d0]
    return permute(input, order) if ndim else input


def matrix_transpose(x: Any) -> Any:
    """Swap the last two dims (``x.mT``)."""
    ndim = len(shape_of(x))
    if ndim < 2:
        raise DimError(f"mT: an input of {ndim} dimensions has no matrices to transpose")
    return Permute((*range(ndim - 2), ndim - 1, ndim - 2))(x)


def reverse_dims(x: Any) -> Any:
    """All dims in reverse order (``x.T``)."""
    return permute(x, tuple(reversed(range(len(shape_of(x))))))


@export()
def squeeze(input: Any, dim: Dims = None) -> Any:  # noqa: A002 - PyTorch's name
    """Drop length-1 dims: all of them, or those among ``dim``.

    As in PyTorch, a named dim whose length is not 1 is left in place rather than an error.

    Examples
    --------
    >>> squeeze(np.zeros((1, 3, 1))).shape, squeeze(np.zeros((1, 3, 1)), dim=(1, 2)).shape
    ((3,), (1, 3))
    """
    shape = shape_of(input)
    dims = range(len(shape)) if dim is None else normalize_dims(dim, len(shape), "squeeze")
    drop = {d for d in dims if d < len(shape) and shape[d] == 1}
    return reshape(input, tuple(n for i, n in enumerate(shape) if i not in drop))


@export()
def unsqueeze(input: Any, dim: int | Sequence[int]) -> Any:  # noqa: A002 - PyTorch's name
    """Insert length-1 dims at ``dim``, counted in the result (numpy's ``expand_dims`` takes a
    tuple there too, and is another name for it).

    Examples
    --------
    >>> unsqueeze(np.zeros((2, 3)), 0).shape, unsqueeze(np.zeros((2, 3)), (-1, 1)).shape
    ((1, 2, 3), (2, 1, 3, 1))
    """
    return _unsqueeze(input, dim, "unsqueeze")


@export()
def expand_dims(input: Any, dim: int | Sequence[int]) -> Any:  # noqa: A002
    """numpy's name for `unsqueeze`."""
    return _unsqueeze(input, dim, "expand_dims")


def _unsqueeze(x: Any, dim: int | Sequence[int], op: str) -> Any:
    shape = shape_of(x)
    n_new = len(dim) if isinstance(dim, Sequence) else 1
    new = set(normalize_dims(dim, len(shape) + n_new, op))
    rest = iter(shape)
    return reshape(x, tuple(1 if i in new else next(rest) for i in range(len(shape) + n_new)))


@export()
def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Any:  # noqa: A002
    """Merge the dims ``start_dim`` to ``end_dim`` (both included) into one, as PyTorch does.

    A 0-d input becomes a 1-d array of one element.

    Examples
    --------
    >>> flatten(np.zeros((2, 3, 4))).shape, flatten(np.zeros((2, 3, 4)), start_dim=1).shape
    ((24,), (2, 12))
    """
    shape = shape_of(input)
    (start,) = normalize_dims(start_dim, len(shape), "flatten")
    (end,) = normalize_dims(end_dim, len(shape), "flatten")
    if start > end:
        raise OpError(
            f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {shape}"
        )
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(input, shape[:start] + (merged,) + shape[end + 1 :])


@export()
def movedim(input: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:  # noqa: A002
    """``input`` with the dims ``source`` moved to the positions ``destination``, the others
    keeping their order (numpy's ``moveaxis``, another name for it).

    Examples
    --------
    >>> x = np.zeros((2, 3, 4))
    >>> movedim(x, 0, -1).shape, movedim(x, (0, 1), (2, 0)).shape
    ((3, 4, 2), (3, 4, 2))
    """
    return _movedim(input, source, destination, "movedim")


@export()
def moveaxis(input: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:  # noqa: A002
    """Another name for `movedim` (PyTorch's and numpy's)."""
    return _movedim(input, source, destination, "moveaxis")


def _movedim(x: Any, source: Any, destination: Any, op: str) -> Any:
    ndim = len(shape_of(x))
    src = normalize_dims(source, ndim, op)
    dst = normalize_dims(destination, ndim, op)
    if len(src) != len(dst):
        raise OpError(f"{op}: {len(src)} source dims {source} for {len(dst)} destinations")
    order: list[int | None] = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(ndim) if i not in src)
    return permute(x, tuple(next(rest) if o is None else o for o in order))


def _sizes(sizes: tuple[Any, ...]) -> tuple[int, ...]:
    """Sizes given as separate ints or as one sequence (PyTorch takes both)."""
    return tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], Sequence) else sizes


@export(toplevel=False)
def expand(input: Any, *sizes: int | Sequence[int]) -> Any:  # noqa: A002 - PyTorch's name
    """``input`` repeated along length-1 dims and new leading dims to ``sizes`` (``-1`` keeps a
    dim's length), without copying in PyTorch; here a copy whose gradient sums the repeats.

    Examples
    --------
    >>> expand(np.zeros((3, 1)), 2, -1, 4).shape
    (2, 3, 4)
    """
    shape = shape_of(input)
    target = _sizes(sizes)
    lead = len(target) - len(shape)
    bad = lead < 0 or any(s == -1 for s in target[:lead])
    new = tuple(shape[i - lead] if s == -1 and i >= lead else int(s) for i, s in enumerate(target))
    bad = bad or any(n != s and n != 1 for n, s in zip(shape, new[lead:] if lead >= 0 else ()))
    if bad or any(s < 0 for s in new):
        raise OpError(f"expand: a tensor of shape {shape} cannot be expanded to {target}")
    return broadcast_to(input, new)


@export(toplevel=False)
def expand_as(input: Any, other: Any) -> Any:  # noqa: A002 - PyTorch's name
    """`expand` to the shape of ``other``."""
    return expand(input, shape_of(other))


@export()
def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Any:  # noqa: A002 - PyTorch's name
    """Split dim ``dim`` into several of lengths ``sizes`` (one may be -1), the inverse of
    `flatten`.

    Examples
    --------
    >>> unflatten(np.zeros((2, 12)), 1, (3, -1)).shape
    (2, 3, 4)
    """
    shape = shape_of(input)
    (d,) = normalize_dims(dim, len(shape), "unflatten")
    try:
        inner = _target_shape((shape[d],) if shape else (1,), tuple(sizes))
    except ValueError:
        raise OpError(
            f"unflatten: dim {dim} of shape {shape} cannot be split into {tuple(sizes)}"
        ) from None
    return reshape(input, shape[:d] + inner + shape[d + 1 :])
