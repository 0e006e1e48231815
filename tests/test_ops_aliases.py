"""Every declared operation that takes PyTorch's ``dim``/``keepdim`` also takes numpy's
``axis``/``keepdims``, on `Tensor`, ``microgradnet.<name>`` and ``nn.functional`` alike."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet.nn import functional as F  # noqa: N812 - PyTorch users' spelling
from microgradnet.ops import TABLE

X = np.random.default_rng(0).normal(size=(2, 4, 6))


def _takes_only_an_input(fn: Any) -> bool:
    """Whether ``fn(x, dim=...)`` is a complete call: nothing else is required."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    return all(
        p.name == "dim" or p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in params
    )


def _with_dim() -> list[str]:
    names = []
    for name, entry in TABLE.items():
        params = inspect.signature(entry.fn).parameters
        if "dim" in params and not entry.sequence and _takes_only_an_input(entry.fn):
            names.append(name)
    return names


WITH_DIM = _with_dim()
JOINS = [name for name, entry in TABLE.items() if entry.sequence]


def _same(a: Any, b: Any) -> None:
    if isinstance(a, tuple):
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_the_reductions_and_joins_are_found() -> None:
    for name in ("sum", "mean", "amax", "softmax", "logsumexp", "var", "std", "prod", "cumsum"):
        assert name in WITH_DIM
    assert {"cat", "concatenate", "stack"} <= set(JOINS)


@pytest.mark.parametrize("name", WITH_DIM)
def test_axis_is_an_alias_of_dim(name: str) -> None:
    entry = TABLE[name]
    params = inspect.signature(entry.fn).parameters
    x = mg.tensor(X)
    calls = [lambda **kw: entry.fn(x, **kw)]
    if entry.toplevel:
        calls.append(lambda **kw: getattr(mg, name)(X, **kw))
    if entry.functional:
        calls.append(lambda **kw: getattr(F, name)(x, **kw))
    if entry.method:
        calls.append(lambda **kw: getattr(x, name)(**kw))
    for call in calls:
        _same(call(dim=1), call(axis=1))
        if "keepdim" in params:
            _same(call(dim=1, keepdim=True), call(axis=1, keepdims=True))
        with pytest.raises(TypeError, match=rf"{name}: got both dim= and its alias axis="):
            call(dim=1, axis=1)


@pytest.mark.parametrize("name", JOINS)
def test_joins_take_dim_and_axis(name: str) -> None:
    fn = getattr(mg, name)
    a, b = mg.tensor(X), X + 1.0
    _same(fn([a, b], dim=2), fn([a, b], axis=2))
    _same(fn([a, b], dim=-1), fn([a, b], axis=-1))
