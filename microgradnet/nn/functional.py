"""The functions behind the layers and the losses, with PyTorch's names.

Import it as ``from microgradnet.nn import functional as F``.

Activations work on `Tensor`s (and, where the op exists for them, on `Value`s). Losses check that
the prediction and the target agree in shape and reduce with ``reduction='mean'|'sum'|'none'``;
`mse_loss` and `hinge_loss` also take lists of `Value`s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from .. import random as _random
from ..engine import Node
from ..ops.registry import TABLE
from ..tensor import Tensor, tensor_function
from ..value import Value

globals().update({n: tensor_function(e.fn, e.sequence) for n, e in TABLE.items() if e.functional})

if TYPE_CHECKING:  # the activations set above, from the table of operations

    def __getattr__(name: str) -> Any: ...

_REDUCTIONS = ("mean", "sum", "none")


# ----------------------------------------------------------------------------------- activations
# The activations declared with the operations (relu, sigmoid, tanh, softmax, log_softmax, gelu,
# elu, leaky_relu, softplus, ...: microgradnet/ops/activation.py) are installed from the table
# above; Values pass through them unchanged.

def dropout(
    x: Tensor,
    p: float = 0.5,
    training: bool = True,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (inverted
    dropout); the identity when not ``training``. Draws from the project's generator.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> x = mg.tensor(np.ones(10000))
    >>> y = F.dropout(x, 0.25)
    >>> sorted(set(y.numpy().round(6).tolist()))
    [0.0, 1.333333]
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be in [0, 1], not {p}")
    if not training or p == 0.0:
        return x
    rng = _random.default_generator if generator is None else generator
    if p == 1.0:
        return x * np.zeros(x.shape, dtype=x.dtype)
    keep = rng.random(x.shape) >= p
    return x * (keep / (1.0 - p)).astype(x.dtype)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias``, with ``weight`` of shape ``(out_features, in_features)``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> w, b = mg.tensor([[1.0, 1.0], [0.0, 1.0]]), mg.tensor([0.5, 0.0])
    >>> F.linear(mg.tensor([[1.0, 2.0]]), w, b)
    tensor([[3.5, 2. ]])
    """
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
            "(the input's last dimension must equal in_features, weight.shape[1])"
        )
    out = x @ ops.matrix_transpose(weight)
    return out if bias is None else out + bias


# ---------------------------------------------------------------------------------------- losses


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', not {reduction!r}")


def _reduce(name: str, loss: Any, reduction: str) -> Any:
    """Reduce elementwise losses: a Tensor, a single Value, or a list of Values."""
    if reduction == "none" or isinstance(loss, Value):
        return loss
    if isinstance(loss, list):
        if not loss:
            raise ValueError(f"{name}: no elements to reduce")
        total = loss[0]
        for term in loss[1:]:
            total = total + term
        return total / len(loss) if reduction == "mean" else total
    return loss.mean() if reduction == "mean" else loss.sum()


def _as_target(target: Any, like: Tensor) -> Tensor:
    if isinstance(target, Tensor):
        return target
    return Tensor(target, dtype=like.dtype)


def _shape_of(x: Any) -> tuple[int, ...]:
    return np.shape(x.data if isinstance(x, Node) else x)


def _check_same_shape(name: str, input: Any, target: Any) -> None:  # noqa: A002 - PyTorch's name
    a, b = _shape_of(input), _shape_of(target)
    if a != b:
        raise ValueError(
            f"{name}: input shape {a} and target shape {b} differ; they must be the same"
        )


def _elementwise(
    name: str,
    fn: Callable[[Any, Any], Any],
    input: Any,  # noqa: A002 - PyTorch's name
    target: Any,
    reduction: str,
) -> Any:
    """``fn(prediction, target)`` per element (Tensor, Value or lists of Values), reduced."""
    _check_reduction(name, reduction)
    if isinstance(input, Sequence):
        if isinstance(target, np.ndarray):
            target = target.tolist()
        if not isinstance(target, Sequence):
            raise TypeError(
                f"{name}: the predictions are a list, so the target must be a list or an "
                f"array, not a {type(target).__name__}"
            )
        if len(input) != len(target):
            raise ValueError(
                f"{name}: {len(input)} predictions but target has length {len(target)}; "
                "they must agree"
            )
        targets = [t if isinstance(t, Node) else float(t) for t in target]
        return _reduce(name, [fn(p, t) for p, t in zip(input, targets)], reduction)
    if isinstance(input, Value):
        if isinstance(target, Tensor) or np.ndim(target) != 0:
            raise ValueError(
                f"{name}: a Value prediction needs a scalar target, not shape {_shape_of(target)}"
            )
        return fn(input, target)
    target = _as_target(target, input)
    _check_same_shape(name, input, target)
    return _reduce(name, fn(input, target), reduction)


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:  # noqa: A002
    """The squared error ``(input - target) ** 2``, averaged (``'mean'``), summed (``'sum'``, the
    seed article's sum of squared errors) or per element (``'none'``).

    Takes Tensors, or lists of `Value`s with numbers or Values as targets.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import Value
    >>> from microgradnet.nn import functional as F
    >>> F.mse_loss(mg.tensor([1.0, 3.0]), mg.tensor([0.0, 1.0]), reduction="sum")
    tensor(5.)
    >>> F.mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data
    2.5
    """
    return _elementwise("mse_loss", lambda p, t: (p - t) ** 2, input, target, reduction)


def hinge_loss(scores: Any, targets: Any, reduction: str = "mean") -> Any:
    """micrograd's demo loss, the max-margin loss ``relu(1 - y * score)`` with labels ``y`` in
    {-1, 1}, averaged by default.

    Takes Tensors, or lists of `Value` scores with numbers as labels.

    Examples
    --------
    >>> from microgradnet import Value
    >>> from microgradnet.nn import functional as F
    >>> F.hinge_loss([Value(2.0), Value(0.5)], [1.0, -1.0]).data
    0.75
    """
    return _elementwise(
        "hinge_loss", lambda s, y: ops.relu(1.0 - y * s), scores, targets, reduction
    )


def _softplus(x: Tensor) -> Tensor:
    """``log(1 + exp(x))`` without overflow, with the exact gradient ``sigmoid(x)`` everywhere.

    Written as ``x * [x >= 0] + log(1 + exp(-|x|))`` where ``[x >= 0]`` and the sign in ``|x|``
    are constants taken from the data: both pieces then agree at 0, where a relu and an abs with
    gradient 0 at their kink would give 0 instead of 1/2.
    """
    positive = x.data >= 0
    sign = np.where(positive, 1.0, -1.0).astype(x.dtype)
    return x * positive.astype(x.dtype) + ops.log(1.0 + ops.exp(-(x * sign)))


def binary_cross_entropy(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Any,
    reduction: str = "mean",
) -> Tensor:
    """``-(t log p + (1 - t) log(1 - p))`` for probabilities ``p`` in [0, 1]; each log is clamped
    at -100, as PyTorch does, so a probability of exactly 0 or 1 gives a finite loss.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> F.binary_cross_entropy(mg.tensor([1.0, 0.5]), mg.tensor([0.0, 1.0]), reduction="none")
    tensor([100.        ,   0.69314718])
    """
    _check_reduction("binary_cross_entropy", reduction)
    target = _as_target(target, input)
    _check_same_shape("binary_cross_entropy", input, target)
    p = input.data
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError("binary_cross_entropy: input must hold probabilities in [0, 1]")
    floor = float(np.exp(-100.0))
    log_p = ops.log(ops.clamp(input, floor, 1.0))
    log_q = ops.log(ops.clamp(1.0 - input, floor, 1.0))
    loss = -(target * log_p + (1.0 - target) * log_q)
    return _reduce("binary_cross_entropy", loss, reduction)  # type: ignore[no-any-return]


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Any,
    reduction: str = "mean",
) -> Tensor:
    """`binary_cross_entropy` of ``sigmoid(input)``, computed from the logits as
    ``softplus(x) - t x``: finite for logits of any size, with gradient ``sigmoid(x) - t``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> F.binary_cross_entropy_with_logits(mg.tensor([1e4, 0.0]), mg.tensor([0.0, 1.0]), "none")
    tensor([1.00000000e+04, 6.93147181e-01])
    """
    name = "binary_cross_entropy_with_logits"
    _check_reduction(name, reduction)
    target = _as_target(target, input)
    _check_same_shape(name, input, target)
    return _reduce(name, _softplus(input) - target * input, reduction)  # type: ignore[no-any-return]


def _class_axis(x: Tensor) -> int:
    return 1 if x.ndim >= 2 else 0


def _one_hot(name: str, x: Tensor, target: Any, ignore_index: int) -> tuple[np.ndarray, int]:
    """The target classes as a 0/1 array shaped like ``x`` (zero rows where ignored), and the
    number of targets not ignored."""
    if x.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, not shape ()")
    t = np.asarray(target.data if isinstance(target, Node) else target)
    axis = _class_axis(x)
    expected = x.shape[:axis] + x.shape[axis + 1 :]
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"{name}: target must hold integer class indices, not dtype {t.dtype}")
    if t.shape != expected:
        raise ValueError(
            f"{name}: input shape {x.shape} and target shape {t.shape} do not fit; the target "
            f"must have shape {expected} (the input's shape without the class dimension {axis})"
        )
    classes = x.shape[axis]
    valid = t != ignore_index
    if np.any(valid & ((t < 0) | (t >= classes))):
        raise ValueError(f"{name}: target classes must be in [0, {classes}) or ignore_index")
    hot = (np.arange(classes) == np.where(valid, t, 0)[..., None]) & valid[..., None]
    return np.moveaxis(hot, -1, axis).astype(x.dtype), int(valid.sum())


def nll_loss(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Any,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """The negative log likelihood ``-input[n, target[n]]`` of log-probabilities ``input`` of
    shape ``(N, C, ...)`` (or ``(C,)``) and integer classes ``target`` of shape ``(N, ...)``.

    The mean is over the targets not equal to ``ignore_index``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> F.nll_loss(mg.tensor([[-1.0, -2.0], [-3.0, -4.0]]), [1, 0])
    tensor(2.5)
    """
    return _nll("nll_loss", input, target, ignore_index, reduction)


def _nll(name: str, log_p: Tensor, target: Any, ignore_index: int, reduction: str) -> Tensor:
    _check_reduction(name, reduction)
    hot, count = _one_hot(name, log_p, target, ignore_index)
    loss = -(log_p * hot).sum(dim=_class_axis(log_p))
    if reduction == "mean":
        return loss.sum() / count if count else loss.sum() * float("nan")
    return _reduce(name, loss, reduction)  # type: ignore[no-any-return]


def cross_entropy(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target: Any,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """The cross entropy of logits ``input`` (shape ``(N, C, ...)`` or ``(C,)``) against integer
    classes (shape ``(N, ...)``), through `log_softmax`, so it is finite for logits of any size;
    or against class probabilities of the input's own shape.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> F.cross_entropy(mg.tensor([[1e4, 0.0], [0.0, 0.0]]), [0, 1])
    tensor(0.34657359)
    """
    name = "cross_entropy"
    _check_reduction(name, reduction)
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, not shape ()")
    axis = _class_axis(input)
    log_p = ops.log_softmax(input, axis)
    t = target.data if isinstance(target, Node) else np.asarray(target)
    if np.issubdtype(t.dtype, np.floating):
        _check_same_shape(name, input, target)
        soft = -(_as_target(target, input) * log_p).sum(dim=axis)
        return _reduce(name, soft, reduction)  # type: ignore[no-any-return]
    return _nll(name, log_p, target, ignore_index, reduction)
