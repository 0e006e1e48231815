"""Containers by name, `ModuleDict` and `ParameterDict`, and `Unflatten`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import ClassVar, Generic, TypeVar

from ..tensor import Tensor
from .module import Module, Param

_T = TypeVar("_T")


class _ByName(Module, Generic[_T]):
    """Entries by name, kept in the `Module` store named by ``_store`` (``"_modules"`` or
    ``"_parameters"``) and added with the method named by ``_add``."""

    _store: ClassVar[str]
    _add: ClassVar[str]
    _what: ClassVar[str]

    def _entries(self) -> dict[str, _T | None]:
        entries: dict[str, _T | None] = getattr(self, self._store)
        return entries

    def __getitem__(self, key: str) -> _T:
        entry = self._entries().get(key)
        if entry is None:
            raise KeyError(
                f"{type(self).__name__}: no {self._what} {key!r}; it has {list(self._entries())}"
            )
        return entry

    def __setitem__(self, key: str, entry: _T) -> None:
        getattr(self, self._add)(key, entry)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._entries())

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries())

    def __contains__(self, key: object) -> bool:
        return key in self._entries()

    def keys(self) -> Iterable[str]:
        """The names."""
        return self._entries().keys()

    def values(self) -> Iterable[_T]:
        """The entries."""
        return [e for e in self._entries().values() if e is not None]

    def items(self) -> Iterable[tuple[str, _T]]:
        """``(name, entry)`` pairs."""
        return [(k, e) for k, e in self._entries().items() if e is not None]

    def update(self, entries: Mapping[str, _T] | Iterable[tuple[str, _T]]) -> None:
        """Add or replace entries from a mapping or from ``(name, entry)`` pairs."""
        pairs = entries.items() if isinstance(entries, Mapping) else entries
        for key, entry in pairs:
            self[key] = entry


class ModuleDict(_ByName[Module]):
    """Sub-modules by name, registered as children under those names.

    Examples
    --------
    >>> from microgradnet import nn
    >>> heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Identity()})
    >>> list(heads), [n for n, _ in heads.named_parameters()]
    (['a', 'b'], ['a.weight', 'a.bias'])
    """

    _store, _add, _what = "_modules", "add_module", "module"

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] = ()) -> None:
        super().__init__()
        self.update(modules)


class ParameterDict(_ByName[Param]):
    """Parameters (`Parameter`s or `Value`s) by name.

    Examples
    --------
    >>> from microgradnet import nn
    >>> ps = nn.ParameterDict({"scale": nn.Parameter([1.0]), "shift": nn.Parameter([0.0])})
    >>> sorted(ps.state_dict())
    ['scale', 'shift']
    """

    _store, _add, _what = "_parameters", "register_parameter", "parameter"

    def __init__(self, parameters: Mapping[str, Param] | Iterable[tuple[str, Param]] = ()) -> None:
        super().__init__()
        self.update(parameters)

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
        out: Tensor = x.reshape(x.shape[:d] + self.unflattened_size + x.shape[d + 1 :])
        return out

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
