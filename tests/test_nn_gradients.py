"""First-order gradient checks (hypothesis, finite differences) for every module and loss,
parameters included, through `microgradnet.testing`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Value, nn
from microgradnet.nn import functional

testing = pytest.importorskip(
    "microgradnet.testing", reason="needs the toolkit microgradnet.testing"
)
check_gradients, gradcheck, strategies = (
    testing.check_gradients,
    testing.gradcheck,
    testing.strategies,
)

EXAMPLES = 15


def _module_check(module: nn.Module, shape: tuple[int, ...], **kw: Any) -> None:
    """Check the gradients of ``module``'s output with respect to its input and parameters."""
    mg.manual_seed(0)
    check_gradients(module, strategies.tensors(shape=shape, **kw), max_examples=EXAMPLES)


@pytest.mark.parametrize(
    ("factory", "shape", "kw"),
    [
        (lambda: nn.Linear(3, 2), (4, 3), {}),
        (lambda: nn.Linear(3, 2, bias=False), (3,), {}),
        (lambda: nn.Sigmoid(), (2, 3), {}),
        (lambda: nn.Tanh(), (2, 3), {}),
        (lambda: nn.ReLU(), (2, 3), {"away_from": (0.0,)}),
        (lambda: nn.LeakyReLU(0.2), (2, 3), {"away_from": (0.0,)}),
        (lambda: nn.Softmax(dim=1), (2, 3), {}),
        (lambda: nn.LogSoftmax(dim=0), (2, 3), {}),
        (lambda: nn.Flatten(), (2, 3, 2), {}),
        (lambda: nn.Identity(), (3,), {}),
        (lambda: nn.Dropout(0.5).eval(), (3,), {}),
        (
            lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.LogSoftmax(1)),
            (5, 3),
            {},
        ),
    ],
)
def test_tensor_module_gradients(factory: Callable[[], nn.Module], shape: Any, kw: Any) -> None:
    _module_check(factory(), shape, **kw)


def test_dropout_gradient_in_training_with_a_fixed_mask() -> None:
    def fn(x: mg.Tensor) -> mg.Tensor:
        mg.manual_seed(3)  # the same mask on every evaluation
        return functional.dropout(x, 0.4)

    check_gradients(fn, strategies.tensors(shape=(4, 3)), max_examples=EXAMPLES)


def test_linear_parameters_are_checked_explicitly() -> None:
    mg.manual_seed(1)
    layer = nn.Linear(3, 2)
    x = mg.tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)
    assert gradcheck(lambda x, w, b: functional.linear(x, w, b), [x, layer.weight, layer.bias])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    ("loss", "target"),
    [
        (functional.mse_loss, np.array([[0.5, -1.0, 2.0], [0.0, 1.0, 3.0]])),
        (functional.hinge_loss, np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])),
        (functional.binary_cross_entropy_with_logits, np.array([[0.0, 1.0, 0.3], [1, 0, 0.5]])),
    ],
)
def test_elementwise_loss_gradients(loss: Any, target: np.ndarray, reduction: str) -> None:
    kw = {"away_from": (-1.0, 0.0, 1.0)} if loss is functional.hinge_loss else {}
    check_gradients(
        lambda x: loss(x, mg.tensor(target), reduction=reduction),
        strategies.tensors(shape=(2, 3), **kw),
        max_examples=EXAMPLES,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_gradient(reduction: str) -> None:
    target = mg.tensor([[0.0, 1.0, 0.3], [1.0, 0.0, 0.5]])
    check_gradients(
        lambda p: functional.binary_cross_entropy(p, target, reduction=reduction),
        strategies.tensors(shape=(2, 3), domain=(0.05, 0.95)),
        max_examples=EXAMPLES,
    )


def test_mse_gradient_reaches_the_target_too() -> None:
    check_gradients(
        lambda p, t: functional.mse_loss(p, t),
        strategies.tensors(shape=(3,)),
        strategies.tensors(shape=(3,)),
        max_examples=EXAMPLES,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss", [nn.CrossEntropyLoss, nn.NLLLoss])
def test_class_loss_gradients(loss: Any, reduction: str) -> None:
    target = np.array([[2, 0], [1, -100], [0, 0]])  # (N, d) for input (N, C, d)
    module = loss(reduction=reduction)
    check_gradients(
        lambda x: module(x, target), strategies.tensors(shape=(3, 3, 2)), max_examples=EXAMPLES
    )


def test_cross_entropy_soft_target_gradient() -> None:
    probs = mg.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    check_gradients(lambda x: functional.cross_entropy(x, probs), strategies.tensors(shape=(2, 3)))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", None])
def test_neuron_and_layer_gradients_on_values(activation: str | None) -> None:
    mg.manual_seed(2)
    layer = nn.Layer(3, 2, activation=activation)

    def fn(a: Value, b: Value, c: Value) -> Value:
        out = layer([a, b, c])
        return out[0] * out[1]

    check_gradients(fn, strategies.values(), strategies.values(), strategies.values())


def test_mlp_and_value_losses_gradients() -> None:
    mg.manual_seed(5)
    mlp = nn.MLP(2, [3, 1], activation="tanh")

    def fn(a: Value, b: Value) -> Value:
        score = mlp([a, b])
        return functional.mse_loss([score], [0.5]) + functional.hinge_loss([score], [-1.0])

    check_gradients(fn, strategies.values(), strategies.values(), max_examples=EXAMPLES)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss", [functional.mse_loss, functional.l1_loss, functional.huber_loss])
def test_weighted_loss_gradients_to_second_order(loss: Any, reduction: str) -> None:
    target = mg.tensor(np.zeros((2, 3)))  # the kinks of l1 and huber at 0 and (huber) at +-1
    check_gradients(
        lambda x, w: loss(x, target, reduction=reduction, weight=w),
        strategies.tensors(shape=(2, 3), away_from=(-1.0, 0.0, 1.0)),
        strategies.tensors(shape=(2, 3), domain=(0.5, 2.0)),
        order=2,
        max_examples=EXAMPLES,
    )
