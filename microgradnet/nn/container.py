"""Containers by name, `ModuleDict` and `ParameterDict`, and `Unflatten`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ..tensor import Tensor
from .module import Module, Param


class ModuleDict(Module):
    """Sub-modules by name, registered as children under those names.

    Examples
    --------
    >>> from microgradnet import nn
    >>> heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Identity()})
    >>> list(heads), [n for n, _ in heads.named_parameters()]
    (['a', 'b'], ['a.weight', 'a.bias'])
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] = ()) -> None:
        super().__init__()
        self.update(modules)

    def __getitem__(self, key: str) -> Module:
        module = self._modules.get(key)
        if module is None:
            raise KeyError(f"ModuleDict: no module {key!r}; it has {list(self._modules)}")
        return module

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        """The names."""
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        """The modules."""
        return [m for m in self._modules.values() if m is not None]

    def items(self) -> Iterable[tuple[str, Module]]:
        """``(name, module)`` pairs."""
        return [(k, m) for k, m in self._modules.items() if m is not None]

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or from ``(name, module)`` pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self.add_module(key, module)


class ParameterDict(Module):
    """Parameters (`Parameter`s or `Value`s) by name.

    Examples
    --------
    >>> from microgradnet import nn
    >>> ps = nn.ParameterDict({"scale": nn.Parameter([1.0]), "shift": nn.Parameter([0.0])})
    >>> sorted(ps.state_dict())
    ['scale', 'shift']
    """

    def __init__(self, parameters: Mapping[str, Param] | Iterable[tuple[str, Param]] = ()) -> None:
        super().__init__()
        self.update(parameters)

    def __getitem__(self, key: str) -> Param:
        p = self._parameters.get(key)
        if p is None:
            raise KeyError(f"ParameterDict: no parameter {key!r}; it has {list(self._parameters)}")
        return p

    def __setitem__(self, key: str, param: Param) -> None:
        self.register_parameter(key, param)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> Iterable[str]:
        """The names."""
        return self._parameters.keys()

    def values(self) -> Iterable[Param]:
        """The parameters."""
        return [p for p in self._parameters.values() if p is not None]

    def items(self) -> Iterable[tuple[str, Param]]:
        """``(name, parameter)`` pairs."""
        return [(k, p) for k, p in self._parameters.items() if p is not None]

    def update(self, parameters: Mapping[str, Param] | Iterable[tuple[str, Param]]) -> None:
        """Add or replace parameters from a mapping or from ``(name, parameter)`` pairs."""
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for key, p in pairs:
            self.register_parameter(key, p)

    def extra_repr(self) -> str:
        return "\n".join(f"({k}): Parameter{getattr(p, 'shape', ())}" for k, p in self.items())


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: the inverse of `Flatten`.

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.Unflatten(1, (2, 3))(mg.tensor(np.zeros((4, 6)))).shape
    (4, 2, 3)
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with dimension ``dim`` split."""
        n = x.ndim
        if not -n <= self.dim < n:
            raise ValueError(f"Unflatten: dim {self.dim} is out of range for shape {x.shape}")
        d = self.dim % n
        return x.reshape(x.shape[:d] + self.unflattened_size + x.shape[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
