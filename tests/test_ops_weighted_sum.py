"""``weighted_sum``, a neuron's adder as one node: exact, and correct to second order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import microgradnet as mg
from microgradnet import Value
from microgradnet.ops.linalg import weighted_sum
from microgradnet.testing import check_gradients, gradgradcheck, strategies

numbers = strategies.floats()


@given(st.lists(st.tuples(numbers, numbers), min_size=1, max_size=6), numbers)
def test_equals_the_chain_bit_for_bit(pairs: list[tuple[float, float]], b: float) -> None:
    ws, xs = [Value(w) for w, _ in pairs], [Value(x) for _, x in pairs]
    bias = Value(b)
    fused = weighted_sum(ws, xs, bias).tanh()
    fused.backward()
    fused_grads = [v.grad for v in (*ws, *xs, bias)]
    for v in (*ws, *xs, bias):
        v.grad = 0.0
    chain = bias
    for w, x in zip(ws, xs):
        chain = chain + w * x
    chain = chain.tanh()
    chain.backward()
    assert fused.data == chain.data
    assert fused_grads == [v.grad for v in (*ws, *xs, bias)]


def test_gradients_of_values_first_and_second_order() -> None:
    def neuron(w0: Value, w1: Value, x0: Value, x1: Value, b: Value) -> Value:
        return weighted_sum([w0, w1], [x0, x1], b).sigmoid()

    check_gradients(neuron, *[strategies.values()] * 5, order=2, max_examples=20)


def test_gradients_of_tensors_with_constant_inputs() -> None:
    def fn(w: mg.Tensor, b: mg.Tensor) -> mg.Tensor:
        return weighted_sum([w, w * 2.0], [3.0, -1.5], b).sum()

    check_gradients(fn, strategies.tensors(shape=(2, 3)), strategies.tensors(shape=(3,)))
    w = mg.tensor([[0.5, -1.0]], requires_grad=True)
    assert gradgradcheck(lambda t: (weighted_sum([t, t], [t, 1.0]) ** 2).sum(), [w])


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="weighted_sum: 2 weights for 1 inputs"):
        weighted_sum([Value(1.0), Value(2.0)], [1.0])
