"""Module registration, naming, state_dict round trips, strict loading, repr, train/eval, scopes."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Value, nn
from microgradnet.nn.module import running_module


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(np.ones(2))
        self.layers = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 2, bias=False)])
        self.not_a_param = mg.tensor([1.0], requires_grad=True)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x * self.scale


def test_dotted_names_parameters_first_then_children_in_order() -> None:
    names = [n for n, _ in Block().named_parameters()]
    assert names == ["scale", "layers.0.weight", "layers.0.bias", "layers.1.weight"]


def test_sequential_names_skip_parameterless_children() -> None:
    net = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 1, bias=False))
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "2.weight"]
    assert [n for n, _ in net.named_children()] == ["0", "1", "2"]
    assert len(net) == 3 and isinstance(net[1], nn.Sigmoid) and isinstance(net[-1], nn.Linear)
    assert [type(m).__name__ for m in net] == ["Linear", "Sigmoid", "Linear"]
    head = net[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is net[0]
    with pytest.raises(IndexError, match="Sequential: index 3 is out of range for 3"):
        net[3]


def test_sequential_from_ordered_dict_keeps_names() -> None:
    net = nn.Sequential(OrderedDict(hidden=nn.Linear(2, 2), act=nn.Tanh()))
    assert [n for n, _ in net.named_parameters()] == ["hidden.weight", "hidden.bias"]
    assert isinstance(net[1], nn.Tanh)


def test_named_modules_children_and_modules() -> None:
    block = Block()
    assert [n for n, _ in block.named_modules()] == ["", "layers", "layers.0", "layers.1"]
    assert list(block.children()) == [block.layers]
    assert next(block.modules()) is block


def test_shared_parameter_listed_once_but_stored_under_each_name() -> None:
    a = nn.Linear(2, 2)
    net = nn.Sequential(a, nn.ReLU(), a)
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_reassigning_a_parameter_with_a_plain_tensor_is_refused() -> None:
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign a Tensor to the parameter 'weight'"):
        layer.weight = layer.weight * 2
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]


def test_assignment_before_init_is_a_clear_error() -> None:
    class Broken(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter([1.0])

    with pytest.raises(AttributeError, match=r"before Module\.__init__"):
        Broken()


def test_deleting_an_attribute_unregisters_it() -> None:
    block = Block()
    del block.scale
    assert "scale" not in dict(block.named_parameters())


def test_parameter_requires_grad_and_results_are_plain_tensors() -> None:
    p = nn.Parameter(np.arange(3.0))
    assert p.requires_grad and p.is_leaf
    out = p * 2 + 1
    assert type(out) is mg.Tensor
    out.sum().backward()
    np.testing.assert_array_equal(p.grad, [2.0, 2.0, 2.0])
    assert repr(p).startswith("Parameter containing:\ntensor(")


def test_zero_grad_tensors_to_none_values_to_zero() -> None:
    block = Block()
    block(mg.tensor(np.ones((4, 2)))).sum().backward()
    assert all(p.grad is not None for p in block.parameters())
    block.zero_grad(set_to_none=False)
    assert all(np.all(p.grad == 0) for p in block.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())
    neuron = nn.Neuron(2, activation="sigmoid")  # a gradient whatever the weights
    neuron([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in neuron.parameters())
    neuron.zero_grad()
    assert all(p.grad == 0.0 for p in neuron.parameters())


def test_state_dict_round_trip_is_exact_and_copies() -> None:
    mg.manual_seed(1)
    src, dst = Block(), Block()
    state = src.state_dict()
    assert list(state) == ["scale", "layers.0.weight", "layers.0.bias", "layers.1.weight"]
    state["scale"][0] = 123.0  # a copy: the module is untouched
    assert src.scale.data[0] == 1.0
    state = src.state_dict()
    version = dst.layers[0].weight._version
    assert dst.load_state_dict(state) == nn.IncompatibleKeys([], [])
    assert dst.layers[0].weight._version == version + 1
    for (name, a), b in zip(dst.state_dict().items(), state.values()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    x = mg.tensor(np.random.default_rng(0).normal(size=(5, 2)))
    np.testing.assert_array_equal(src(x).numpy(), dst(x).numpy())


def test_value_state_dict_round_trip_is_exact() -> None:
    mg.manual_seed(2)
    src = nn.MLP(3, [4, 1])
    mg.manual_seed(3)
    dst = nn.MLP(3, [4, 1])
    state = src.state_dict()
    assert all(a.shape == () and a.dtype == np.float64 for a in state.values())
    dst.load_state_dict(state)
    assert [p.data for p in dst.parameters()] == [p.data for p in src.parameters()]
    assert dst([0.1, 0.2, 0.3]).data == src([0.1, 0.2, 0.3]).data


def test_strict_load_names_missing_unexpected_and_mismatched_keys() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    state = model.state_dict()
    before = model.state_dict()
    del state["1.bias"]
    state["extra.weight"] = np.zeros(2)
    state["0.weight"] = np.zeros((4, 5))
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(state)
    msg = str(err.value)
    assert "load_state_dict of Sequential" in msg
    assert "missing keys: 1.bias" in msg
    assert "unexpected keys: extra.weight" in msg
    assert "0.weight (state (4, 5), model (4, 3))" in msg
    for name, arr in model.state_dict().items():  # nothing was copied
        np.testing.assert_array_equal(arr, before[name])


def test_non_strict_load_returns_the_key_lists_and_copies_the_rest() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    state = model.state_dict()
    del state["1.bias"]
    state["0.bias"] = np.full(4, 7.0)
    state["extra"] = np.zeros(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["1.bias"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(model[0].bias.data, np.full(4, 7.0))
    state["0.bias"] = np.zeros(3)
    mismatch = r"shape mismatches: 0\.bias \(state \(3,\), model \(4,\)\)"
    with pytest.raises(RuntimeError, match=mismatch):
        model.load_state_dict(state, strict=False)


def test_repr_prints_the_tree() -> None:
    net = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Dropout(0.1), nn.Flatten())
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=False)\n"
        "  (1): Sigmoid()\n"
        "  (2): Dropout(p=0.1)\n"
        "  (3): Flatten(start_dim=1, end_dim=-1)\n"
        ")"
    )
    assert repr(Block()) == (
        "Block(\n"
        "  (layers): ModuleList(\n"
        "    (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "    (1): Linear(in_features=3, out_features=2, bias=False)\n"
        "  )\n"
        ")"
    )
    # the neuron-level modules print as micrograd's; inside another module they keep that form
    assert repr(nn.MLP(2, [2, 1])) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]"
    )
    assert repr(nn.ModuleList([nn.Neuron(2), nn.Neuron(2), nn.Layer(2, 1)])) == (
        "ModuleList(\n  (0-1): 2 x ReLUNeuron(2)\n  (2): Layer of [ReLUNeuron(2)]\n)"
    )
    assert repr(nn.ParameterList([Value(1.0), Value(2.0), nn.Parameter(np.zeros(2))])) == (
        "ParameterList(2 x Value, Parameter(2,) float64)"
    )
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"


def test_train_eval_toggles_every_module_and_dropout() -> None:
    net = nn.Sequential(nn.Linear(50, 50), nn.Dropout(0.5))
    x = mg.tensor(np.ones((20, 50)))
    assert net.training and net[1].training
    assert np.mean(net(x).numpy() == 0) > 0.3
    assert net.eval() is net
    assert not net.training and not net[0].training and not net[1].training
    with mg.no_grad():
        expected = x @ net[0].weight.T + net[0].bias
    np.testing.assert_array_equal(net(x).numpy(), expected.numpy())
    net.train()
    assert net[1].training


def test_call_pushes_the_module_as_scope_for_its_ops() -> None:
    inner = nn.Linear(2, 2)
    net = nn.Sequential(inner, nn.Sigmoid())
    out = net(mg.tensor(np.ones((1, 2))))
    assert running_module() is None
    assert out._ctx is not None and out._ctx._scope is net[1]
    matmul_or_add = out._ctx.parents[0]._ctx
    assert matmul_or_add is not None and matmul_or_add._scope is inner


def test_scope_is_popped_when_forward_raises() -> None:
    with pytest.raises(ValueError, match="linear: input of shape"):
        nn.Linear(3, 2)(mg.tensor(np.ones((1, 4))))
    assert running_module() is None


def test_forward_must_be_defined() -> None:
    with pytest.raises(NotImplementedError, match="Module does not define forward"):
        nn.Module()(1)


def test_register_parameter_and_add_module_check_types() -> None:
    m = nn.Module()
    m.register_parameter("w", Value(1.0))
    m.add_module("child", nn.Identity())
    assert [n for n, _ in m.named_parameters()] == ["w"]
    assert [n for n, _ in m.named_children()] == ["child"]
    with pytest.raises(TypeError, match="register_parameter: 'x' must be a Parameter"):
        m.register_parameter("x", mg.tensor([1.0]))
    with pytest.raises(TypeError, match="add_module: 'y' must be a Module"):
        m.add_module("y", 3)  # type: ignore[arg-type]


def test_module_list_append_extend_and_slice() -> None:
    layers = nn.ModuleList()
    layers.append(nn.ReLU()).extend([nn.Tanh(), nn.Sigmoid()])
    assert [n for n, _ in layers.named_children()] == ["0", "1", "2"]
    assert isinstance(layers[1:], nn.ModuleList) and len(layers[1:]) == 2
