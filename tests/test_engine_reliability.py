"""Never silently wrong: in-place changes through views, reused op instances, derivatives of
functions that do not depend on their input, Values at singular points, argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Value
from microgradnet.ops.arithmetic import Mul


def test_in_place_change_through_a_view_is_caught_at_backward() -> None:
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[0:2]
    z = (y * y).sum()
    with mg.no_grad():
        v.mul_(10)
    with pytest.raises(RuntimeError, match=r"mul backward: input 0 \(shape \(3,\)\) was modified"):
        z.backward()


@pytest.mark.parametrize(
    "view",
    [
        lambda y: y.reshape(3, 1),
        lambda y: y.unsqueeze(0),
        lambda y: y[1:],
        lambda y: y.T,
        lambda y: y.detach(),
        lambda y: y.view(-1),
    ],
)
def test_every_kind_of_view_shares_the_version_counter(view) -> None:
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z = (y * y).sum()
    with mg.no_grad():
        view(y).add_(1.0)
    assert y._version == 1
    with pytest.raises(RuntimeError, match="was modified in place"):
        z.backward()


def test_in_place_change_of_a_detached_leaf_is_caught() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    z = (x * x).sum()
    x.detach().mul_(10)
    with pytest.raises(RuntimeError, match=r"mul backward: input 0 \(shape \(2,\)\) was modified"):
        z.backward()


def test_a_copy_is_not_a_view() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = (y * y).sum()
    with mg.no_grad():
        (y + 0).mul_(10)  # a new array: y is untouched
    z.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_in_place_on_a_leaf_that_requires_grad_needs_no_grad() -> None:
    w = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"mul_: in-place change of a tensor that requires grad"):
        w.mul_(2)
    with mg.no_grad():
        w.mul_(2)
    assert w.item() == 2.0


def test_an_op_instance_called_twice_records_two_nodes() -> None:
    op = Mul()
    a, b, c = (mg.tensor(v, requires_grad=True) for v in (2.0, 3.0, 5.0))
    (op(a, b) + op(c, a)).backward()
    assert (float(a.grad), float(b.grad), float(c.grad)) == (8.0, 2.0, 2.0)


@pytest.mark.parametrize(
    "f", [lambda v: v * 3, lambda v: v.relu(), lambda v: v + 1.0], ids=["linear", "relu", "shift"]
)
def test_higher_derivatives_of_functions_without_curvature_are_zero(f) -> None:
    assert mg.func.grad(mg.func.grad(f))(1.5) == 0.0
    assert mg.func.grad(mg.func.grad(mg.func.grad(f)))(1.5) == 0.0
    np.testing.assert_array_equal(
        mg.func.hessian(lambda x: f(x).sum())(np.array([1.0, 2.0])), np.zeros((2, 2))
    )


def test_autograd_grad_materializes_zeros_for_unused_inputs() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    unused = mg.tensor([[1.0]], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match=r"input 1 .* was not used"):
        mg.autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = mg.autograd.grad(y, [x, unused], retain_graph=True, allow_unused=True)
    assert gu is None
    gx, gu = mg.autograd.grad(y, [x, unused], materialize_grads=True)
    np.testing.assert_array_equal(gu, np.zeros((1, 1)))
    np.testing.assert_array_equal(gx, [2.0, 4.0])


@pytest.mark.parametrize(
    ("make", "data", "grad"),
    [
        (lambda v: 1 / v, math.inf, -math.inf),
        (lambda v: v.log(), -math.inf, math.inf),
        (lambda v: v**-1, math.inf, -math.inf),
        (lambda v: v.sqrt(), 0.0, math.inf),
    ],
    ids=["reciprocal", "log", "pow", "sqrt"],
)
def test_values_at_zero_follow_ieee_like_tensors(make, data, grad) -> None:
    v = Value(0.0)
    out = make(v)
    out.backward()
    t = mg.tensor(0.0, requires_grad=True)
    with np.errstate(all="ignore"):
        make(t).backward()
    assert out.data == data and v.grad == grad
    assert float(t.grad) == grad


def test_value_power_of_a_negative_base_is_nan_not_complex() -> None:
    v = Value(-8.0)
    out = v ** (1 / 3)
    out.backward()
    assert math.isnan(out.data) and math.isnan(v.grad)


def test_value_relu_of_nan_is_nan() -> None:
    assert math.isnan(Value(math.nan).relu().data)
    assert math.isnan(float(mg.tensor(math.nan).relu()))


def test_set_grad_enabled_switches_as_a_call_a_context_and_a_decorator() -> None:
    mg.set_grad_enabled(False)
    try:
        assert not mg.is_grad_enabled()
    finally:
        mg.set_grad_enabled(True)
    with mg.set_grad_enabled(False):
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()

    @mg.set_grad_enabled(False)
    def inside() -> bool:
        return mg.is_grad_enabled()

    assert inside() is False and mg.is_grad_enabled()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: x.transpose(0, 5), IndexError, r"transpose: dim 5 is out of range"),
        (lambda x: x.permute(0, 0), ValueError, r"permute: dim \(0, 0\) repeats a dimension"),
        (lambda x: x.sum(1.0), TypeError, r"sum: dim must be an int or a tuple of ints, not 1.0"),
        (lambda x: x.sum("1"), TypeError, r"sum: dim must be an int or a tuple of ints, not '1'"),
        (lambda x: x.mean(dim=(0, -2)), ValueError, r"mean: dim \(0, -2\) repeats a dimension"),
        (lambda x: x.softmax(dim=2), IndexError, r"softmax: dim 2 is out of range"),
        (lambda x: x.flatten(0, 7), IndexError, r"flatten: dim 7 is out of range"),
        (lambda x: x.sum(axis=0, dim=0), TypeError, r"sum: got both dim= and its alias axis="),
        (lambda x: mg.Tensor(2, 3), TypeError, r"requires_grad must be a bool, not 3"),
        (lambda x: mg.tensor(["a"]), TypeError, r"dtype <U1 is not supported"),
        (lambda x: mg.tensor([1j]), TypeError, r"dtype complex128 is not supported"),
    ],
)
def test_bad_arguments_name_the_operation(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call(mg.tensor(np.ones((2, 3))))


def test_empty_tensors_go_through_softmax_like_pytorch() -> None:
    x = mg.tensor(np.zeros((0, 3)), requires_grad=True)
    y = mg.softmax(x, dim=1)
    assert y.shape == (0, 3)
    y.sum().backward()
    assert x.grad.shape == (0, 3)


def test_an_op_instance_recorded_twice_forgets_the_first_output_s_version() -> None:
    # One op instance used twice: the first output views a tensor changed in place twice
    # (version 2), the second is a copy (version 0). The second recording must not compare its
    # output with the first one's version.
    from microgradnet.ops.base import Op

    class Flat(Op):
        name = "flat"

        def forward(self, x: np.ndarray) -> np.ndarray:
            return x.reshape(-1) if x.flags.c_contiguous else x.flatten()  # a view, or a copy

        def backward(self, g: object) -> tuple[object, ...]:
            _ = self.output  # reading it checks that it was not changed in place
            return (mg.ops.reshape(g, self.parents[0].shape),)

    flat = Flat()
    a = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with mg.no_grad():
        a.add_(0.0)
        a.add_(0.0)
    flat(a)
    b = mg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    flat(b.T).sum().backward()
    np.testing.assert_array_equal(b.grad.data, np.ones((3, 2)))
