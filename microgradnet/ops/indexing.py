"""Indexing with PyTorch's rules, its adjoint (the scatter-add), and the ops built on them:
``gather``, ``scatter``, ``scatter_add``, ``scatter_reduce``, ``index_select``, ``index_add``,
``take_along_dim``, ``masked_fill``, ``masked_select``; ``nonzero`` and ``one_hot`` (no gradient).

``getitem`` takes ints, slices, None, Ellipsis, integer arrays, lists or tensors, and boolean
masks. As in PyTorch, an int is basic indexing: ``x[0, :, [1, 2]]`` of an ``x`` of shape (4, 3, 5)
has shape (3, 2) (numpy gives (2, 3)), so ints, slices and None are applied first and the arrays
after. Its gradient scatters the incoming gradient back into zeros of the input's shape, adding
where an integer index repeats an element; the scatter-add's own gradient is the same indexing
again, so both rules differentiate to any order. The gather/scatter family indexes with a full
tuple of integer arrays (the index along ``dim``, positions elsewhere), so it reuses both ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Node
from .base import Op
from .errors import OpError
from .registry import export
from .select import where
from .shape import broadcast_to, normalize_dims, raw_array, reshape, shape_of, sum_to

Index = Any


def normalize_index(index: Index) -> tuple[Index, bool]:
    """``index`` with nodes and lists turned into arrays, and whether an element can repeat.

    A tuple inside the index tuple is a sequence of indices, as a list is (PyTorch and numpy
    both read ``x[0, (2, 1)]`` as ``x[0, [2, 1]]``). Only integer arrays can name one element
    twice; basic indices and boolean masks cannot.

    Examples
    --------
    >>> normalize_index((slice(None), [2, 2]))
    ((slice(None, None, None), array([2, 2])), True)
    """
    parts = index if isinstance(index, tuple) else (index,)
    out: list[Any] = []
    repeats = False
    for part in parts:
        if isinstance(part, Node):
            part = part.data
        if isinstance(part, list | tuple):
            part = np.asarray(part) if len(part) else np.zeros(0, dtype=np.intp)
        if isinstance(part, np.ndarray):
            if part.dtype == np.bool_:
                pass
            elif np.issubdtype(part.dtype, np.integer):
                repeats = True
            else:
                raise IndexError(
                    f"getitem: index arrays must hold integers or booleans, not {part.dtype}"
                )
        out.append(part)
    return (tuple(out) if isinstance(index, tuple) else out[0]), repeats


def _describe(index: Index) -> str:
    """A short text for an index: arrays by dtype and shape, the rest as Python writes them."""
    parts = index if isinstance(index, tuple) else (index,)
    text = [
        f"array({p.dtype}, shape {p.shape})" if isinstance(p, np.ndarray) else repr(p)
        for p in parts
    ]
    return ", ".join(text)


class GetItem(Op):
    """``x[index]``."""

    __slots__ = ("index", "repeats")
    name = "getitem"

    def __init__(self, index: Index, repeats: bool) -> None:
        self.index = index
        self.repeats = repeats

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x[self.index]

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (ScatterAdd(self.index, self.repeats, self.parents[0].shape)(g),)

    def extra_repr(self) -> str:
        return f"index=[{_describe(self.index)}]"


class ScatterAdd(Op):
    """Zeros of ``shape`` with ``g`` added at ``index``: the gradient of ``x[index]``."""

    __slots__ = ("index", "repeats", "shape")
    name = "scatter_add"

    def __init__(self, index: Index, repeats: bool, shape: tuple[int, ...]) -> None:
        self.index = index
        self.repeats = repeats
        self.shape = shape

    def forward(self, g: np.ndarray) -> np.ndarray:
        out = np.zeros(self.shape, dtype=np.result_type(g))
        if self.repeats:
            np.add.at(out, self.index, g)
        else:
            out[self.index] = g
        return out

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (GetItem(self.index, self.repeats)(g),)

    def extra_repr(self) -> str:
        return f"index=[{_describe(self.index)}], shape={self.shape}"


def _is_array(part: Any) -> bool:
    return isinstance(part, np.ndarray | bool | np.bool_)


def _dims_used(parts: tuple[Any, ...]) -> int:
    """How many dims of the input the parts of an index consume (a mask: its ndim)."""
    return sum(
        (p.ndim if isinstance(p, np.ndarray) and p.dtype == np.bool_ else 1)
        for p in parts
        if p is not None and p is not Ellipsis and not isinstance(p, bool | np.bool_)
    )


def _without_empty_ellipsis(index: Index, ndim: int) -> Index:
    """``index`` without an Ellipsis that stands for no dim: PyTorch then counts the arrays on
    either side of it as adjacent (numpy would move their dims to the front)."""
    if not isinstance(index, tuple) or not any(p is Ellipsis for p in index):
        return index
    if _dims_used(index) != ndim:
        return index
    return tuple(p for p in index if p is not Ellipsis)


def _split_basic(index: Index, ndim: int) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    """PyTorch's reading of an index that mixes ints with arrays: the basic part (ints, slices,
    None, Ellipsis; arrays replaced by full slices) and the array part that indexes its result.
    None when numpy's reading is already PyTorch's (no int beside an array)."""
    parts = index if isinstance(index, tuple) else (index,)
    ints = [isinstance(p, int | np.integer) and not isinstance(p, bool | np.bool_) for p in parts]
    if not any(ints) or not any(_is_array(p) for p in parts):
        return None
    used = _dims_used(parts)
    basic: list[Any] = []
    advanced: list[Any] = []
    for part, is_int in zip(parts, ints):
        if part is Ellipsis:
            basic.append(part)
            advanced.extend([slice(None)] * (ndim - used))
        elif is_int:
            basic.append(part)
        elif _is_array(part):
            width = part.ndim if isinstance(part, np.ndarray) and part.dtype == np.bool_ else 1
            basic.extend([slice(None)] * width)
            advanced.append(part)
        else:
            basic.append(part)
            advanced.append(slice(None))
    return tuple(basic), tuple(advanced)


def getitem(x: Any, index: Index) -> Any:
    """``x[index]`` with PyTorch's indexing rules; repeated integer indices add their gradients.

    Examples
    --------
    >>> getitem(np.arange(6.0).reshape(2, 3), (slice(None), [2, 0]))
    array([[2., 0.],
           [5., 3.]])
    >>> getitem(np.zeros((4, 3, 5)), (0, slice(None), [1, 2])).shape
    (3, 2)
    """
    index, repeats = normalize_index(index)
    index = _without_empty_ellipsis(index, len(shape_of(x)))
    try:
        split = _split_basic(index, len(shape_of(x)))
        if split is not None:
            basic, advanced = split
            return GetItem(advanced, repeats)(GetItem(basic, False)(x))
        return GetItem(index, repeats)(x)
    except IndexError as err:
        raise IndexError(
            f"getitem: index [{_describe(index)}] does not fit shape {shape_of(x)}: {err}"
        ) from err


# ------------------------------------------------------------ gather, scatter and their kin


def _index_along(op: str, input_shape: tuple[int, ...], dim: int, index: Any) -> Any:
    """``index`` (integers, the input's number of dims) as the full tuple of integer arrays that
    picks ``input[..., index[i, j, ...], ...]`` along ``dim`` at every position of ``index``."""
    idx = raw_array(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must hold integers, not dtype {idx.dtype}")
    ndim = len(input_shape)
    if idx.ndim != max(ndim, 1) and not (ndim == 0 and idx.ndim == 0):
        raise OpError(
            f"{op}: index of shape {idx.shape} must have as many dims as the input "
            f"(shape {input_shape})"
        )
    (d,) = normalize_dims(dim, ndim, op)
    if ndim == 0:
        return ()
    for i, (n, m) in enumerate(zip(idx.shape, input_shape)):
        if i != d and n > m:
            raise OpError(
                f"{op}: index of shape {idx.shape} is larger than the input (shape "
                f"{input_shape}) in dim {i}"
            )
    n = input_shape[d]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"{op}: index out of range for dim {d} of length {n}")
    full: list[Any] = list(np.indices(idx.shape, sparse=True))
    full[d] = idx
    return tuple(full)


def _fit(x: Any, shape: tuple[int, ...]) -> Any:
    """The leading ``shape`` block of ``x`` (the part of ``src`` a scatter uses)."""
    if shape_of(x) == shape:
        return x
    return getitem(x, tuple(slice(0, n) for n in shape))


def _source(op: str, input: Any, index: Any, src: Any) -> Any:  # noqa: A002
    """The part of ``src`` a scatter of ``input`` at ``index`` writes, checked as PyTorch checks
    it: of the input's dtype, and at least as large as ``index`` in every dim."""
    shape, raw = raw_array(index).shape, raw_array(src)
    dtype = raw_array(input).dtype
    if raw.dtype != dtype:
        raise OpError(f"{op}: src of dtype {raw.dtype} does not match the input's dtype {dtype}")
    if raw.ndim != len(shape) or any(n > m for n, m in zip(shape, raw.shape)):
        raise OpError(f"{op}: index of shape {shape} is larger than src of shape {raw.shape}")
    return _fit(src, shape)


@export()
def gather(input: Any, dim: int, index: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The elements of ``input`` picked along ``dim`` by ``index`` (of the input's number of
    dims): ``out[i][j] = input[index[i][j]][j]`` for ``dim=0``. Repeated picks add gradients.

    Examples
    --------
    >>> gather(np.array([[1.0, 2.0], [3.0, 4.0]]), 1, np.array([[0, 0], [1, 0]]))
    array([[1., 1.],
           [4., 3.]])
    """
    full = _index_along("gather", shape_of(input), dim, index)
    return GetItem(full, True)(input)


class Scatter(Op, params=("index",)):
    """``input`` with ``src`` written at the positions ``index`` names: the last write wins, and
    ``src`` gets the gradient of each position it was written to (PyTorch's rule, exact for
    unique indices)."""

    name = "scatter"
    index: Index

    def forward(self, x: np.ndarray, src: Any) -> np.ndarray:
        out = np.array(x, copy=True, dtype=np.result_type(x, src))
        out[self.index] = src
        return out

    def backward(self, g: Any) -> tuple[Any, ...]:
        px, ps = self.parents
        mask = np.zeros(px.shape, dtype=bool)
        mask[self.index] = True
        return (
            where(mask, 0.0, g) if px.requires_grad else None,
            sum_to(GetItem(self.index, True)(g), ps.shape) if ps.requires_grad else None,
        )

    def extra_repr(self) -> str:
        return f"index=[{_describe(self.index)}]"


@export()
def scatter(
    input: Any,  # noqa: A002 - PyTorch's names
    dim: int,
    index: Any,
    src: Any = None,
    *,
    value: Any = None,
    reduce: str | None = None,
) -> Any:
    """``input`` with ``src`` (or the number ``value``) written along ``dim`` at ``index``:
    ``out[index[i][j]][j] = src[i][j]`` for ``dim=0``. ``reduce='add'``/``'multiply'`` combine
    instead of overwriting (see `scatter_reduce`). A number as ``src`` is a ``value``, as in
    PyTorch's ``scatter(dim, index, value)``; a tensor ``src`` must have the input's dtype.

    Examples
    --------
    >>> scatter(np.zeros((2, 3)), 1, np.array([[2], [0]]), np.array([[5.0], [7.0]]))
    array([[0., 0., 5.],
           [7., 0., 0.]])
    """
    if isinstance(src, int | float) and value is None:
        src, value = None, src  # scatter(dim, index, value)
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src and value")
    if src is None:
        src = np.full(raw_array(index).shape, value, dtype=raw_array(input).dtype)
    else:
        src = _source("scatter", input, index, src)
    if reduce is not None:
        how = {"add": "sum", "multiply": "prod"}.get(reduce)
        if how is None:
            raise OpError(f"scatter: reduce must be 'add' or 'multiply', not {reduce!r}")
        return scatter_reduce(input, dim, index, src, how)
    full = _index_along("scatter", shape_of(input), dim, index)
    return Scatter(full)(input, src)


def _scattered(full: Any, shape: tuple[int, ...]) -> np.ndarray:
    """How many elements a scatter sends to each position of an output of ``shape``."""
    count = np.zeros(shape, dtype=np.int64)
    np.add.at(count, full, 1)
    return count


@export()
def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Any:  # noqa: A002
    """``input`` with ``src`` added along ``dim`` at ``index`` (repeats add up):
    ``out[index[i][j]][j] += src[i][j]`` for ``dim=0``.

    Examples
    --------
    >>> scatter_add(np.zeros(3), 0, np.array([0, 0, 2]), np.array([1.0, 2.0, 3.0]))
    array([3., 0., 3.])
    """
    full = _index_along("scatter_add", shape_of(input), dim, index)
    src = _source("scatter_add", input, index, src)
    return input + ScatterAdd(full, True, shape_of(input))(src)


class ScatterReduce(Op, params=("index", "ufunc")):
    """``base`` combined with the ``src`` elements sent to each position by ``ufunc``."""

    index: Index
    ufunc: np.ufunc

    def forward(self, base: np.ndarray, src: np.ndarray) -> np.ndarray:
        out = np.array(base, copy=True, dtype=np.result_type(base, src))
        self.ufunc.at(out, self.index, src)
        return out

    def extra_repr(self) -> str:
        return f"index=[{_describe(self.index)}], reduce={self.ufunc.__name__}"


class ScatterProd(ScatterReduce):
    """``base`` times the product of the ``src`` elements sent to each position."""

    name = "scatter_prod"

    def __init__(self, index: Index) -> None:
        super().__init__(index, np.multiply)

    def backward(self, g: Any) -> tuple[Any, ...]:
        pb, ps = self.parents
        base, src = self.raw_inputs
        b, s = self.inputs
        # The product of the other factors of a position: output / factor where the position
        # holds no zero (differentiable, for higher orders); worked out from the data otherwise.
        zeros = (base == 0).astype(np.int64)
        np.add.at(zeros, self.index, src == 0)
        nonzero = np.where(base == 0, 1, base).astype(np.result_type(base, src))
        np.multiply.at(nonzero, self.index, np.where(src == 0, 1, src))
        clean = zeros == 0
        gy = g * self.output
        grads: list[Any] = [None, None]
        if pb.requires_grad:
            others = np.where(base == 0, np.where(zeros == 1, nonzero, 0), 0)
            grads[0] = where(clean, gy / where(clean, b, 1.0), g * others)
        if ps.requires_grad:
            z = zeros[self.index]
            others = np.where(src == 0, np.where(z == 1, nonzero[self.index], 0), 0)
            on = clean[self.index]
            picked = GetItem(self.index, True)
            grads[1] = where(on, picked(gy) / where(on, s, 1.0), picked(g) * others)
        return tuple(grads)

    def extra_repr(self) -> str:
        return f"index=[{_describe(self.index)}]"  # the product is in the name


class ScatterExtremum(ScatterReduce):
    """The scatter by ``np.maximum`` (or ``np.minimum``); every element equal to a position's
    result shares its gradient evenly."""

    name = "scatter_extremum"

    def backward(self, g: Any) -> tuple[Any, ...]:
        pb, ps = self.parents
        base, src = self.raw_inputs
        out = self.forward(base, src)
        base_hit = base == out
        src_hit = src == out[self.index]
        count = base_hit.astype(np.int64)
        np.add.at(count, self.index, src_hit)
        share = g / np.maximum(count, 1).astype(np.result_type(base, src))
        return (
            where(base_hit, share, 0.0) if pb.requires_grad else None,
            where(src_hit, GetItem(self.index, True)(share), 0.0) if ps.requires_grad else None,
        )


_REDUCE = ("sum", "prod", "mean", "amax", "amin")


@export()
def scatter_reduce(
    input: Any,  # noqa: A002 - PyTorch's names
    dim: int,
    index: Any,
    src: Any,
    reduce: str,
    *,
    include_self: bool = True,
) -> Any:
    """``input`` with the ``src`` elements sent along ``dim`` to each position of ``index``
    combined by ``reduce`` (``'sum'``, ``'prod'``, ``'mean'``, ``'amax'``, ``'amin'``), with the
    position's own value when ``include_self``; positions no element reaches keep ``input``.

    For ``amax``/``amin`` the elements equal to the result share its gradient evenly.

    Examples
    --------
    >>> x, i = np.array([1.0, 8.0]), np.array([0, 0, 1])
    >>> scatter_reduce(x, 0, i, np.array([4.0, 6.0, 2.0]), "amax")
    array([6., 8.])
    >>> scatter_reduce(x, 0, i, np.array([4.0, 6.0, 2.0]), "mean", include_self=False)
    array([5., 2.])
    """
    if reduce not in _REDUCE:
        raise OpError(f"scatter_reduce: reduce must be one of {_REDUCE}, not {reduce!r}")
    shape = shape_of(input)
    full = _index_along("scatter_reduce", shape, dim, index)
    src = _source("scatter_reduce", input, index, src)
    count = _scattered(full, shape)
    reached = count > 0
    dtype = np.result_type(raw_array(input), raw_array(src))
    if reduce in ("sum", "mean"):
        keep = (~reached | include_self).astype(dtype)  # 0 where input's value is dropped
        total = input * keep + ScatterAdd(full, True, shape)(src)
        if reduce == "sum":
            return total
        return total / np.where(reached, count + include_self, 1).astype(dtype)
    base = input
    if not include_self:
        big = np.finfo(dtype).max if dtype.kind == "f" else np.iinfo(dtype).max
        start = {"prod": 1, "amax": -big, "amin": big}[reduce]
        base = where(reached, np.asarray(start, dtype=dtype), input)
    if reduce == "prod":
        return ScatterProd(full)(base, src)
    return ScatterExtremum(full, np.maximum if reduce == "amax" else np.minimum)(base, src)


def _along_dim(op: str, ndim: int, dim: int, part: Any) -> tuple[Any, ...]:
    (d,) = normalize_dims(dim, ndim, op)
    return (slice(None),) * d + (part,)


def _vector_index(op: str, index: Any) -> np.ndarray:
    idx = raw_array(index)
    if idx.dtype.kind not in "iu" or idx.ndim > 1:
        raise TypeError(
            f"{op}: index must be a 1-d integer tensor, not dtype {idx.dtype} shape {idx.shape}"
        )
    return idx.reshape(-1)


@export()
def index_select(input: Any, dim: int, index: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The slices of ``input`` along ``dim`` named by the 1-d ``index`` (repeats allowed).

    Examples
    --------
    >>> index_select(np.array([[1.0, 2.0], [3.0, 4.0]]), 0, np.array([1, 1]))
    array([[3., 4.],
           [3., 4.]])
    """
    idx = _vector_index("index_select", index)
    return getitem(input, _along_dim("index_select", len(shape_of(input)), dim, idx))


@export()
def index_add(
    input: Any,  # noqa: A002 - PyTorch's names
    dim: int,
    index: Any,
    source: Any,
    *,
    alpha: float = 1,
) -> Any:
    """``input`` with ``alpha * source[k]`` added to its slice ``index[k]`` along ``dim``
    (repeats add up).

    Examples
    --------
    >>> index_add(np.zeros(3), 0, np.array([0, 0]), np.array([1.0, 2.0]))
    array([3., 0., 0.])
    """
    idx = _vector_index("index_add", index)
    shape = shape_of(input)
    part = _along_dim("index_add", len(shape), dim, idx)
    expected = np.zeros(shape)[part].shape
    if shape_of(source) != expected:
        raise OpError(
            f"index_add: source of shape {shape_of(source)} does not fit; expected {expected}"
        )
    added = ScatterAdd(part, True, shape)(source)
    return input + (added if alpha == 1 else added * alpha)


@export()
def take_along_dim(input: Any, indices: Any, dim: int | None = None) -> Any:  # noqa: A002
    """The elements of ``input`` at ``indices`` along ``dim``, the other dims broadcast (of the
    flattened input when ``dim`` is None): numpy's ``take_along_axis``.

    Examples
    --------
    >>> x = np.array([[10.0, 30.0, 20.0]])
    >>> take_along_dim(x, np.argsort(x, axis=1), 1)
    array([[10., 20., 30.]])
    """
    idx = raw_array(indices)
    if dim is None:
        return gather(reshape(input, -1), 0, idx.reshape(-1))
    shape = shape_of(input)
    (d,) = normalize_dims(dim, len(shape), "take_along_dim")
    if idx.ndim != len(shape):
        raise OpError(
            f"take_along_dim: indices of shape {idx.shape} need the input's {len(shape)} dims"
        )
    try:
        rest = np.broadcast_shapes(
            shape[:d] + (1,) + shape[d + 1 :], idx.shape[:d] + (1,) + idx.shape[d + 1 :]
        )
    except ValueError:
        raise OpError(
            f"take_along_dim: input of shape {shape} and indices of shape {idx.shape} do not "
            f"broadcast outside dim {d}"
        ) from None
    x = broadcast_to(input, rest[:d] + (shape[d],) + rest[d + 1 :])
    idx = np.broadcast_to(idx, rest[:d] + (idx.shape[d],) + rest[d + 1 :])
    return gather(x, d, idx)


@export()
def masked_fill(input: Any, mask: Any, value: Any) -> Any:  # noqa: A002 - PyTorch's names
    """``input`` with ``value`` where the boolean ``mask`` (broadcast to its shape) is true; a
    0-d tensor ``value`` gets the gradient of the filled places.

    Examples
    --------
    >>> masked_fill(np.array([1.0, 2.0]), np.array([True, False]), 0.0)
    array([0., 2.])
    """
    m = raw_array(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: the mask must be boolean, not {m.dtype}")
    shape = shape_of(input)
    try:
        fits = np.broadcast_shapes(m.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise OpError(f"masked_fill: a mask of shape {m.shape} does not broadcast to {shape}")
    if shape_of(value) != ():
        raise OpError(f"masked_fill: value must be a number or a 0-d tensor, not {shape_of(value)}")
    if not isinstance(value, Node):
        value = np.asarray(value, dtype=raw_array(input).dtype)
    return where(m, value, input)


@export()
def masked_select(input: Any, mask: Any) -> Any:  # noqa: A002 - PyTorch's names
    """The elements of ``input`` where ``mask`` is true, both broadcast together, as a 1-d
    tensor.

    Examples
    --------
    >>> masked_select(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([True, False]))
    array([1., 3.])
    """
    m = raw_array(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_select: the mask must be boolean, not {m.dtype}")
    shape = np.broadcast_shapes(m.shape, shape_of(input))
    return getitem(broadcast_to(input, shape), np.broadcast_to(m, shape))


@export()
def nonzero(input: Any, *, as_tuple: bool = False) -> Any:  # noqa: A002 - PyTorch's names
    """The indices of the non-zero elements (int64, no gradient): one row per element, or with
    ``as_tuple`` one 1-d array per dim (numpy's ``nonzero``).

    Examples
    --------
    >>> nonzero(np.array([[0.0, 1.0], [2.0, 0.0]]))
    array([[0, 1],
           [1, 0]])
    """
    raw = raw_array(input)
    found = tuple(i.astype(np.int64) for i in np.nonzero(raw.reshape(1) if raw.ndim == 0 else raw))
    if as_tuple:
        out: Any = found if raw.ndim else found[:0] + (found[0],)
        return tuple(type(input)._wrap(i) for i in out) if isinstance(input, Node) else out
    rows = np.stack(found, axis=1) if raw.ndim else np.zeros((len(found[0]), 0), np.int64)
    return type(input)._wrap(rows) if isinstance(input, Node) else rows


@export(functional=True)
def one_hot(input: Any, num_classes: int = -1) -> Any:  # noqa: A002 - PyTorch's names
    """Class indices as one-hot rows of ``num_classes`` (one more than the largest index when
    -1), int64, with no gradient.

    Examples
    --------
    >>> one_hot(np.array([0, 2]))
    array([[1, 0, 0],
           [0, 0, 1]])
    """
    raw = raw_array(input)
    if raw.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class indices, not dtype {raw.dtype}")
    if num_classes == -1:
        num_classes = int(raw.max()) + 1 if raw.size else 0
    if raw.size and (raw.min() < 0 or raw.max() >= num_classes):
        raise OpError(f"one_hot: class indices must be in [0, {num_classes})")
    out = (raw[..., None] == np.arange(num_classes)).astype(np.int64)
    return type(input)._wrap(out) if isinstance(input, Node) else out
