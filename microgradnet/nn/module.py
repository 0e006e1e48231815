"""`Module`, the base of every layer, and the containers `Sequential`, `ModuleList` and
`ParameterList`.

A module registers what is assigned to its attributes: a `Parameter` (a `Tensor` that requires
grad) or a leaf `Value` that requires grad becomes a parameter, another `Module` a child. Names are
dotted paths through the tree (``layers.0.weight``), as in PyTorch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar

import numpy as np

from ..engine import GraphOp, Node, no_grad
from ..ops.base import scope as _scope
from ..tensor import Tensor
from ..value import Value

M = TypeVar("M", bound="Module")


def running_module() -> Module | None:
    """The innermost module whose forward is running in this thread (None outside any)."""
    module: Module | None = _scope.module
    return module


L = TypeVar("L", bound="_Indexed")


class Parameter(Tensor):
    """A `Tensor` that a `Module` registers as trainable; it requires grad unless told otherwise.

    Results of operations on a parameter are plain `Tensor`s.

    Parameters
    ----------
    data : array-like
        The initial values (copied).
    requires_grad : bool
        Whether optimizers and ``backward`` see it (True).
    dtype : numpy dtype, optional
        Convert the data to this dtype.

    Examples
    --------
    >>> from microgradnet import nn
    >>> w = nn.Parameter([1.0, 2.0])
    >>> w.requires_grad, type(w * 2).__name__
    (True, 'Tensor')
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    @classmethod
    def _wrap(cls, data: Any, ctx: GraphOp | None = None, like: Node | None = None) -> Tensor:
        return Tensor._wrap(data, ctx, like)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


#: What a module holds as a parameter.
Param = Parameter | Value


def _is_param(value: Any) -> bool:
    if isinstance(value, Parameter):
        return True
    return isinstance(value, Value) and value.is_leaf and value.requires_grad


#: The dtype kinds a state dict's value may have, by the kind of the parameter it goes into.
_LOADABLE_KINDS = {"f": "fiu", "i": "iu", "u": "iu", "b": "b"}


def _state_array(value: Any, param: Param | Tensor) -> tuple[np.ndarray, str | None]:
    """``value`` as an array, and what makes it unfit for ``param`` (None if nothing)."""
    if isinstance(value, np.ma.MaskedArray):
        return np.asarray(value), "a masked array, whose mask would be lost"
    try:
        src = np.asarray(value)
    except ValueError as err:  # ragged nested lists
        return np.empty(0), f"not an array: {err}"
    dtype = np.dtype(np.float64) if isinstance(param, Value) else param.dtype
    if src.dtype.kind not in _LOADABLE_KINDS.get(dtype.kind, ""):
        return src, f"state dtype {src.dtype}, model {dtype}"
    return src, None


class IncompatibleKeys(NamedTuple):
    """What `Module.load_state_dict` found: the model's names the state lacks, and the reverse."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _indent(text: str, spaces: int) -> str:
    return text.replace("\n", "\n" + " " * spaces)


def _check_divisible(layer: str, name: str, value: int, by_name: str, by: int) -> None:
    """Raise naming ``layer`` unless ``by`` is positive and divides ``value``."""
    if by < 1 or value % by:
        raise ValueError(f"{layer}: {name}={value} must be divisible by {by_name}={by}")


class Module:
    """Base class of layers and models: holds parameters and sub-modules, runs ``forward``.

    Subclasses call ``super().__init__()`` first, assign parameters and sub-modules as attributes,
    and define ``forward``. Calling the module runs ``forward`` with the module noted as the
    current scope, so drawings of the graph can group its operations.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> class Affine(nn.Module):
    ...     def __init__(self) -> None:
    ...         super().__init__()
    ...         self.scale = nn.Parameter([2.0])
    ...         self.inner = nn.Linear(1, 1)
    ...     def forward(self, x):
    ...         return self.inner(x) * self.scale
    >>> [name for name, _ in Affine().named_parameters()]
    ['scale', 'inner.weight', 'inner.bias']
    """

    training: bool
    _parameters: dict[str, Param | None]
    _modules: dict[str, Module | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent: set[str]

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())

    # -- registration -------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if params is None:
            raise AttributeError(
                f"{type(self).__name__}: cannot assign attribute {name!r} before "
                "Module.__init__() has run; call super().__init__() first"
            )
        modules = self._modules
        if name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"{type(self).__name__}: cannot assign a {type(value).__name__} "
                    f"to the buffer {name!r} (a Tensor or None expected)"
                )
            self._buffers[name] = value
        elif _is_param(value):
            modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None)
            modules[name] = value
        elif name in params or name in modules:
            if value is not None:
                kind = "parameter" if name in params else "sub-module"
                raise TypeError(
                    f"{type(self).__name__}: cannot assign a {type(value).__name__} to the "
                    f"{kind} {name!r} (a {kind} or None expected)"
                )
            (params if name in params else modules)[name] = None
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Register ``tensor`` (made a `Tensor` that needs no grad; or None) as the buffer
        ``name``: state that is not trained, such as batch norm's running statistics. A
        persistent buffer is saved and loaded by `state_dict` with the parameters.

        Examples
        --------
        >>> from microgradnet import nn
        >>> m = nn.Module()
        >>> m.register_buffer("count", np.zeros(()))
        >>> list(m.state_dict())
        ['count']
        """
        if name in self._parameters or name in self._modules:
            raise KeyError(f"register_buffer: {name!r} is already a parameter or a sub-module")
        if tensor is not None and not isinstance(tensor, Tensor):
            tensor = Tensor(tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """The buffers with dotted names (``bn.running_mean``)."""
        tree = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, module in tree:
            for name, b in module._buffers.items():
                if b is not None:
                    yield _join(mod_name, name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def _named_state(self, prefix: str = "") -> Iterator[tuple[str, Param | Tensor]]:
        """Parameters, then persistent buffers, module by module: PyTorch's state dict order."""
        for mod_name, module in self.named_modules(prefix, remove_duplicate=False):
            for name, p in module._parameters.items():
                if p is not None:
                    yield _join(mod_name, name), p
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    yield _join(mod_name, name), b

    def register_parameter(self, name: str, param: Param | None) -> None:
        """Register ``param`` (a `Parameter`, a `Value` or None) under ``name``."""
        if param is not None and not _is_param(param):
            raise TypeError(
                f"register_parameter: {name!r} must be a Parameter, a leaf Value that requires "
                f"grad, or None, not a {type(param).__name__}"
            )
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or None) as the child ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, not a {type(module).__name__}")
        self._modules[name] = module
        object.__setattr__(self, name, module)

    # -- running ------------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Ops recorded inside note this module (the innermost running one) for drawings.
        outer = _scope.module
        _scope.module = self
        try:
            return self.forward(*args, **kwargs)
        finally:
            _scope.module = outer

    def train(self: M, mode: bool = True) -> M:
        """Set ``training`` on this module and every sub-module; returns ``self``."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self: M) -> M:
        """Evaluation mode (``train(False)``): dropout passes its input through."""
        return self.train(False)

    # -- walking the tree ---------------------------------------------------------------------
    def named_modules(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and all below it, with dotted names, parents before children."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [(_join(name, k), m) for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and all below it."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their names."""
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, m in self.named_children():
            yield m

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Param]]:
        """The parameters with dotted names (``layers.0.weight``); a shared one comes once."""
        seen: set[int] = set()
        tree = self.named_modules(prefix, remove_duplicate) if recurse else iter([(prefix, self)])
        for mod_name, module in tree:
            for name, p in module._parameters.items():
                if p is None:
                    continue
                if remove_duplicate:
                    if id(p) in seen:
                        continue
                    seen.add(id(p))
                yield _join(mod_name, name), p

    def parameters(self, recurse: bool = True) -> Iterator[Param]:
        """The parameters, for an optimizer."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients: None for `Tensor` parameters (zeros if not ``set_to_none``), 0.0
        for `Value` parameters."""
        for p in self.parameters():
            if isinstance(p, Value):
                p.grad = 0.0
            elif set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.zero_()

    # -- state --------------------------------------------------------------------------------
    def state_dict(self, prefix: str = "") -> OrderedDict[str, np.ndarray]:
        """A copy of every parameter and persistent buffer, by dotted name: arrays for tensors,
        0-d float64 arrays for `Value`s. A parameter shared by two modules appears under both
        names, as in PyTorch.

        Examples
        --------
        >>> from microgradnet import nn
        >>> sorted(nn.Linear(2, 3).state_dict().items())[0][1].shape
        (3,)
        """
        return OrderedDict(
            (name, np.array(p.data, dtype=np.float64) if isinstance(p, Value) else p.data.copy())
            for name, p in self._named_state(prefix)
        )

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` (as `state_dict` makes) into this
        module, in place.

        Nothing is copied unless every shape matches, every value's dtype converts to its
        parameter's without losing meaning (integers or floats into a float parameter; never
        bools, strings, complex numbers, objects or masked arrays), and, when ``strict``, the
        names agree exactly; otherwise a `RuntimeError` lists the missing names, the unexpected
        names, the shape mismatches and the dtype mismatches.

        Returns
        -------
        IncompatibleKeys
            The missing and the unexpected names (both empty when ``strict`` succeeds).
        """
        own = OrderedDict(self._named_state())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        sources: list[tuple[Param | Tensor, np.ndarray]] = []
        mismatched, wrong_dtypes = [], []
        for name, p in own.items():
            if name not in state_dict:
                continue
            src, problem = _state_array(state_dict[name], p)
            if problem is not None:
                wrong_dtypes.append(f"{name} ({problem})")
            elif src.shape != p.shape:
                mismatched.append(f"{name} (state {src.shape}, model {p.shape})")
            sources.append((p, src))
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + ", ".join(mismatched))
        if wrong_dtypes:
            problems.append("dtype mismatches: " + ", ".join(wrong_dtypes))
        if problems:
            raise RuntimeError(f"load_state_dict of {type(self).__name__}: " + "; ".join(problems))
        with no_grad():
            for p, src in sources:
                if isinstance(p, Value):
                    p.data = float(src)
                else:
                    p.copy_(src)
        return IncompatibleKeys(missing, unexpected)

    # -- printing -----------------------------------------------------------------------------
    def summary(self, example_input: Any) -> Any:
        """A table of this model's layers, output shapes and parameter counts
        (`microgradnet.viz.summary`; the model runs once on ``example_input``)."""
        from ..viz.summary import summary  # a tool above nn: imported on use

        return summary(self, example_input)

    def extra_repr(self) -> str:
        """This module's own settings, as shown in its repr (``in_features=3, ...``)."""
        return ""

    def _child_lines(self) -> list[str]:
        return [f"({k}): " + _indent(repr(m), 2) for k, m in self._modules.items() if m is not None]

    def __repr__(self) -> str:
        extra = self.extra_repr()
        children = self._child_lines()
        lines = (extra.split("\n") if extra else []) + children
        if not children and len(lines) <= 1:
            return f"{type(self).__name__}({extra})"
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"


class _Indexed(Module):
    """Children named '0', '1', ...: indexing, len, iteration and appending, shared by the lists."""

    def _items(self) -> list[Any]:
        return [m for m in self._modules.values() if m is not None]

    def _add(self, item: Any) -> None:
        self.add_module(str(len(self._modules)), item)

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items())

    def __getitem__(self, index: int | slice) -> Any:
        items = self._items()
        if isinstance(index, slice):
            return type(self)._from(items[index])
        try:
            return items[index]
        except IndexError:
            raise IndexError(
                f"{type(self).__name__}: index {index} is out of range for {len(items)} items"
            ) from None

    @classmethod
    def _from(cls, items: list[Any]) -> Any:
        return cls(items)  # type: ignore[call-arg]

    def append(self: L, item: Any) -> L:
        """Add ``item`` at the end; returns ``self``."""
        self._add(item)
        return self

    def extend(self: L, items: Iterable[Any]) -> L:
        """Add each of ``items`` at the end; returns ``self``."""
        for item in items:
            self._add(item)
        return self

    def _child_lines(self) -> list[str]:
        # Runs of identical children print once, as PyTorch does: "(0-15): 16 x Neuron(...)".
        names = [name for name, m in self._modules.items() if m is not None]
        return [
            f"({names[a]}): {_indent(text, 2)}"
            if a == b
            else f"({names[a]}-{names[b]}): {b - a + 1} x {_indent(text, 2)}"
            for a, b, text in _runs([repr(m) for m in self._items()])
        ]


def _runs(texts: list[str]) -> list[tuple[int, int, str]]:
    """Runs of equal consecutive strings as (first index, last index, string)."""
    runs: list[tuple[int, int, str]] = []
    for i, text in enumerate(texts):
        if runs and runs[-1][2] == text:
            runs[-1] = (runs[-1][0], i, text)
        else:
            runs.append((i, i, text))
    return runs


class ModuleList(_Indexed):
    """Sub-modules in a list, registered as children '0', '1', ...

    Examples
    --------
    >>> from microgradnet import nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 1)])
    >>> len(layers), [n for n, _ in layers.named_parameters()][-1]
    (2, '1.bias')
    """

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self.extend(modules)


class Sequential(_Indexed):
    """Modules applied one after another; children are named '0', '1', ... (or as an OrderedDict
    names them).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> net = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 1, bias=False))
    >>> [name for name, _ in net.named_parameters()]
    ['0.weight', '2.weight']
    >>> net(mg.tensor([[0.0, 1.0, 1.0]])).shape
    (1, 1)
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            self.extend(modules)

    @classmethod
    def _from(cls, items: list[Any]) -> Any:
        return cls(*items)

    def forward(self, x: Any) -> Any:
        """Apply each module in turn."""
        for m in self._items():
            x = m(x)
        return x


class ParameterList(_Indexed):
    """Parameters (`Parameter`s or `Value`s) in a list, registered as '0', '1', ...

    Examples
    --------
    >>> from microgradnet import Value, nn
    >>> ws = nn.ParameterList([Value(0.5), Value(-1.0)])
    >>> [name for name, _ in ws.named_parameters()], ws[1].data
    (['0', '1'], -1.0)
    """

    def __init__(self, params: Iterable[Param] = ()) -> None:
        super().__init__()
        self.extend(params)

    def _items(self) -> list[Any]:
        return [p for p in self._parameters.values() if p is not None]

    def _add(self, item: Any) -> None:
        self.register_parameter(str(len(self._parameters)), item)

    def _child_lines(self) -> list[str]:
        return []

    def extra_repr(self) -> str:
        kinds = ["Value" if isinstance(p, Value) else f"Parameter{p.shape} {p.dtype}" for p in self]
        return ", ".join(text if a == b else f"{b - a + 1} x {text}" for a, b, text in _runs(kinds))
