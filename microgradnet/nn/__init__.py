"""Neural-network building blocks with PyTorch's names: modules, layers, losses, init.

`Tensor` layers (`Linear`, activations, `Dropout`, ...) and neuron-level modules on `Value`s
(`Neuron`, `Layer`, `MLP`) share one `Module` base: the same ``parameters()``,
``named_parameters()``, ``zero_grad()`` and ``state_dict()``.

>>> import microgradnet as mg
>>> from microgradnet import nn
>>> _ = mg.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
>>> model
Sequential(
  (0): Linear(in_features=3, out_features=4, bias=True)
  (1): ReLU()
  (2): Linear(in_features=4, out_features=1, bias=True)
)
"""

from . import functional, init
from .activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softsign,
    Tanh,
    Tanhshrink,
)
from .dropout import Dropout
from .linear import Flatten, Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, MSELoss, NLLLoss
from .module import IncompatibleKeys, Module, ModuleList, Parameter, ParameterList, Sequential
from .neuron import MLP, Layer, Neuron

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "MLP",
    "SELU",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "HingeLoss",
    "Identity",
    "IncompatibleKeys",
    "Layer",
    "LeakyReLU",
    "Linear",
    "LogSigmoid",
    "LogSoftmax",
    "MSELoss",
    "Mish",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Neuron",
    "Parameter",
    "ParameterList",
    "ReLU",
    "ReLU6",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softsign",
    "Tanh",
    "Tanhshrink",
    "functional",
    "init",
]
