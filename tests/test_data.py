"""Mini-batches: every example once per pass, matching slices, reproducible shuffles."""

from __future__ import annotations

import numpy as np
import pytest

import microgradnet as mg
from microgradnet.data import batches
from microgradnet.random import manual_seed

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10)


def test_in_order_with_a_short_last_batch() -> None:
    got = list(batches(X, Y, batch_size=4))
    assert [yb.tolist() for _, yb in got] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    for xb, yb in got:
        np.testing.assert_array_equal(xb, X[yb])


def test_drop_last() -> None:
    assert [len(yb) for (yb,) in batches(Y, batch_size=4, drop_last=True)] == [4, 4]


def test_shuffle_visits_every_example_once_with_matching_slices() -> None:
    seen = []
    for xb, yb in batches(X, Y, batch_size=3, shuffle=True, generator=1):
        np.testing.assert_array_equal(xb, X[yb])
        seen += yb.tolist()
    assert sorted(seen) == list(range(10))
    assert seen != list(range(10))


def test_shuffle_follows_manual_seed_and_differs_between_passes() -> None:
    def one_pass() -> list[int]:
        return np.concatenate([yb for (yb,) in batches(Y, batch_size=4, shuffle=True)]).tolist()

    manual_seed(3)
    first, second = one_pass(), one_pass()
    manual_seed(3)
    assert one_pass() == first
    assert second != first


def test_a_generator_is_used_and_advanced() -> None:
    rng = np.random.default_rng(5)
    a = [yb.tolist() for (yb,) in batches(Y, batch_size=10, shuffle=True, generator=rng)]
    b = [yb.tolist() for (yb,) in batches(Y, batch_size=10, shuffle=True, generator=rng)]
    assert a != b
    assert a == [np.random.default_rng(5).permutation(10).tolist()]


def test_tensors_give_tensors() -> None:
    ((xb,),) = list(batches(mg.tensor(X), batch_size=10))
    assert isinstance(xb, mg.Tensor) and not xb.requires_grad
    np.testing.assert_array_equal(xb.numpy(), X)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {"batch_size": 2}, "give at least one array"),
        ((X, Y[:5]), {"batch_size": 2}, r"same first dimension, got shapes \[\(10, 2\), \(5,\)\]"),
        ((np.float64(1.0),), {"batch_size": 2}, "same first dimension"),
        ((X,), {"batch_size": 0}, "batch_size must be a positive integer, got 0"),
        ((X,), {"batch_size": 2.0}, "batch_size must be a positive integer"),
    ],
)
def test_bad_arguments(args, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        next(batches(*args, **kwargs))
