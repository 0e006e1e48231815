"""Tensor layers and neuron-level modules: values, the seed network's exact gradients, dropout,
and Neuron/Layer/MLP output types."""

from __future__ import annotations

import random

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Value, nn
from microgradnet.nn import functional

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def test_seed_network_gradients_equal_the_hand_formulas() -> None:
    mg.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 1, bias=False), nn.Sigmoid()
    )
    for layer in (net[0], net[2]):
        nn.init.uniform_(layer.weight)
    loss = nn.MSELoss(reduction="sum")(net(mg.tensor(X)), mg.tensor(Y))
    loss.backward()
    W1, W2 = net[0].weight.numpy().T, net[2].weight.numpy().T
    h = _sigmoid(X @ W1)
    yhat = _sigmoid(h @ W2)
    delta = -2 * (Y - yhat) * yhat * (1 - yhat)
    dW2 = h.T @ delta
    dW1 = X.T @ ((delta @ W2.T) * h * (1 - h))
    assert loss.item() == pytest.approx(np.sum((Y - yhat) ** 2), abs=1e-12)
    np.testing.assert_allclose(net[2].weight.grad, dW2.T, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net[0].weight.grad, dW1.T, rtol=0, atol=1e-12)


def test_linear_matches_numpy_for_batches_and_single_samples() -> None:
    lin = nn.Linear(3, 2)
    w, b = lin.weight.numpy(), lin.bias.numpy()
    x = np.random.default_rng(0).normal(size=(4, 5, 3))
    np.testing.assert_allclose(lin(mg.tensor(x)).numpy(), x @ w.T + b, rtol=1e-14)
    np.testing.assert_allclose(lin(mg.tensor(x[0, 0])).numpy(), x[0, 0] @ w.T + b, rtol=1e-14)
    with pytest.raises(ValueError, match=r"linear: input of shape \(4, 2\) does not fit weight"):
        lin(mg.tensor(np.ones((4, 2))))


def test_linear_float32_keeps_float32() -> None:
    lin = nn.Linear(3, 2, dtype=np.float32)
    out = lin(mg.tensor(np.ones((2, 3), dtype=np.float32)))
    assert lin.weight.dtype == np.float32 and out.dtype == np.float32


def test_identity_and_flatten() -> None:
    x = mg.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert nn.Identity()(x) is x
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Flatten(0)(x).shape == (24,)
    assert nn.Flatten(-2, -1)(x).shape == (2, 12)
    with pytest.raises(
        ValueError, match=r"Flatten: start_dim=2, end_dim=1 do not fit .* \(2, 3, 4\)"
    ):
        nn.Flatten(2, 1)(x)


def test_activation_modules_match_numpy() -> None:
    z = np.linspace(-3, 3, 13)
    t = mg.tensor(z)
    np.testing.assert_allclose(nn.Sigmoid()(t).numpy(), _sigmoid(z), rtol=1e-14)
    np.testing.assert_allclose(nn.Tanh()(t).numpy(), np.tanh(z), rtol=1e-14)
    np.testing.assert_array_equal(nn.ReLU()(t).numpy(), np.maximum(z, 0))
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(t).numpy(), np.where(z > 0, z, 0.2 * z))


def test_leaky_relu_gradient_is_the_slope_below_and_at_zero() -> None:
    x = mg.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    functional.leaky_relu(x, 0.1).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.1, 0.1, 1.0])
    v = Value(-2.0)
    functional.leaky_relu(v, 0.1).backward()
    assert v.grad == 0.1


def test_softmax_modules() -> None:
    z = np.random.default_rng(1).normal(size=(3, 4))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    expected = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(nn.Softmax(dim=1)(mg.tensor(z)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(nn.Softmax(0)(mg.tensor(z.T)).numpy(), expected.T, rtol=1e-12)
    np.testing.assert_allclose(
        nn.LogSoftmax(dim=-1)(mg.tensor(z)).numpy(), np.log(expected), rtol=1e-12
    )
    assert repr(nn.LogSoftmax(dim=1)) == "LogSoftmax(dim=1)"


def test_dropout_zeroes_about_p_and_scales_the_rest() -> None:
    mg.manual_seed(0)
    x = mg.tensor(np.ones((200, 100)), requires_grad=True)
    y = nn.Dropout(0.3)(x)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.7)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.numpy())  # the gradient is the same mask


def test_dropout_reproducible_with_manual_seed_and_edge_probabilities() -> None:
    x = mg.tensor(np.ones(50))
    mg.manual_seed(5)
    a = nn.Dropout(0.5)(x).numpy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(nn.Dropout(0.5)(x).numpy(), a)
    assert nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).numpy(), np.zeros(50))
    with pytest.raises(ValueError, match=r"Dropout: probability p must be in \[0, 1\], not 1.5"):
        nn.Dropout(1.5)


def test_dropout_keeps_float32() -> None:
    x = mg.tensor(np.ones(10, dtype=np.float32))
    assert functional.dropout(x, 0.5).dtype == np.float32


# ------------------------------------------------------------------------- neuron-level modules


def test_neuron_computes_the_weighted_sum_and_activation() -> None:
    x = [0.5, -1.0, 2.0]
    for activation, fn in [
        ("sigmoid", _sigmoid),
        ("tanh", np.tanh),
        ("relu", lambda z: np.maximum(z, 0)),
        (None, lambda z: z),
    ]:
        n = nn.Neuron(3, activation=activation)
        n.b.data = 0.25
        w = np.array([p.data for p in n.w])
        assert n(x).data == pytest.approx(float(fn(w @ np.array(x) + 0.25)), abs=1e-15)
    with pytest.raises(ValueError, match="activation must be 'relu', 'sigmoid', 'tanh' or None"):
        nn.Neuron(2, activation="gelu")
    with pytest.raises(ValueError, match="Neuron: expected 3 inputs, got 2"):
        nn.Neuron(3)([1.0, 2.0])


def test_neuron_is_micrograd_s_relu_unit_and_nonlin_false_is_linear() -> None:
    n = nn.Neuron(2)
    assert (n.activation, n.nonlin, repr(n)) == ("relu", True, "ReLUNeuron(2)")
    n.w[0].data, n.w[1].data = 1.0, 1.0
    assert n([-2.0, 0.5]).data == 0.0  # ReLU of -1.5
    linear = nn.Neuron(2, nonlin=False)
    assert (linear.activation, linear.nonlin, repr(linear)) == (None, False, "LinearNeuron(2)")
    linear.w[0].data, linear.w[1].data = 1.0, 1.0
    assert linear([-2.0, 0.5]).data == -1.5
    assert repr(nn.Neuron(3, activation="sigmoid")) == "SigmoidNeuron(3)"
    assert repr(nn.Neuron(3, activation="tanh")) == "TanhNeuron(3)"
    assert repr(nn.Neuron(3, activation=None)) == "LinearNeuron(3)"
    with pytest.raises(ValueError, match="nonlin=False makes a linear unit; it cannot also"):
        nn.Neuron(2, nonlin=False, activation="sigmoid")
    with pytest.raises(TypeError, match=r"activation is passed by name: Neuron\(2, activation="):
        nn.Neuron(2, "sigmoid")  # type: ignore[arg-type]


def test_neuron_draws_weights_as_micrograd_from_python_random() -> None:
    random.seed(1337)
    expected = [random.uniform(-1, 1) for _ in range(2 * 3 + 3 * 1)]
    random.seed(1337)
    mlp = nn.MLP(2, [3, 1])
    weights = [w.data for layer in mlp.layers for n in layer.neurons for w in n.w]
    assert weights == expected  # micrograd's order: layer by layer, neuron by neuron
    assert all(n.b.data == 0.0 for layer in mlp.layers for n in layer.neurons)


def test_manual_seed_also_seeds_the_weights_of_neurons() -> None:
    mg.manual_seed(5)
    first = [w.data for w in nn.Neuron(4).w]
    mg.manual_seed(5)
    assert [w.data for w in nn.Neuron(4).w] == first
    random.seed(5)
    assert [w.data for w in nn.Neuron(4).w] == first  # manual_seed(s) is random.seed(s) here


def test_neuron_weights_start_in_range() -> None:
    mg.manual_seed(0)
    n = nn.Neuron(1000)
    assert n.b.data == 0.0
    w = np.array([p.data for p in n.w])
    assert w.min() >= -1 and w.max() <= 1 and w.std() > 0.5
    assert all(type(p) is Value and p.requires_grad and p.is_leaf for p in n.parameters())


def test_neuron_gradients_are_the_inputs_times_the_activation_slope() -> None:
    n = nn.Neuron(2, activation="sigmoid")
    x = [Value(1.5), Value(-0.5)]
    y = n(x)
    y.backward()
    slope = y.data * (1 - y.data)
    assert n.w[0].grad == pytest.approx(1.5 * slope, abs=1e-15)
    assert n.w[1].grad == pytest.approx(-0.5 * slope, abs=1e-15)
    assert n.b.grad == pytest.approx(slope, abs=1e-15)
    assert x[0].grad == pytest.approx(n.w[0].data * slope, abs=1e-15)


def test_neuron_adds_in_micrograd_s_order() -> None:
    # micrograd's sum((wi * xi for ...), b) is ((b + w0*x0) + w1*x1) + w2*x2; other orders of
    # these additions give 0.5 here, that one 0.0 (1 + 1e16 rounds to 1e16)
    n = nn.Neuron(3, nonlin=False)
    for wi, v in zip(n.w, (1.0, 1e16, -1e16)):
        wi.data = v
    n.b.data = 0.5
    assert n([0.5, 1.0, 1.0]).data == ((0.5 + 1.0 * 0.5) + 1e16 * 1.0) + -1e16 * 1.0 == 0.0


def test_layers_return_a_list_or_micrograd_s_single_value() -> None:
    out = nn.Layer(2, 3)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3
    assert all(isinstance(v, Value) for v in out)
    assert isinstance(nn.Layer(2, 1)([1.0, 2.0]), Value)
    assert repr(nn.Layer(2, 2, nonlin=False)) == "Layer of [LinearNeuron(2), LinearNeuron(2)]"


def test_mlp_returns_a_value_for_width_one_and_a_list_otherwise() -> None:
    out = nn.MLP(2, [16, 1, 1])([0.5, -0.5])
    assert isinstance(out, Value)
    wide = nn.MLP(2, [4, 3])([0.5, -0.5])
    assert isinstance(wide, list) and len(wide) == 3
    with pytest.raises(ValueError, match="MLP: sizes must list at least one layer width"):
        nn.MLP(2, [])


def test_mlp_activations_hidden_relu_last_linear_by_default() -> None:
    mlp = nn.MLP(2, [3, 3, 2], activation="tanh", last_activation="sigmoid")
    acts = [layer.neurons[0].activation for layer in mlp.layers]
    assert acts == ["tanh", "tanh", "sigmoid"]
    assert [layer.neurons[0].activation for layer in nn.MLP(2, [3, 1]).layers] == ["relu", None]
    assert repr(nn.MLP(2, [2, 1])) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]"
    )


def test_mlp_parameters_a_list_in_micrograd_s_order_with_names() -> None:
    mlp = nn.MLP(3, [4, 4, 1])
    params = mlp.parameters()
    assert isinstance(params, list) and len(params) == 4 * 4 + 4 * 5 + 1 * 5  # micrograd's 41
    micrograd_order = [p for layer in mlp.layers for n in layer.neurons for p in [*n.w, n.b]]
    assert all(a is b for a, b in zip(params, micrograd_order, strict=True))
    assert [p for _, p in mlp.named_parameters()] == params
    names = [n for n, _ in mlp.named_parameters()]
    assert names[:5] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.w.2",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.2.neurons.0.b"
    assert isinstance(mlp.layers[0].parameters(), list)


def test_value_mlp_equals_the_tensor_network_with_the_same_weights() -> None:
    mg.manual_seed(4)
    mlp = nn.MLP(3, [4, 1], activation="tanh")
    W1 = np.array([[p.data for p in n.w] for n in mlp.layers[0].neurons])
    b1 = np.array([n.b.data for n in mlp.layers[0].neurons])
    W2 = np.array([[p.data for p in n.w] for n in mlp.layers[1].neurons])
    x = [0.3, -0.7, 1.1]
    out = mlp(x)
    out.backward()
    t1 = nn.Linear(3, 4)
    t2 = nn.Linear(4, 1)
    with mg.no_grad():
        t1.weight.copy_(W1)
        t1.bias.copy_(b1)
        t2.weight.copy_(W2)
        t2.bias.zero_()
    tout = nn.Sequential(t1, nn.Tanh(), t2)(mg.tensor(x))
    tout.sum().backward()
    assert out.data == pytest.approx(tout.item(), abs=1e-14)
    grads = [[p.grad for p in n.w] for n in mlp.layers[0].neurons]
    np.testing.assert_allclose(grads, t1.weight.grad, rtol=0, atol=1e-14)
