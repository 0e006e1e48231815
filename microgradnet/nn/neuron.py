"""Neuron-level modules on `Value`s: micrograd's picture of a network, one float per weight.

A `Neuron` takes a weighted sum of its inputs plus a bias and applies an activation; a `Layer` is
neurons side by side; an `MLP` is layers one after another. Every weight is a `Value`, so the whole
computation is a graph of scalar operations that can be drawn node by node. The weighted sum is one
node (`weighted_sum`, the neuron's adder) rather than a chain of ``*`` and ``+``: the same numbers,
bit for bit, in a graph with one node per neuron instead of two per input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import random as _random
from ..ops.linalg import weighted_sum
from ..value import Value
from . import functional
from .module import Module, ModuleList, ParameterList

_ACTIVATIONS = {
    "sigmoid": functional.sigmoid,
    "tanh": functional.tanh,
    "relu": functional.relu,
    None: None,
}


def _check_activation(activation: str | None) -> None:
    if activation not in _ACTIVATIONS:
        raise ValueError(
            f"activation must be 'sigmoid', 'tanh', 'relu' or None, not {activation!r}"
        )


class Neuron(Module):
    """One neuron: ``activation(w . x + b)`` over ``nin`` inputs, all `Value`s.

    Weights start uniform on [-1, 1) (from the project's generator), the bias at 0, as in
    micrograd. The default activation is the sigmoid, the seed article's neuron; use
    ``activation='relu'`` for micrograd's, None for a linear unit.

    Parameters
    ----------
    nin : int
        The number of inputs.
    activation : {'sigmoid', 'tanh', 'relu', None}
        Applied to the weighted sum.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> _ = mg.manual_seed(0)
    >>> n = nn.Neuron(3)
    >>> y = n([0.0, 1.0, 1.0])
    >>> y.backward()
    >>> [name for name, _ in n.named_parameters()]
    ['bias', 'weight.0', 'weight.1', 'weight.2']
    >>> n.weight[0].grad
    0.0
    """

    def __init__(self, nin: int, activation: str | None = "sigmoid") -> None:
        super().__init__()
        _check_activation(activation)
        rng = _random.default_generator
        self.weight = ParameterList(Value(w) for w in rng.uniform(-1.0, 1.0, nin).tolist())
        self.bias = Value(0.0)
        self.activation = activation

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return len(self.weight)

    def forward(self, x: Sequence[Any]) -> Value:
        """``activation(sum(w_i * x_i) + b)`` for ``nin`` inputs (numbers or Values)."""
        if len(x) != self.nin:
            raise ValueError(f"Neuron: expected {self.nin} inputs, got {len(x)}")
        total = weighted_sum(list(self.weight), x, self.bias)
        fn = _ACTIVATIONS[self.activation]
        return total if fn is None else fn(total)

    def extra_repr(self) -> str:
        return f"nin={self.nin}, activation={self.activation!r}"

    def _child_lines(self) -> list[str]:
        # The weights are listed by named_parameters(), not in the repr, as for Linear.
        return []


class Layer(Module):
    """``nout`` neurons over the same ``nin`` inputs; returns a list of ``nout`` `Value`s (a list
    even for one neuron, so layers of any width stack).

    Extra keyword arguments (``activation``) go to each `Neuron`.

    Examples
    --------
    >>> from microgradnet import nn
    >>> layer = nn.Layer(2, 1, activation="tanh")
    >>> out = layer([1.0, -1.0])
    >>> type(out).__name__, len(out)
    ('list', 1)
    """

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        super().__init__()
        self.neurons = ModuleList(Neuron(nin, **kwargs) for _ in range(nout))

    def forward(self, x: Sequence[Any]) -> list[Value]:
        """Each neuron's output, in order."""
        return [n(x) for n in self.neurons]


class MLP(Module):
    """Layers of neurons of widths ``sizes`` over ``nin`` inputs, micrograd's MLP.

    Hidden layers use ``activation`` (ReLU, as micrograd); the last layer uses
    ``last_activation`` (None: linear scores, as micrograd). The output is a list of `Value`s,
    except that a network whose last layer has width 1 returns that single `Value`, so
    ``model(x)`` is a score as in micrograd's demo. The type depends on the architecture only.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> model = nn.MLP(2, [16, 16, 1])
    >>> score = model([0.5, -1.0])
    >>> type(score).__name__, len(list(model.parameters()))
    ('Value', 337)
    >>> type(nn.MLP(2, [4, 3])([0.5, -1.0])).__name__
    'list'
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str | None = "relu",
        last_activation: str | None = None,
    ) -> None:
        super().__init__()
        if not sizes:
            raise ValueError("MLP: sizes must list at least one layer width")
        widths = [nin, *sizes]
        self.layers = ModuleList(
            Layer(
                widths[i],
                widths[i + 1],
                activation=activation if i < len(sizes) - 1 else last_activation,
            )
            for i in range(len(sizes))
        )

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        """The last layer's outputs: a list, or one `Value` when its width is 1."""
        out: Sequence[Any] = x
        for layer in self.layers:
            out = layer(out)
        return out[0] if len(out) == 1 else list(out)
