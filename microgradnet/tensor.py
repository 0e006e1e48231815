"""`Tensor`: a numpy array that records the operations made from it.

A thin front end: each method hands its work to an operation in `microgradnet.ops`, where the
forward and the derivative rule live.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .engine import Node, mode
from .ops.arithmetic import Add, Div, Mul, Sub
from .ops.base import Op
from .ops.indexing import normalize_index
from .ops.reduce import Axis

ArrayLike = Any

_PYTHON_NUMBERS = (float, int, bool)


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Python numbers and lists become float64; arrays keep their dtype unless one is given."""
    if isinstance(data, Node):
        data = data.data
    if dtype is not None:
        return np.array(data, dtype=dtype)
    if isinstance(data, np.ndarray | np.generic):
        return np.array(data)
    return np.array(data, dtype=np.float64)


def _check_grad_dtype(dtype: np.dtype, where: str) -> None:
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(
            f"{where}: only floating-point tensors can require gradients, not dtype {dtype}"
        )


class Tensor(Node):
    """An n-dimensional array (numpy) with reverse-mode automatic differentiation.

    Parameters
    ----------
    data : array-like
        Numbers, nested lists or a numpy array. Python numbers and lists become float64; numpy
        arrays keep their dtype (float32 stays float32, and so do its gradients).
    requires_grad : bool
        Record operations on this tensor so that ``backward`` can reach it.
    dtype : numpy dtype, optional
        Convert the data to this dtype.

    Examples
    --------
    >>> import microgradnet as mg
    >>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([2., 4., 6.])
    """

    __slots__ = ("name", "__weakref__")

    name: str | None

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> None:
        arr = _as_array(data, dtype)
        if requires_grad:
            _check_grad_dtype(arr.dtype, "Tensor")
        self.data = arr
        self.grad = None
        self.requires_grad = requires_grad
        self._ctx = None
        self._version = 0
        self._retains_grad = False
        self.name = None

    # -- engine hooks -------------------------------------------------------------------------
    @classmethod
    def _wrap(cls, data: Any, ctx: Op | None = None, like: Node | None = None) -> Tensor:
        t = object.__new__(cls)
        if type(data) is not np.ndarray:
            if type(data) in _PYTHON_NUMBERS and like is not None:
                data = np.asarray(data, dtype=like.data.dtype if ctx is None else None)
            else:
                data = np.asarray(data)
        t.data = data
        t.grad = None
        t.requires_grad = ctx is not None
        t._ctx = ctx
        t._version = 0
        t._retains_grad = False
        t.name = None
        return t

    def _raw_grad(self, g: Any) -> np.ndarray:
        data = self.data
        if type(g) is np.ndarray and g.dtype == data.dtype and g.shape == data.shape:
            return g.copy()  # a copy: the same array may also be another node's gradient
        out = np.array(g, dtype=data.dtype, copy=True)
        if out.shape != data.shape:
            raise RuntimeError(
                f"backward: a gradient of shape {out.shape} reached a tensor of shape "
                f"{data.shape}; a derivative rule returned the wrong shape"
            )
        return out

    def _accumulate(self, g: Any) -> None:
        if self.grad is None:
            self.grad = self._raw_grad(g)
        elif np.shape(g) != self.data.shape:
            self._raw_grad(g)  # raises, naming both shapes
        else:
            self.grad = (self.grad + g).astype(self.data.dtype, copy=False)

    # -- attributes ---------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The array's shape."""
        return self.data.shape  # type: ignore[no-any-return]

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self.data.ndim  # type: ignore[no-any-return]

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of the data (and of the gradient)."""
        return self.data.dtype  # type: ignore[no-any-return]

    @property
    def size(self) -> int:
        """The number of elements."""
        return self.data.size  # type: ignore[no-any-return]

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def item(self) -> float:
        """The single element as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: the tensor has {self.data.size} elements, not 1")
        return self.data.item()  # type: ignore[no-any-return]

    def tolist(self) -> Any:
        """The data as (nested) Python lists."""
        return self.data.tolist()

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (the same memory, not a copy)."""
        return self.data  # type: ignore[no-any-return]

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is None:
            return self.data  # type: ignore[no-any-return]
        return self.data.astype(dtype)  # type: ignore[no-any-return]

    __hash__ = object.__hash__

    # numpy operators and ufuncs step aside: ``array + tensor`` and ``np.float64(2) * tensor``
    # call the Tensor's reflected operators and record, instead of returning a bare array.
    __array_ufunc__ = None

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self._ctx is not None:
            extra += f", op={self._ctx.name}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # -- graph control ------------------------------------------------------------------------
    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory)."""
        return Tensor._wrap(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf, in place; returns ``self``."""
        if self._ctx is not None and not requires_grad:
            raise RuntimeError("requires_grad_: only leaf tensors can stop requiring grad")
        if requires_grad:
            _check_grad_dtype(self.data.dtype, "requires_grad_")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        self._retains_grad = True

    # -- in-place updates (for optimizers and initialisers) -----------------------------------
    def _inplace(self, what: str, result: Any, index: Any = ...) -> Tensor:
        if self.requires_grad and mode.grad_enabled:
            raise RuntimeError(
                f"{what}: in-place change of a tensor that requires grad (shape {self.shape}); "
                "do it under microgradnet.no_grad()"
            )
        self.data[index] = result
        self._version += 1
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        """``self[index] = value``, in place (under `no_grad` for a tensor that requires grad)."""
        index, _ = normalize_index(index)
        self._inplace("setitem", value.data if isinstance(value, Node) else value, index)

    def add_(self, other: ArrayLike, alpha: float = 1.0) -> Tensor:
        """``self += alpha * other``, in place."""
        o = other.data if isinstance(other, Node) else other
        return self._inplace("add_", self.data + alpha * o if alpha != 1.0 else self.data + o)

    def sub_(self, other: ArrayLike, alpha: float = 1.0) -> Tensor:
        """``self -= alpha * other``, in place."""
        o = other.data if isinstance(other, Node) else other
        return self._inplace("sub_", self.data - alpha * o if alpha != 1.0 else self.data - o)

    def mul_(self, other: ArrayLike) -> Tensor:
        """``self *= other``, in place."""
        return self._inplace("mul_", self.data * (other.data if isinstance(other, Node) else other))

    def div_(self, other: ArrayLike) -> Tensor:
        """``self /= other``, in place."""
        return self._inplace("div_", self.data / (other.data if isinstance(other, Node) else other))

    def copy_(self, src: ArrayLike) -> Tensor:
        """Overwrite the data with ``src`` (broadcast to this shape), in place."""
        return self._inplace("copy_", src.data if isinstance(src, Node) else src)

    def fill_(self, value: float) -> Tensor:
        """Set every element to ``value``, in place."""
        return self._inplace("fill_", value)

    def zero_(self) -> Tensor:
        """Set every element to 0, in place."""
        return self._inplace("zero_", 0)

    def _augmented(self, other: Any, op: Any, ufunc: np.ufunc) -> Tensor:
        # Where a graph is being recorded, `a += b` rebinds `a` to a new tensor (exact gradients);
        # elsewhere it updates the array in place, as numpy does, without a temporary copy.
        if self.requires_grad and mode.grad_enabled:
            return op(self, other)  # type: ignore[no-any-return]
        ufunc(self.data, other.data if isinstance(other, Node) else other, out=self.data)
        self._version += 1
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self._augmented(other, ops.add, np.add)

    def __isub__(self, other: Any) -> Tensor:
        return self._augmented(other, ops.sub, np.subtract)

    def __imul__(self, other: Any) -> Tensor:
        return self._augmented(other, ops.mul, np.multiply)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._augmented(other, ops.div, np.true_divide)

    # -- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        if type(other) is not Tensor:
            other = _operand(other, "add", self)
        return Add().apply(self, other)  # type: ignore[no-any-return]

    def __radd__(self, other: Any) -> Tensor:
        return Add().apply(_operand(other, "add", self), self)  # type: ignore[no-any-return]

    def __sub__(self, other: Any) -> Tensor:
        if type(other) is not Tensor:
            other = _operand(other, "sub", self)
        return Sub().apply(self, other)  # type: ignore[no-any-return]

    def __rsub__(self, other: Any) -> Tensor:  # other - self
        return Sub().apply(_operand(other, "sub", self), self)  # type: ignore[no-any-return]

    def __mul__(self, other: Any) -> Tensor:
        if type(other) is not Tensor:
            other = _operand(other, "mul", self)
        return Mul().apply(self, other)  # type: ignore[no-any-return]

    def __rmul__(self, other: Any) -> Tensor:
        return Mul().apply(_operand(other, "mul", self), self)  # type: ignore[no-any-return]

    def __truediv__(self, other: Any) -> Tensor:
        if type(other) is not Tensor:
            other = _operand(other, "div", self)
        return Div().apply(self, other)  # type: ignore[no-any-return]

    def __rtruediv__(self, other: Any) -> Tensor:  # other / self
        return Div().apply(_operand(other, "div", self), self)  # type: ignore[no-any-return]

    def __pow__(self, other: Any) -> Tensor:
        return ops.pow(self, _operand(other, "pow", self))

    def __rpow__(self, other: Any) -> Tensor:  # other ** self
        return ops.pow(_operand(other, "pow", self), self)

    def __neg__(self) -> Tensor:
        return ops.neg(self)  # type: ignore[no-any-return]

    def __pos__(self) -> Tensor:
        return self

    def __matmul__(self, other: Any) -> Tensor:
        return ops.matmul(self, _operand(other, "matmul", self))  # type: ignore[no-any-return]

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.matmul(_operand(other, "matmul", self), self)  # type: ignore[no-any-return]

    def matmul(self, other: Any) -> Tensor:
        """The matrix product ``self @ other``."""
        return self @ other

    # -- comparisons: boolean tensors, no gradient --------------------------------------------
    def _compare(self, other: Any, fn: Any) -> Tensor:
        o = other.data if isinstance(other, Node) else other
        return Tensor._wrap(np.asarray(fn(self.data, o)))

    def __lt__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __and__(self, other: Any) -> Tensor:
        return self._compare(other, np.logical_and)

    __rand__ = __and__

    def __or__(self, other: Any) -> Tensor:
        return self._compare(other, np.logical_or)

    __ror__ = __or__

    def __invert__(self) -> Tensor:
        if self.data.dtype != np.bool_:
            raise TypeError(f"invert: ~ needs a boolean tensor, not dtype {self.data.dtype}")
        return Tensor._wrap(~self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    # -- elementwise functions ----------------------------------------------------------------
    def exp(self) -> Tensor:
        """``e ** self``."""
        return ops.exp(self)  # type: ignore[no-any-return]

    def log(self) -> Tensor:
        """The natural logarithm."""
        return ops.log(self)  # type: ignore[no-any-return]

    def sqrt(self) -> Tensor:
        """The square root."""
        return ops.sqrt(self)  # type: ignore[no-any-return]

    def abs(self) -> Tensor:
        """The absolute value."""
        return ops.abs(self)  # type: ignore[no-any-return]

    def __abs__(self) -> Tensor:
        return ops.abs(self)  # type: ignore[no-any-return]

    def tanh(self) -> Tensor:
        """The hyperbolic tangent."""
        return ops.tanh(self)  # type: ignore[no-any-return]

    def sigmoid(self) -> Tensor:
        """The logistic sigmoid, stable for inputs of any size."""
        return ops.sigmoid(self)  # type: ignore[no-any-return]

    def relu(self) -> Tensor:
        """``max(self, 0)``."""
        return ops.relu(self)  # type: ignore[no-any-return]

    def softmax(self, axis: Axis = -1) -> Tensor:
        """``exp(self)`` normalised to sum to 1 over ``axis``; stable for any magnitude."""
        return ops.softmax(self, axis)  # type: ignore[no-any-return]

    def log_softmax(self, axis: Axis = -1) -> Tensor:
        """The logarithm of `softmax`, computed without overflow or ``log(0)``."""
        return ops.log_softmax(self, axis)  # type: ignore[no-any-return]

    def maximum(self, other: Any) -> Tensor:
        """The elementwise larger of ``self`` and ``other`` (see `maximum`)."""
        return maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        """The elementwise smaller of ``self`` and ``other`` (see `minimum`)."""
        return minimum(self, other)

    def clip(self, lo: Any = None, hi: Any = None) -> Tensor:
        """``self`` limited to ``[lo, hi]`` (see `clip`)."""
        return clip(self, lo, hi)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
        """PyTorch's name for `clip`."""
        return clip(self, min, max)

    # -- reductions ---------------------------------------------------------------------------
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The sum over ``axis`` (an int, a tuple, or None for all)."""
        return ops.sum(self, axis, keepdims)  # type: ignore[no-any-return]

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The mean over ``axis``."""
        return ops.mean(self, axis, keepdims)  # type: ignore[no-any-return]

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The largest element over ``axis``; tied maxima share the gradient evenly."""
        return ops.max(self, axis, keepdims)  # type: ignore[no-any-return]

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The smallest element over ``axis``; tied minima share the gradient evenly."""
        return ops.min(self, axis, keepdims)  # type: ignore[no-any-return]

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """The index of the largest element (of the flattened data when ``axis`` is None)."""
        return Tensor._wrap(np.argmax(self.data, axis=axis, keepdims=keepdims))

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """The index of the smallest element (of the flattened data when ``axis`` is None)."""
        return Tensor._wrap(np.argmin(self.data, axis=axis, keepdims=keepdims))

    # -- shape --------------------------------------------------------------------------------
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same elements in a new shape; one entry may be -1."""
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return ops.reshape(self, _reshape_target(self.shape, shape))  # type: ignore[no-any-return]

    def transpose(self, *axes: int) -> Tensor:
        """Permute the axes; with none given, reverse them."""
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0])  # type: ignore[arg-type]
        return ops.transpose(self, axes or None)  # type: ignore[no-any-return]

    def squeeze(self, axis: int | Sequence[int] | None = None) -> Tensor:
        """Drop length-1 axes (all, or those among ``axis``; others named are left alone)."""
        return ops.squeeze(self, axis)  # type: ignore[no-any-return]

    def expand_dims(self, axis: int | Sequence[int]) -> Tensor:
        """Insert length-1 axes at ``axis``, counted in the result."""
        return ops.expand_dims(self, axis)  # type: ignore[no-any-return]

    def unsqueeze(self, axis: int) -> Tensor:
        """PyTorch's name for `expand_dims`."""
        return ops.expand_dims(self, axis)  # type: ignore[no-any-return]

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge the axes ``start_dim`` to ``end_dim`` (both included) into one."""
        return ops.flatten(self, start_dim, end_dim)  # type: ignore[no-any-return]

    def __getitem__(self, index: Any) -> Tensor:
        """numpy indexing: ints, slices, None, ``...``, integer arrays and boolean masks.

        Repeated integer indices add up their gradients.

        Examples
        --------
        >>> import microgradnet as mg
        >>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> x[[0, 0, 2]].sum().backward()
        >>> x.grad
        array([2., 0., 1.])
        """
        return ops.getitem(self, index)  # type: ignore[no-any-return]

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        """The tensor with its axes reversed."""
        return ops.transpose(self)  # type: ignore[no-any-return]

    @property
    def mT(self) -> Tensor:  # noqa: N802 - numpy's name
        """The tensor with its last two axes swapped."""
        return ops.matrix_transpose(self)  # type: ignore[no-any-return]


def _reshape_target(old: tuple[int, ...], shape: Sequence[Any]) -> tuple[int, ...]:
    size = int(np.prod(old))
    shape = tuple(int(s) for s in shape)
    known = int(np.prod([s for s in shape if s != -1]))
    if shape.count(-1) > 1 or (shape.count(-1) == 1 and (known == 0 or size % known)):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {old} into {shape}")
    if -1 in shape:
        shape = tuple(size // known if s == -1 else s for s in shape)
    if int(np.prod(shape)) != size:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {old} into {shape}")
    return shape


def _operand(other: Any, op: str, like: Tensor) -> Any:
    """Accept tensors, Python numbers and arrays as the other operand of ``op``."""
    if isinstance(other, Tensor):
        return other
    if isinstance(other, float | int | bool):
        return other
    if isinstance(other, Node):
        raise TypeError(f"{op}: cannot combine a Tensor with a {type(other).__name__}")
    try:
        return Tensor._wrap(np.asarray(other, dtype=like.dtype if np.ndim(other) == 0 else None))
    except (TypeError, ValueError) as err:
        raise TypeError(f"{op}: unsupported operand of type {type(other).__name__}") from err


def tensor(data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a `Tensor` (PyTorch's ``torch.tensor``).

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.tensor([[1, 2], [3, 4]]).dtype
    dtype('float64')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def _operands(op: str, *xs: Any) -> list[Any]:
    """The inputs of a module-level function: Tensors as they are, the rest made constants.

    Arrays and lists become constant Tensors; Python numbers stay numbers and take the dtype of
    the tensors they meet. Without any Tensor among them, the first input is made one.
    """
    like = next((x for x in xs if isinstance(x, Tensor)), None)
    if like is None:
        like = Tensor(xs[0])
        xs = (like, *xs[1:])
    return [_operand(x, op, like) for x in xs]


def maximum(a: Any, b: Any) -> Tensor:
    """The elementwise larger of ``a`` and ``b``, with broadcasting.

    At a tie each input gets half of the gradient (PyTorch's rule).

    Examples
    --------
    >>> import microgradnet as mg
    >>> a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> mg.maximum(a, 2.0).sum().backward()
    >>> a.grad
    array([0. , 0.5, 1. ])
    """
    return ops.maximum(*_operands("maximum", a, b))  # type: ignore[no-any-return]


def minimum(a: Any, b: Any) -> Tensor:
    """The elementwise smaller of ``a`` and ``b``, with broadcasting; ties split the gradient.

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.minimum(mg.tensor([1.0, 3.0]), mg.tensor([2.0, 2.0]))
    tensor([1., 2.])
    """
    return ops.minimum(*_operands("minimum", a, b))  # type: ignore[no-any-return]


def clip(x: Any, lo: Any = None, hi: Any = None) -> Tensor:
    """``x`` limited to ``[lo, hi]``; None leaves that side open.

    The gradient reaches ``x`` where ``lo <= x <= hi``, bounds included (PyTorch's ``clamp``);
    elsewhere it reaches the bound chosen, when the bound is a tensor that requires grad.

    Examples
    --------
    >>> import microgradnet as mg
    >>> x = mg.tensor([-2.0, 0.5, 1.0, 3.0], requires_grad=True)
    >>> mg.clip(x, -1.0, 1.0).sum().backward()
    >>> x.grad
    array([0., 1., 1., 0.])
    """
    (x,) = _operands("clip", x)
    lo, hi = (None if b is None else _operand(b, "clip", x) for b in (lo, hi))
    return ops.clip(x, lo, hi)  # type: ignore[no-any-return]


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where the boolean ``cond`` holds, else ``b``, with broadcasting.

    ``cond`` (a boolean Tensor, array or list) gets no gradient; ``a`` and ``b`` get the gradient
    of the places they fill.

    Examples
    --------
    >>> import microgradnet as mg
    >>> x = mg.tensor([-1.0, 2.0])
    >>> mg.where(x > 0, x, 0.0)
    tensor([0., 2.])
    """
    if isinstance(cond, list):
        cond = np.asarray(cond)
    return ops.where(cond, *_operands("where", a, b))  # type: ignore[no-any-return]


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors end to end along the existing ``axis``; each gets its part of the gradient.

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.concatenate([mg.tensor([[1.0, 2.0]]), mg.tensor([[3.0, 4.0]])], axis=1)
    tensor([[1., 2., 3., 4.]])
    """
    if not len(tensors):
        raise ValueError("concatenate: expected a non-empty sequence of tensors")
    return ops.concatenate(_operands("concatenate", *tensors), axis)  # type: ignore[no-any-return]


cat = concatenate  # PyTorch's name


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new ``axis``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.stack([mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])], axis=1)
    tensor([[1., 3.],
            [2., 4.]])
    """
    if not len(tensors):
        raise ValueError("stack: expected a non-empty sequence of tensors")
    return ops.stack(_operands("stack", *tensors), axis)  # type: ignore[no-any-return]


def softmax(x: Any, axis: Axis = -1) -> Tensor:
    """``exp(x)`` normalised to sum to 1 over ``axis``, stable for inputs of any magnitude.

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.softmax(mg.tensor([0.0, 0.0]))
    tensor([0.5, 0.5])
    """
    (x,) = _operands("softmax", x)
    return ops.softmax(x, axis)  # type: ignore[no-any-return]


def log_softmax(x: Any, axis: Axis = -1) -> Tensor:
    """``x - log(sum(exp(x)))`` over ``axis``, without overflow for inputs of any magnitude.

    Examples
    --------
    >>> import microgradnet as mg
    >>> mg.log_softmax(mg.tensor([1e4, 0.0]))
    tensor([     0., -10000.])
    """
    (x,) = _operands("log_softmax", x)
    return ops.log_softmax(x, axis)  # type: ignore[no-any-return]
