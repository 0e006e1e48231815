"""`Tensor`: a numpy array that records the operations made from it.

A thin front end: Python's operators are written here; every other method is installed from the
table of operations (`microgradnet.ops.registry`), where each op's forward and rule live.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import numpy_functions, ops
from .engine import GraphOp, Node, node_maker, this_thread
from .ops.arithmetic import Add, Div, Mul, Sub
from .ops.base import Op
from .ops.indexing import normalize_index
from .ops.linalg import MatMul
from .ops.promotion import DEFAULT
from .ops.registry import Entry, install
from .ops.shape import normalize_dims

ArrayLike = Any

_PYTHON_NUMBERS = (float, int, bool)

_default = DEFAULT  # the default float dtype, which the operations read too


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype of tensors made from Python floats (float64 unless changed; float32 is the
    other choice, as in PyTorch's ``torch.set_default_dtype``)."""
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported, not {dt}")
    _default["dtype"] = dt


def get_default_dtype() -> np.dtype:
    """The dtype of tensors made from Python floats (float64 unless `set_default_dtype`)."""
    return _default["dtype"]


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """The data as an array, with PyTorch's dtypes: Python floats the default dtype, ints int64,
    bools bool; numpy arrays keep theirs unless ``dtype`` is given. Object, string and complex
    data are refused."""
    if isinstance(data, Node):
        data = data.data
    try:
        if dtype is not None:
            arr = np.array(data, dtype=dtype)
        elif isinstance(data, np.ndarray | np.generic):
            arr = np.array(data)
        else:
            arr = np.array(data)
            if arr.dtype.kind == "f":
                arr = arr.astype(_default["dtype"], copy=False)
            elif arr.dtype.kind in "iu":
                arr = arr.astype(np.int64, copy=False)
    except (TypeError, ValueError) as err:
        raise TypeError(f"tensor: cannot make a tensor of {type(data).__name__}: {err}") from err
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"tensor: data of dtype {arr.dtype} is not supported; tensors hold bool, integer or "
            "floating-point numbers"
        )
    return arr


class Size(tuple):
    """A tensor's shape, as `Tensor.size()` returns it: a tuple of ints (PyTorch's ``Size``).

    Examples
    --------
    >>> import microgradnet as mg
    >>> s = mg.zeros(2, 3).size()
    >>> s, s.numel(), s == (2, 3)
    (Size([2, 3]), 6, True)
    """

    __slots__ = ()

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self) -> str:
        return f"Size({list(self)})"


def sizes(size: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """A shape given PyTorch's two ways, as separate ints or as one sequence, as a tuple of
    non-negative ints; an error naming ``op`` otherwise.

    Examples
    --------
    >>> sizes((2, 3), "zeros"), sizes(([2, 3],), "zeros"), sizes((), "zeros")
    ((2, 3), (2, 3), ())
    """
    if len(size) == 1 and isinstance(size[0], tuple | list | np.ndarray | Node):
        size = tuple(np.asarray(size[0].data if isinstance(size[0], Node) else size[0]).tolist())
    out = []
    for n in size:
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise TypeError(f"{op}: a size must be ints, not {size!r}")
        n = int(n)
        if n < 0:
            raise ValueError(f"{op}: a size cannot be negative, got {tuple(size)}")
        out.append(n)
    return tuple(out)


def _check_grad_dtype(dtype: np.dtype, where: str) -> None:
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(
            f"{where}: only floating-point tensors can require gradients, not dtype {dtype}"
        )


_Method = Callable[["Tensor", Any], "Tensor"]


def _operators(
    fn: Callable[[Any, Any], Any] | type[Op], op: str | None = None
) -> tuple[_Method, _Method]:
    """``self <op> other`` and ``other <op> self`` computed by ``fn`` (an op class is called
    directly, the quickest path for the arithmetic operators). With ``op``, an operand that is
    not a Tensor goes through `_operand` (numbers stay numbers, arrays become tensors) first;
    without, it is passed as it is."""
    if isinstance(fn, type):
        cls: type[Op] = fn
        name = op or cls.name
        return _op_operator(cls, name, False), _op_operator(cls, name, True)

    def method(self: Tensor, other: Any) -> Tensor:
        if op is not None and type(other) is not Tensor:
            other = _operand(other, op, self)
        out: Tensor = fn(self, other)
        return out

    def reflected(self: Tensor, other: Any) -> Tensor:
        if op is not None:
            other = _operand(other, op, self)
        out: Tensor = fn(other, self)
        return out

    return method, reflected


def _op_operator(cls: type[Op], name: str, flip: bool) -> _Method:
    """``self <op> other`` (``other <op> self`` when ``flip``) for an op class without
    parameters. The op's call records it, or lets anomaly mode or a `microgradnet.compile` trace
    watch it; an operator that needs neither (``lr * w.grad`` in an update, arithmetic under
    `no_grad`) computes the forward itself, in one frame."""
    forward = cls().forward  # one instance serves every call: these forwards keep nothing

    def method(self: Tensor, other: Any) -> Tensor:
        kind = type(other)
        if kind is not Tensor and kind is not float:
            other = _operand(other, name, self)
        if not (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
            st = this_thread.switches
            if st.tracer is None and not st.anomaly:
                a, b = self.data, other.data if isinstance(other, Tensor) else other
                if flip:
                    a, b = b, a
                try:
                    result = forward(a, b)
                except ValueError as err:
                    better = cls().misfit((a, b), err)
                    if better is None:
                        raise
                    raise better from err
                return Tensor._wrap(result, None, self)
        out: Tensor = cls()(other, self) if flip else cls()(self, other)
        return out

    return method


def _comparison(ufunc: np.ufunc) -> _Method:
    """``self < other`` (and the like) by ``ufunc``: a boolean tensor, through
    ``Tensor._compare`` (which a trace wraps)."""

    def method(self: Tensor, other: Any) -> Tensor:
        return self._compare(other, ufunc)

    return method


def _augmentation(fn: Callable[[Any, Any], Any], ufunc: np.ufunc) -> _Method:
    """``self += other`` (and the like). Where a graph is being recorded, it rebinds ``self`` to
    the new tensor ``fn(self, other)`` (exact gradients); elsewhere it updates the array in place
    by ``ufunc``, as numpy does, without a temporary copy, and moves the version counter."""

    def method(self: Tensor, other: Any) -> Tensor:
        if self.requires_grad and this_thread.switches.grad_enabled:
            out: Tensor = fn(self, other)
            return out
        ufunc(self.data, other.data if isinstance(other, Node) else other, out=self.data)
        vc = self._vc
        if type(vc) is list:
            vc[0] += 1
        else:  # `_UNCHANGED`: the first change
            self._vc = [1]
        return self

    return method


def _array_of(data: Any, like: Node | None) -> np.ndarray:
    """Raw data that is not an array as an array: a Python number as one of the dtype of
    ``like`` (the node a constant is combined with), anything else as numpy makes it."""
    if like is not None and type(data) in _PYTHON_NUMBERS:
        return np.asarray(data, dtype=like.data.dtype)
    return np.asarray(data)


#: The version counter of a tensor that no in-place change or view has needed yet (version 0).
_UNCHANGED = (0,)


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
    tensor([2., 4., 6.])
    """

    __slots__ = ("label", "_vc", "_grad", "__weakref__")

    label: str | None
    _grad: Tensor | np.ndarray | None
    #: The version counter, ``[n]``: shared by a tensor and its views, moved by in-place changes;
    #: ``_UNCHANGED`` until one of them needs it.
    _vc: list[int] | tuple[int]

    if TYPE_CHECKING:  # methods installed from the table of operations

        def __getattr__(self, name: str) -> Any: ...

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> None:
        if not isinstance(requires_grad, bool):
            raise TypeError(
                f"Tensor: requires_grad must be a bool, not {requires_grad!r}; to make a tensor "
                "of a given shape use microgradnet.zeros(*shape) or .empty(*shape)"
            )
        arr = _as_array(data, dtype)
        if requires_grad:
            _check_grad_dtype(arr.dtype, "Tensor")
        self._fill(arr)
        self.requires_grad = requires_grad

    # -- engine hooks -------------------------------------------------------------------------
    if TYPE_CHECKING:

        @classmethod
        def _wrap(cls, data: Any, ctx: GraphOp | None = None, like: Node | None = None) -> Tensor:
            """A tensor around ``data``, made by ``ctx`` (None: a constant)."""

        def _fill(self, data: np.ndarray) -> None:
            """Set every slot: a constant holding ``data``."""

    else:  # `engine.node_maker` writes them
        _wrap, _fill = node_maker(
            np.ndarray, _array_of, _grad=None, _vc=_UNCHANGED, _retains_grad=False, label=None
        )

    def _view_of(self, args: Any, out: Any) -> Tensor:
        """Share the version counter of the input whose memory ``out`` views, if any."""
        for a in args:
            if isinstance(a, Tensor) and np.may_share_memory(out, a.data):
                self._vc = a._counter()
                break
        return self

    def _counter(self) -> list[int]:
        """The version counter as a list that views share and in-place changes move (made on
        first need: most tensors are never changed in place nor viewed)."""
        vc = self._vc
        if vc is _UNCHANGED:
            vc = self._vc = [0]
        return vc  # type: ignore[return-value]

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory (or a view of it) has seen."""
        return self._vc[0]

    @_version.setter
    def _version(self, n: int) -> None:
        self._counter()[0] = n

    @property
    def name(self) -> str | None:
        """Deprecated alias of `label`, the name shown in drawings."""
        return self.label

    @name.setter
    def name(self, value: str | None) -> None:
        self.label = value

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

    def _take(self, g: Any) -> None:
        data = self.data
        if self._grad is None and g.dtype == data.dtype and g.shape == data.shape:
            self._grad = g  # the engine's own array: kept, not copied
        else:
            self._accumulate(g)

    def _accumulate(self, g: Any) -> None:
        # Until someone reads ``.grad``, the gradient stays a bare array (no Tensor to make each
        # pass); once read, later passes add into that same Tensor, as PyTorch does.
        old = self._grad
        if old is None:
            self._grad = self._raw_grad(g)
        elif np.shape(g) != self.data.shape:
            self._raw_grad(g)  # raises, naming both shapes
        elif isinstance(old, Tensor):
            old.data = np.asarray(old.data + g, dtype=self.data.dtype)
        else:
            self._grad = (old + g).astype(self.data.dtype, copy=False)

    @property
    def grad(self) -> Tensor | None:
        """The gradient backward accumulated here: a `Tensor` of this one's shape and dtype,
        outside any graph; None before the first backward (and after ``zero_grad``).

        It may be set to None, or to a tensor or array of this tensor's shape and dtype.
        """
        g = self._grad
        if g is None or isinstance(g, Tensor):
            return g
        made = self._grad = Tensor._wrap(g)
        return made

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is None:
            self._grad = None
            return
        if not isinstance(value, Tensor | np.ndarray):
            raise TypeError(
                f"grad: expected a Tensor, an array or None, not {type(value).__name__}"
            )
        data = value.data if isinstance(value, Tensor) else value
        if data.shape != self.data.shape or data.dtype != self.data.dtype:
            raise ValueError(
                f"grad: a gradient of shape {data.shape} and dtype {data.dtype} cannot be the "
                f"gradient of a tensor of shape {self.data.shape} and dtype {self.data.dtype}"
            )
        self._grad = value if isinstance(value, Tensor) else Tensor._wrap(value)

    # -- attributes ---------------------------------------------------------------------------
    # Read by every rule: getters made of `operator.attrgetter`, which run without a Python frame.
    shape: tuple[int, ...] = property(  # type: ignore[assignment]
        operator.attrgetter("data.shape"), doc="The array's shape."
    )
    ndim: int = property(  # type: ignore[assignment]
        operator.attrgetter("data.ndim"), doc="The number of dimensions."
    )
    dtype: np.dtype = property(  # type: ignore[assignment]
        operator.attrgetter("data.dtype"), doc="The numpy dtype of the data (and of the gradient)."
    )

    def size(self, dim: int | None = None) -> Any:
        """The shape as a `Size` (a tuple), or the length of dim ``dim``, as in PyTorch.

        Examples
        --------
        >>> import microgradnet as mg
        >>> x = mg.zeros(2, 3)
        >>> x.size(), x.size(-1)
        (Size([2, 3]), 3)
        """
        if dim is None:
            return Size(self.data.shape)
        (d,) = normalize_dims(dim, self.data.ndim, "size")
        return self.data.shape[d] if self.data.ndim else 1

    def numel(self) -> int:
        """The number of elements."""
        return int(self.data.size)

    def dim(self) -> int:
        """The number of dimensions (``ndim``)."""
        return int(self.data.ndim)

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return int(self.data.itemsize)

    def _new(self, data: np.ndarray, requires_grad: bool) -> Tensor:
        return Tensor(data, requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Zeros of ``size`` with this tensor's dtype (or ``dtype``)."""
        shape = sizes(size, "new_zeros")
        return self._new(np.zeros(shape, dtype or self.data.dtype), requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Ones of ``size`` with this tensor's dtype (or ``dtype``)."""
        shape = sizes(size, "new_ones")
        return self._new(np.ones(shape, dtype or self.data.dtype), requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """An uninitialised tensor of ``size`` with this tensor's dtype (or ``dtype``)."""
        shape = sizes(size, "new_empty")
        return self._new(np.empty(shape, dtype or self.data.dtype), requires_grad)

    def new_full(
        self, size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """``fill_value`` repeated to ``size``, with this tensor's dtype (or ``dtype``)."""
        shape = sizes((size,), "new_full")
        return self._new(np.full(shape, fill_value, dtype or self.data.dtype), requires_grad)

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A new tensor of ``data`` with this tensor's dtype (or ``dtype``)."""
        return Tensor(data, requires_grad=requires_grad, dtype=dtype or self.data.dtype)

    def cpu(self) -> Tensor:
        """This tensor (every tensor lives in main memory)."""
        return self

    def _one_element(self, what: str) -> Any:
        if self.data.size != 1:
            raise RuntimeError(
                f"{what}: only a tensor with one element can be converted to a Python number, "
                f"not one of shape {self.data.shape}"
            )
        return self.data.reshape(()).item()

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def item(self) -> Any:
        """The single element as a Python number (float, int or bool, by the dtype)."""
        if self.data.size != 1:
            raise ValueError(f"item: the tensor has {self.data.size} elements, not 1")
        return self.data.item()

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

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # ``np.exp(t)``, ``array + t``, ``np.float64(2) * t``: Tensors that record.
        return numpy_functions.array_ufunc(Tensor, ufunc, method, inputs, kwargs)

    def __array_function__(
        self, func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        # ``np.sum(t, axis=0)``, ``np.concatenate([t, a])``, ...: Tensors that record.
        return numpy_functions.array_function(Tensor, func, types, args, kwargs)

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
        """The same data, cut from the graph (shares memory and the version counter)."""
        t = Tensor._wrap(self.data)
        t._vc = self._counter()
        return t

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
        if self.requires_grad and this_thread.switches.grad_enabled:
            raise RuntimeError(
                f"{what}: in-place change of a tensor that requires grad (shape {self.shape}); "
                "do it under microgradnet.no_grad()"
            )
        self.data[index] = result
        self._counter()[0] += 1
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

    __iadd__ = _augmentation(ops.add, np.add)
    __isub__ = _augmentation(ops.sub, np.subtract)
    __imul__ = _augmentation(ops.mul, np.multiply)
    __itruediv__ = _augmentation(ops.div, np.true_divide)

    # -- arithmetic ---------------------------------------------------------------------------
    __add__, __radd__ = _operators(Add, "add")
    __sub__, __rsub__ = _operators(Sub, "sub")
    __mul__, __rmul__ = _operators(Mul, "mul")
    __truediv__, __rtruediv__ = _operators(Div, "div")
    __pow__, __rpow__ = _operators(ops.pow, "pow")
    __mod__, __rmod__ = _operators(ops.remainder, "remainder")
    __floordiv__, __rfloordiv__ = _operators(ops.floor_divide, "floor_divide")
    __matmul__, __rmatmul__ = _operators(MatMul, "matmul")

    def __neg__(self) -> Tensor:
        out: Tensor = ops.neg(self)
        return out

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        out: Tensor = ops.abs(self)
        return out

    # -- comparisons: boolean tensors, no gradient --------------------------------------------
    def _compare(self, other: Any, fn: Any) -> Tensor:
        o = other.data if isinstance(other, Node) else other
        return Tensor._wrap(np.asarray(fn(self.data, o)))

    __lt__ = _comparison(np.less)
    __le__ = _comparison(np.less_equal)
    __gt__ = _comparison(np.greater)
    __ge__ = _comparison(np.greater_equal)
    __eq__ = _comparison(np.equal)  # type: ignore[assignment]
    __ne__ = _comparison(np.not_equal)  # type: ignore[assignment]

    # -- bit operations: integer and boolean tensors, no gradient -----------------------------
    __and__, __rand__ = _operators(ops.bitwise_and)
    __or__, __ror__ = _operators(ops.bitwise_or)
    __xor__, __rxor__ = _operators(ops.bitwise_xor)
    __lshift__, __rlshift__ = _operators(ops.bitwise_left_shift)
    __rshift__, __rrshift__ = _operators(ops.bitwise_right_shift)

    def __invert__(self) -> Tensor:
        out: Tensor = ops.bitwise_not(self)
        return out

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"bool: the truth value of a tensor of shape {self.data.shape} is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._one_element("bool"))

    def __float__(self) -> float:
        return float(self._one_element("float"))

    def __int__(self) -> int:
        return int(self._one_element("int"))

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu":
            raise TypeError(
                f"index: only integer tensors can be used as an index, not dtype {self.data.dtype}"
            )
        return int(self._one_element("index"))

    def __getitem__(self, index: Any) -> Tensor:
        """numpy indexing: ints, slices, None, ``...``, integer arrays and boolean masks.

        Repeated integer indices add up their gradients.

        Examples
        --------
        >>> import microgradnet as mg
        >>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> x[[0, 0, 2]].sum().backward()
        >>> x.grad
        tensor([2., 0., 1.])
        """
        out: Tensor = ops.getitem(self, index)
        return out

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The tensor with its dims reversed."""
        out: Tensor = ops.reverse_dims(self)
        return out

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The tensor with its last two dims swapped."""
        out: Tensor = ops.matrix_transpose(self)
        return out


def _operand(other: Any, op: str, like: Tensor) -> Any:
    """Accept tensors, Python numbers and arrays as the other operand of ``op``."""
    kind = type(other)
    if kind is float or kind is int or kind is Tensor or kind is bool:
        return other
    if isinstance(other, Tensor | float | int):  # subclasses; bool is an int
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
    >>> mg.tensor([[1.0, 2.0], [3.0, 4.0]]).dtype, mg.tensor([1, 2]).dtype
    (dtype('float64'), dtype('int64'))
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def _holds_nodes(x: Any) -> bool:
    return isinstance(x, list | tuple) and any(isinstance(e, Node) for e in x)


def _as_result(out: Any) -> Any:
    if isinstance(out, Node):
        return out
    if isinstance(out, tuple):
        return (
            type(out)(*map(_as_result, out))
            if hasattr(out, "_fields")
            else tuple(map(_as_result, out))
        )
    return Tensor._wrap(np.asarray(out))


def tensor_function(entry: Entry | Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` of `microgradnet.ops` as a function of the ``microgradnet`` namespace: array-likes
    in, `Tensor`s out.

    ``entry`` is an entry of the table of operations, or a plain function of ``microgradnet.ops``.
    Its first input (each of them, for an entry that takes a sequence), when it is a list or an
    array, or when no input is a node, becomes a constant `Tensor`; a Python number beside a
    node stays a number and takes the node's dtype. One wrapper per function, however many
    names it has.
    """
    if isinstance(entry, Entry):
        fn, sequence = entry.fn, entry.sequence
    else:
        fn, sequence = entry, False
    made = _wrappers.get(id(fn))
    if made is not None:
        return made

    def constant(x: Any, others: Any) -> Any:
        if isinstance(x, Node | str):  # a str is a parameter (einsum's equation), not data
            return x
        if isinstance(x, list | tuple | np.ndarray | np.generic) or not any(
            isinstance(a, Node) for a in others
        ):
            return Tensor(x)
        return x

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Node):
            out = fn(*args, **kwargs)
            return out if isinstance(out, Node) else _as_result(out)
        if args:
            first = args[0]
            if sequence and isinstance(first, list | tuple):
                first = [constant(x, first) for x in first]
            elif not sequence and not _holds_nodes(first):
                first = constant(first, args)
            args = (first, *args[1:])
        return _as_result(fn(*args, **kwargs))

    _wrappers[id(fn)] = call
    return call


_wrappers: dict[int, Callable[..., Any]] = {}


install(Tensor, "method")
