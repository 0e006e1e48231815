"""`Optimizer`: parameter groups, per-parameter state, ``step``, ``zero_grad`` and state dicts.

A subclass gives one update rule, `Optimizer._update`, written on raw data with plain arithmetic,
so the same rule updates a `Tensor` (numpy arrays) and a `Value` (Python floats).
"""

from __future__ import annotations

import copy
import inspect
from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import InitVar, dataclass
from typing import Any, ClassVar, TypeVar, dataclass_transform, overload

import numpy as np

from ..engine import Node, enable_grad, no_grad, this_thread

ParamsT = Iterable[Node] | Iterable[dict[str, Any]]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Hyperparameter:
    """What a hyperparameter field of an `Optimizer` subclass declares (see `hyperparameter`)."""

    default: Any = inspect.Parameter.empty
    minimum: float | None = None
    convert: Callable[[Any], Any] | None = None


@overload
def hyperparameter(
    *, default: _T, minimum: float | None = None, convert: Callable[[Any], _T] | None = None
) -> _T: ...
@overload
def hyperparameter(
    *, minimum: float | None = None, convert: Callable[[Any], Any] | None = None
) -> Any: ...
def hyperparameter(
    *,
    default: Any = inspect.Parameter.empty,
    minimum: float | None = None,
    convert: Callable[[Any], Any] | None = None,
) -> Any:
    """Declare a hyperparameter of an `Optimizer` subclass: ``lr: float = hyperparameter(...)``.

    The class's constructor then takes it, after ``params`` and in the order of declaration
    (a subclass's redeclaration keeps the place of the original), into ``defaults``.

    Parameters
    ----------
    default : optional
        Its value when the constructor is not given one; without it the argument is required.
    minimum : float, optional
        The least value a parameter group may have (checked for every group).
    convert : callable, optional
        Applied to the constructor's argument (``tuple`` for `Adam`'s ``betas``).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.optim import Optimizer, hyperparameter
    >>> class SignSGD(Optimizer):
    ...     lr: float = hyperparameter(default=0.1, minimum=0.0)
    ...
    ...     def _update(self, param, grad, state, group):
    ...         return param - group["lr"] * (1.0 if grad > 0 else -1.0)
    >>> w = mg.Value(2.0)
    >>> opt = SignSGD([w])
    >>> (w * w).backward()
    >>> opt.step()
    >>> w.data, opt.defaults
    (1.9, {'lr': 0.1})
    """
    return Hyperparameter(default, minimum, convert)


@dataclass_transform(field_specifiers=(hyperparameter,))
class _Declared:
    """Tells type checkers that a subclass's ``name: type = hyperparameter(...)`` fields make its
    constructor (`Optimizer.__init_subclass__` makes it at run time)."""


class Optimizer(_Declared):
    """Base class of optimizers: holds parameter groups and the state of each parameter.

    Parameters
    ----------
    params : iterable of Tensor or Value, or iterable of dict
        The parameters to update, or parameter groups: dicts with a ``"params"`` entry and any
        hyperparameters that differ from ``defaults`` for that group.
    defaults : dict
        The hyperparameters of every group that does not set its own.

    Attributes
    ----------
    param_groups : list of dict
        Each group's ``"params"`` (a list) and hyperparameters (``"lr"`` ...). Schedules change
        ``"lr"`` here.
    state : dict
        For each parameter that has been updated, its state (``"step"``, moment buffers ...).

    Notes
    -----
    A subclass declares each hyperparameter once, as a field with its default and least value,
    ``lr: float = hyperparameter(default=1e-3, minimum=0.0)``, and gets the constructor
    ``(params, lr=0.001, ...)``; the fields are not attributes (the values live in
    `param_groups`). A subclass may instead define ``__init__`` and call
    ``super().__init__(params, defaults)``, as in PyTorch. A subclass of such a class that
    declares nothing keeps its ``__init__``; ``class Mine(Base, init=False)`` says so to type
    checkers, which otherwise take its constructor to be ``(params)``.
    """

    # The first argument of every constructor, for type checkers; not an attribute.
    params: InitVar[ParamsT]
    # The declared hyperparameters, the inherited ones included, in the constructor's order.
    _hyperparameters: ClassVar[Mapping[str, Hyperparameter]] = {}

    def __init_subclass__(cls, *, init: bool = True, **kwargs: Any) -> None:
        """Collect the hyperparameters a subclass declares; unless it defines ``__init__`` or
        says ``init=False``, give it the constructor ``(params, <hyperparameters>)`` when it
        declares any."""
        super().__init_subclass__(**kwargs)
        declared = {k: v for k, v in vars(cls).items() if isinstance(v, Hyperparameter)}
        for name in declared:
            delattr(cls, name)  # the live values are in ``param_groups``, as in PyTorch
        cls._hyperparameters = {**cls._hyperparameters, **declared}
        if declared and init and "__init__" not in vars(cls):
            type.__setattr__(cls, "__init__", _constructor(cls))  # mypy refuses cls.__init__ = ...

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Node, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join([*lines, ")"])

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with hyperparameters that default to ``defaults``.

        Raises
        ------
        ValueError
            If a parameter is already in a group, is not a leaf, or does not require grad.
        """
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{type(self).__name__}: a parameter group is a dict, "
                f"not a {type(param_group).__name__}"
            )
        params = param_group["params"]
        params = [params] if isinstance(params, Node) else list(params)
        name = type(self).__name__
        known = {id(p) for group in self.param_groups for p in group["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Node):
                raise TypeError(
                    f"{name}: parameter {i} is a {type(p).__name__}, not a Tensor or Value"
                )
            if not p.requires_grad or not p.is_leaf:
                raise ValueError(
                    f"{name}: parameter {i} (shape {p.shape}) must be a leaf that requires grad"
                )
            if id(p) in known:
                raise ValueError(f"{name}: parameter {i} (shape {p.shape}) appears twice")
            known.add(id(p))
        group = {**self.defaults, **param_group, "params": params}
        self._check_hyperparameters(group)
        self.param_groups.append(group)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise `ValueError` for a group whose hyperparameters are out of range."""
        name = type(self).__name__
        if group["lr"] < 0:
            raise ValueError(f"{name}: invalid learning rate {group['lr']}")
        for key, spec in self._hyperparameters.items():
            if spec.minimum is not None and group[key] < spec.minimum:
                raise ValueError(f"{name}: invalid {key} {group[key]}")

    @staticmethod
    def _decayed(grad: Any, param: Any, group: dict[str, Any]) -> Any:
        """``grad`` plus the L2 term ``weight_decay * param`` (when ``weight_decay`` is set)."""
        return grad + group["weight_decay"] * param if group["weight_decay"] else grad

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear gradients: None for a Tensor (zeros if not ``set_to_none``), 0.0 for a Value."""
        if this_thread.switches.tracer is not None:
            return this_thread.switches.tracer.call(self.zero_grad, set_to_none)  # type: ignore[no-any-return]
        for group in self.param_groups:
            for p in group["params"]:
                if p.holds_float:
                    p.grad = 0.0
                elif set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return what ``closure`` returned.

        Parameters
        ----------
        closure : callable, optional
            Recomputes the loss (with its backward pass) before the update; its result is
            returned.
        """
        if this_thread.switches.tracer is not None:
            return this_thread.switches.tracer.call(self.step, closure)
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = p.grad if p.holds_float else p.grad.data
                    new = self._update(p.data, grad, self.state.setdefault(p, {}), group)
                    if p.holds_float:
                        p.data = float(new)
                    else:
                        p.copy_(new)
        return loss

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        """The new value of one parameter (raw data); may update ``state`` in place."""
        raise NotImplementedError

    # -- checkpoints ---------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain data, parameters named by their position.

        ``{"state": {index: {name: value}}, "param_groups": [{hyperparameters, "params": [index,
        ...]}]}``, where indices count the parameters through the groups in order, as PyTorch's.
        Arrays are copies.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[id(p)] = len(index)
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state made by `state_dict` for the same parameters in the same groups.

        Raises
        ------
        ValueError
            If the number of groups or of parameters in a group differs, or a saved buffer's
            shape differs from its parameter's.
        """
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state has {len(saved_groups)} parameter groups, "
                f"the optimizer {len(self.param_groups)}"
            )
        params: dict[int, Node] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: group {i} has {len(saved['params'])} parameters in "
                    f"the state, {len(group['params'])} in the optimizer"
                )
            params.update(zip(saved["params"], group["params"]))
        state: dict[Node, dict[str, Any]] = {}
        for key, saved_state in state_dict["state"].items():
            p = params.get(int(key))
            if p is None:
                raise ValueError(f"{name}.load_state_dict: the state names no parameter {key}")
            where = f"{name}.load_state_dict"
            state[p] = {k: _restore(v, p, where, k) for k, v in saved_state.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = state


def _constructor(cls: type[Optimizer]) -> Callable[..., None]:
    """``__init__(self, params, <cls's hyperparameters>)``, passing them to `Optimizer.__init__`
    as ``defaults``."""
    specs = cls._hyperparameters
    hints = ChainMap(
        {"params": "ParamsT"}, *(vars(c).get("__annotations__", {}) for c in cls.__mro__)
    )

    def parameter(name: str, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
        return inspect.Parameter(
            name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=default,
            annotation=hints.get(name, inspect.Parameter.empty),
        )

    names = [parameter("self"), parameter("params")]
    try:
        signature = inspect.Signature(names + [parameter(k, s.default) for k, s in specs.items()])
    except ValueError as error:  # a required hyperparameter after one with a default
        raise TypeError(f"{cls.__name__}: {error}") from None

    def __init__(self: Optimizer, *args: Any, **kwargs: Any) -> None:  # noqa: N807
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{type(self).__name__}: {error}") from None
        bound.apply_defaults()
        values = bound.arguments
        defaults = {
            name: spec.convert(values[name]) if spec.convert else values[name]
            for name, spec in specs.items()
        }
        Optimizer.__init__(self, values["params"], defaults)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__dict__["__signature__"] = signature  # what inspect.signature, help and Sphinx show
    return __init__


def _restore(value: Any, param: Node, where: str, key: str) -> Any:
    """A saved state entry, copied; arrays must have the parameter's shape and take its dtype."""
    if not isinstance(value, np.ndarray):
        return copy.deepcopy(value)
    if value.shape != param.shape:
        raise ValueError(
            f"{where}: state {key!r} has shape {value.shape}, its parameter {param.shape}"
        )
    if param.holds_float:
        return value.item()
    return np.array(value, dtype=param.data.dtype)
