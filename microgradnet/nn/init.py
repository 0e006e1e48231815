"""Parameter initialisation, in place, as `torch.nn.init` does it.

Every function overwrites a `Tensor` under `no_grad` with its in-place methods (so the tensor's
version counter moves), draws from the project's generator (`microgradnet.manual_seed` makes it
reproducible) unless a ``generator`` is given, and returns the tensor.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import random as _random
from ..engine import no_grad
from ..tensor import Tensor


def _fill(tensor: Tensor, values: Any) -> Tensor:
    with no_grad():
        return tensor.copy_(values)


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    return _random.default_generator if generator is None else generator


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain PyTorch recommends for an activation: 1 for linear and sigmoid, 5/3 for tanh,
    sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for leaky_relu (slope ``param``, default 0.01),
    3/4 for selu.

    Examples
    --------
    >>> from microgradnet.nn import init
    >>> round(init.calculate_gain("relu"), 6)
    1.414214
    """
    linear = ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, int | float):
            raise ValueError(f"calculate_gain: negative slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``: ``in * prod(kernel)``
    and ``out * prod(kernel)``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import init
    >>> init.calculate_fan_in_and_fan_out(mg.tensor(np.zeros((4, 3))))
    (3, 4)
    """
    if tensor.ndim < 2:
        raise ValueError(
            f"fan in and fan out need a tensor of at least 2 dimensions, not shape {tensor.shape}"
        )
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', not {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Fill with draws from the uniform distribution on ``[a, b)``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import init
    >>> w = init.uniform_(mg.tensor(np.zeros(1000)), -2.0, 3.0)
    >>> bool(w.numpy().min() >= -2.0 and w.numpy().max() < 3.0)
    True
    """
    if not a <= b:
        raise ValueError(f"uniform_: the lower bound {a} is above the upper bound {b}")
    return _fill(tensor, _rng(generator).uniform(a, b, tensor.shape))


def normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Fill with draws from the normal distribution N(``mean``, ``std``\\ :sup:`2`)."""
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, not {std}")
    return _fill(tensor, _rng(generator).normal(mean, std, tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import init
    >>> init.constant_(mg.tensor([0.0, 0.0]), 0.5)
    tensor([0.5, 0.5])
    """
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1.0)


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Glorot uniform: U(-b, b) with ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(
    tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Glorot normal: N(0, std\\ :sup:`2`) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming(name: str, draw: Callable[..., Tensor], doc: str) -> Callable[..., Tensor]:
    """He initialisation ``name``: ``draw(tensor, std, generator)`` with ``std = gain / sqrt(fan)``,
    the gain of ``nonlinearity`` with negative slope ``a``, ``fan`` the fan in or out (``mode``)."""

    def kaiming_(
        tensor: Tensor,
        a: float = 0.0,
        mode: str = "fan_in",
        nonlinearity: str = "leaky_relu",
        generator: np.random.Generator | None = None,
    ) -> Tensor:
        return draw(
            tensor, calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode)), generator
        )

    kaiming_.__name__ = kaiming_.__qualname__ = name
    kaiming_.__doc__ = doc
    return kaiming_


def _uniform_of_std(tensor: Tensor, std: float, generator: np.random.Generator | None) -> Tensor:
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


kaiming_uniform_ = _kaiming(
    "kaiming_uniform_",
    _uniform_of_std,
    """He uniform: U(-b, b) with ``b = gain * sqrt(3 / fan)``, the gain of ``nonlinearity`` with
    negative slope ``a``, ``fan`` the fan in or fan out (``mode``).

    With ``a = sqrt(5)`` (what `Linear` uses) the bound is ``1 / sqrt(fan_in)``.
    """,
)
kaiming_normal_ = _kaiming(
    "kaiming_normal_",
    lambda tensor, std, generator: normal_(tensor, 0.0, std, generator),
    """He normal: N(0, std\\ :sup:`2`) with ``std = gain / sqrt(fan)`` (see `kaiming_uniform_`).""",
)
