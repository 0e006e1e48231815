"""Gradients handed over to ``.grad`` without a copy never share memory with anything else.

The engine keeps a gradient array as it is when nothing but the backward pass holds it, and
copies it otherwise (a user's seed, one array sent down two paths, a view, a retained
gradient). These tests look for any two places that would share memory afterwards.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgradnet as mg
from microgradnet import engine

Build = Callable[[mg.Tensor, mg.Tensor], mg.Tensor]

# Each passes the output's gradient through to one or both inputs unchanged, or through a view.
PASS_THROUGH: dict[str, Build] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "add_self": lambda a, b: a + a + b,
    "reshape": lambda a, b: a.reshape(-1).reshape(a.shape) + b,
    "transpose": lambda a, b: a.T.T + b.mT.mT,
    "mul": lambda a, b: a * b,
    "chain": lambda a, b: ((a + b) + (b + a)) * 1.0,
    "clone": lambda a, b: a.clone() + b.clone(),
}


def _arrays(*tensors: mg.Tensor) -> list[np.ndarray]:
    return [t._grad.data if isinstance(t._grad, mg.Tensor) else t._grad for t in tensors]


def _assert_disjoint(arrays: list[np.ndarray]) -> None:
    for x, y in itertools.combinations(arrays, 2):
        assert not np.shares_memory(x, y)


@pytest.mark.parametrize("name", sorted(PASS_THROUGH))
def test_leaf_gradients_share_no_memory_with_each_other_or_the_seed(name: str) -> None:
    a = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = mg.tensor(np.ones((2, 3)), requires_grad=True)
    seed = np.full((2, 3), 2.0)
    PASS_THROUGH[name](a, b).backward(seed)
    _assert_disjoint([*_arrays(a, b), seed])
    kept = b.grad.data.copy()
    a.grad.zero_()  # an in-place change of one gradient leaves the other alone
    np.testing.assert_array_equal(b.grad.data, kept)
    np.testing.assert_array_equal(seed, np.full((2, 3), 2.0))


def test_a_retained_gradient_and_the_leaf_it_flows_into_are_separate() -> None:
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    h = a + 0.0
    h.retain_grad()
    (h * 1.0).sum().backward()
    _assert_disjoint(_arrays(a, h))


def test_a_kept_gradient_is_the_right_one_over_two_passes() -> None:
    a = mg.tensor([1.0, -2.0], requires_grad=True)
    (a * a).sum().backward()
    first = a.grad
    (a * 3.0).sum().backward()  # accumulates into the same Tensor, as PyTorch does
    assert a.grad is first
    np.testing.assert_array_equal(a.grad.data, [2.0 + 3.0, -4.0 + 3.0])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(PASS_THROUGH)), min_size=1, max_size=4),
    st.booleans(),
)
def test_chains_of_pass_through_ops_never_alias_two_gradients(names: list[str], seed: bool) -> None:
    a = mg.tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True)
    b = mg.tensor(np.linspace(2.0, 3.0, 6).reshape(2, 3), requires_grad=True)
    out = a
    for name in names:
        out = PASS_THROUGH[name](out, b)
    g = np.full((2, 3), 0.5)
    if seed:
        out.backward(g)
    else:
        out.sum().backward()
    _assert_disjoint([*_arrays(a, b), g])


def test_a_gradient_only_the_pass_holds_is_kept_without_a_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A product's rule makes g * b and g * a afresh: both go to .grad as they are, so the
    # copying path (`_accumulate`) is never taken.
    if engine._SOLE == 0:
        pytest.skip("this interpreter copies every gradient (no hand-over)")

    def copying(self: mg.Tensor, g: np.ndarray) -> None:
        raise AssertionError("copied a gradient that nothing else held")

    monkeypatch.setattr(mg.Tensor, "_accumulate", copying)
    a = mg.tensor(np.ones((3, 4)), requires_grad=True)
    b = mg.tensor(np.full((3, 4), 2.0), requires_grad=True)
    (a * b).backward(np.ones((3, 4)))
    np.testing.assert_array_equal(a.grad.data, np.full((3, 4), 2.0))
    np.testing.assert_array_equal(b.grad.data, np.ones((3, 4)))


def test_operators_that_record_nothing_compute_what_apply_computes() -> None:
    # The arithmetic operators skip Op.apply when nothing is recorded or watched; a subclass of
    # Tensor on the right (its reflected method runs first) and anomaly mode still go through it.
    w = mg.nn.Parameter(np.array([1.0, 2.0, 3.0]))
    t = mg.tensor([2.0, 2.0, 2.0])
    (t * w).sum().backward()  # Parameter.__rmul__ runs first: it must record
    np.testing.assert_array_equal(w.grad.data, [2.0, 2.0, 2.0])
    with mg.no_grad():
        plain = 0.5 * w
    assert not plain.requires_grad and plain.is_leaf
    np.testing.assert_array_equal(plain.data, [0.5, 1.0, 1.5])
    x = mg.tensor([0.0, 1.0])
    with mg.autograd.detect_anomaly(), pytest.raises(FloatingPointError, match="div"):
        1.0 / x
    with pytest.raises(ValueError, match=r"add: inputs of shapes \(3,\), \(2,\)"):
        t + x
