"""Neuron-level modules on `Value`s: micrograd's `Neuron`, `Layer` and `MLP`, one float per weight.

A `Neuron` takes a weighted sum of its inputs plus a bias and applies an activation; a `Layer` is
neurons side by side; an `MLP` is layers one after another. They behave as micrograd's: ReLU
neurons by default (``nonlin=False`` for a linear one), weights drawn with Python's
``random.uniform(-1, 1)`` in micrograd's order (so ``random.seed(1337)`` gives micrograd's
weights), ``n.w`` and ``n.b``, ``parameters()`` a list, micrograd's reprs. They are also
`Module`s: named parameters, ``state_dict``, optimizers, drawings grouped by module.

The weighted sum is one node (`weighted_sum`, the neuron's adder) rather than a chain of ``*`` and
``+``: it adds ``b + w0*x0 + w1*x1 + ...`` in the order micrograd's ``sum(..., self.b)`` does,
so the numbers are micrograd's, in a graph with one node per neuron instead of two per input.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, cast

from ..ops.linalg import weighted_sum
from ..value import Value
from . import functional
from .module import Module, ModuleList, Param

_ACTIVATIONS = {
    "relu": functional.relu,
    "sigmoid": functional.sigmoid,
    "tanh": functional.tanh,
    None: None,
}

# The first word of a neuron's repr, micrograd's "ReLUNeuron(2)" and "LinearNeuron(16)".
_KINDS = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", None: "Linear"}


class _ListParameters(Module):
    """micrograd's ``parameters()``: a list (``len(model.parameters())`` works), each neuron's
    weights then its bias, layer after layer, the order `named_parameters` also gives."""

    def parameters(self, recurse: bool = True) -> list[Param]:  # type: ignore[override]
        """The parameters as a list, in micrograd's order."""
        return list(super().parameters(recurse))


class Neuron(_ListParameters):
    """One neuron, ``activation(b + w . x)`` over ``nin`` inputs, as micrograd's.

    The weights are drawn with Python's ``random.uniform(-1, 1)``, one per input in order, and
    the bias starts at 0, exactly as micrograd draws them: after ``random.seed(s)`` (or
    ``mg.manual_seed(s)``, which also seeds Python's `random`) a neuron has the weights
    micrograd's would.

    Parameters
    ----------
    nin : int
        The number of inputs.
    nonlin : bool
        micrograd's switch: True (the default) applies ``activation``, False makes a linear
        unit.
    activation : {'relu', 'sigmoid', 'tanh', None}
        The nonlinearity (ReLU, micrograd's); ``activation='sigmoid'`` is the seed article's
        neuron, None a linear one.

    Attributes
    ----------
    w : list of Value
        The weights, registered as parameters ``w.0``, ``w.1``, ...
    b : Value
        The bias, the parameter ``b``.

    Examples
    --------
    >>> import random
    >>> from microgradnet import Value, nn
    >>> random.seed(1337)
    >>> n = nn.Neuron(2)
    >>> n, [round(w.data, 4) for w in n.w], n.b.data
    (ReLUNeuron(2), [0.2355, 0.0665], 0.0)
    >>> y = n([Value(1.0), Value(-2.0)])
    >>> y.backward()
    >>> [w.grad for w in n.w], [name for name, _ in n.named_parameters()]
    ([1.0, -2.0], ['w.0', 'w.1', 'b'])
    >>> nn.Neuron(3, activation="sigmoid"), nn.Neuron(3, nonlin=False)
    (SigmoidNeuron(3), LinearNeuron(3))
    """

    def __init__(self, nin: int, nonlin: bool = True, *, activation: str | None = "relu") -> None:
        super().__init__()
        if not isinstance(nonlin, bool | int):
            raise TypeError(
                f"Neuron: nonlin must be True or False, not {nonlin!r}; an activation is passed "
                f"by name: Neuron({nin}, activation={nonlin!r})"
            )
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"Neuron: activation must be 'relu', 'sigmoid', 'tanh' or None, not {activation!r}"
            )
        if not nonlin:
            if activation != "relu":
                raise ValueError(
                    f"Neuron: nonlin=False makes a linear unit; it cannot also have "
                    f"activation={activation!r}"
                )
            activation = None
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        for i, wi in enumerate(self.w):
            self.register_parameter(f"w.{i}", wi)
        self.b = Value(0.0)
        self.activation = activation

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return len(self.w)

    @property
    def nonlin(self) -> bool:
        """Whether an activation follows the weighted sum (micrograd's flag)."""
        return self.activation is not None

    def forward(self, x: Sequence[Any]) -> Value:
        """``activation(b + w_0 * x_0 + w_1 * x_1 + ...)`` over ``nin`` numbers or Values."""
        if len(x) != self.nin:
            raise ValueError(f"Neuron: expected {self.nin} inputs, got {len(x)}")
        total = weighted_sum(self.w, x, self.b)
        fn = _ACTIVATIONS[self.activation]
        return total if fn is None else cast(Value, fn(total))

    def extra_repr(self) -> str:
        return f"nin={self.nin}, activation={self.activation!r}"

    def __repr__(self) -> str:
        return f"{_KINDS[self.activation]}Neuron({self.nin})"


class Layer(_ListParameters):
    """``nout`` neurons over the same ``nin`` inputs, as micrograd's.

    Calling it returns each neuron's output in a list, or the single `Value` when ``nout`` is 1
    (micrograd's rule). Extra keyword arguments (``nonlin``, ``activation``) go to each `Neuron`.

    Examples
    --------
    >>> from microgradnet import nn
    >>> layer = nn.Layer(2, 3, activation="tanh")
    >>> layer, len(layer([1.0, -1.0])), len(layer.parameters())
    (Layer of [TanhNeuron(2), TanhNeuron(2), TanhNeuron(2)], 3, 9)
    >>> type(nn.Layer(2, 1)([1.0, -1.0])).__name__
    'Value'
    """

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        super().__init__()
        self.neurons = ModuleList(Neuron(nin, **kwargs) for _ in range(nout))

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        """Each neuron's output, in order; the `Value` itself for a layer of one neuron."""
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(_ListParameters):
    """Layers of neurons of widths ``sizes`` over ``nin`` inputs, micrograd's MLP.

    Hidden layers use ``activation`` (ReLU, as micrograd); the last layer uses
    ``last_activation`` (None: linear scores, as micrograd). As in micrograd, a network whose last
    layer has width 1 returns that single `Value`, so ``model(x)`` is a score; wider ones return
    a list. A hidden layer of width 1 passes its `Value` on as a one-input list.

    Examples
    --------
    >>> from microgradnet import nn
    >>> model = nn.MLP(2, [16, 16, 1])
    >>> score = model([0.5, -1.0])
    >>> type(score).__name__, len(model.parameters())
    ('Value', 337)
    >>> nn.MLP(2, [3, 1], activation="tanh")
    MLP of [Layer of [TanhNeuron(2), TanhNeuron(2), TanhNeuron(2)], Layer of [LinearNeuron(3)]]
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
        out: Any = x
        for layer in self.layers:
            out = layer([out] if isinstance(out, Value) else out)
        return out  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
