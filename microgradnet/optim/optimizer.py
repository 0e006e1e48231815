"""`Optimizer`: parameter groups, per-parameter state, ``step``, ``zero_grad`` and state dicts.

A subclass gives one update rule, `Optimizer._update`, written on raw data with plain arithmetic,
so the same rule updates a `Tensor` (numpy arrays) and a `Value` (Python floats).
"""

from __future__ import annotations

import copy
import types
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

from ..engine import Node, enable_grad, no_grad, this_thread

ParamsT = Iterable[Node] | Iterable[dict[str, Any]]
_F = TypeVar("_F", bound=Callable[..., Any])


def with_defaults(function: _F, **defaults: Any) -> _F:
    """``function`` (a subclass's ``__init__``) with other default values for some arguments.

    One constructor then serves a subclass that differs only in its defaults (`AdamW`'s
    ``weight_decay``), its signature showing the subclass's own defaults.
    """
    code = function.__code__
    names = code.co_varnames[: code.co_argcount]
    values = dict(
        zip(names[len(names) - len(function.__defaults__ or ()) :], function.__defaults__ or ())
    )
    unknown = set(defaults) - set(values)
    if unknown:
        raise TypeError(
            f"with_defaults: {function.__qualname__} has no defaulted {sorted(unknown)}"
        )
    values.update(defaults)
    copied = types.FunctionType(
        code, function.__globals__, function.__name__, tuple(values.values()), function.__closure__
    )
    copied.__kwdefaults__ = function.__kwdefaults__
    copied.__annotations__ = dict(function.__annotations__)
    copied.__doc__, copied.__qualname__ = function.__doc__, function.__qualname__
    return copied  # type: ignore[return-value]


class Optimizer:
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
    """

    #: Hyperparameters that must not be negative (besides ``lr``).
    _nonnegative: tuple[str, ...] = ()

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
        for key in self._nonnegative:
            if group[key] < 0:
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
