"""The functions behind the layers and the losses, with PyTorch's names.

Import it as ``from microgradnet.nn import functional as F``.

Activations work on `Tensor`s (and, where the op exists for them, on `Value`s). Losses check that
the prediction and the target agree in shape and reduce with ``reduction='mean'|'sum'|'none'``;
`mse_loss` and `hinge_loss` also take lists of `Value`s.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .. import ops
from .. import random as _random
from ..engine import Node
from ..ops.errors import OpError
from ..ops.registry import install
from ..tensor import Tensor, tensor_function
from ..value import Value

install(sys.modules[__name__], "functional", tensor_function)

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
        raise OpError(f"dropout: probability p must be in [0, 1], not {p}")
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
        raise OpError(
            f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
            "(the input's last dimension must equal in_features, weight.shape[1])"
        )
    out: Tensor = x @ ops.matrix_transpose(weight)
    return out if bias is None else out + bias


# ---------------------------------------------------------------------------------------- losses
# PyTorch's signatures, positional order included. ``size_average`` and ``reduce`` are PyTorch's
# deprecated spellings of ``reduction``, accepted as PyTorch accepts them.


def _check_reduction(name: str, reduction: str, extra: tuple[str, ...] = ()) -> None:
    if reduction not in _REDUCTIONS + extra:
        *first, last = (repr(r) for r in _REDUCTIONS + extra)
        allowed = f"{', '.join(first)} or {last}"
        raise OpError(f"{name}: reduction must be {allowed}, not {reduction!r}")


def _fold_reduction(
    name: str, size_average: Any, reduce: Any, reduction: str, own: tuple[str, ...] = ()
) -> str:
    """``reduction``, or the one PyTorch's deprecated ``size_average``/``reduce`` give where
    either is set; checked: PyTorch's three, or one of the loss's ``own``."""
    if size_average is not None or reduce is not None:
        if reduce is not None and not reduce:
            reduction = "none"
        else:
            reduction = "sum" if size_average is not None and not size_average else "mean"
    _check_reduction(name, reduction, own)
    return reduction


@dataclasses.dataclass(slots=True)
class _Options:
    """The options of one loss call. PyTorch gives an option the same default in every loss
    that takes it, so each default is written once, here; a loss declares which options it
    takes (`_loss`) and reads them from this record."""

    weight: Any = None
    ignore_index: int = -100
    reduction: str = "mean"
    beta: float = 1.0
    delta: float = 1.0
    log_target: bool = False
    pos_weight: Any = None
    label_smoothing: float = 0.0


_OPTION_FIELDS = {f.name: f for f in dataclasses.fields(_Options)}


def _loss(
    *options: str, own: tuple[str, ...] = (), legacy: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a loss written ``fn(input, target, o: _Options)`` that takes ``options``.

    The public function takes ``(input, target, *options)``, by keyword or by position, each
    option with its default from `_Options`. With ``legacy``, PyTorch's deprecated
    ``size_average`` and ``reduce`` are put back where PyTorch has them (``reduce`` before
    ``reduction``; ``size_average`` before ``ignore_index`` where there is one, else before
    ``reduction``) and folded into ``reduction`` (see `_fold_reduction`). The ``reduction`` that
    reaches ``fn`` is checked: PyTorch's three, or one of the loss's ``own``.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        name = fn.__name__
        signature = inspect.signature(fn)
        inputs = list(signature.parameters.values())[:2]
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        parameters = [
            inspect.Parameter(
                option,
                kind,
                default=_OPTION_FIELDS[option].default,
                annotation=_OPTION_FIELDS[option].type,
            )
            for option in options
        ]
        if legacy:
            flag = inspect.Parameter("size_average", kind, default=None, annotation="bool | None")
            parameters.insert(options.index("reduction"), flag.replace(name="reduce"))
            first = "ignore_index" if "ignore_index" in options else "reduction"
            parameters.insert(options.index(first), flag)
        public = signature.replace(parameters=[*inputs, *parameters])
        known = frozenset(options)

        @functools.wraps(fn)
        def loss(*args: Any, **kwargs: Any) -> Any:
            if len(args) == 2 and "size_average" not in kwargs and "reduce" not in kwargs:
                given = kwargs
            else:
                try:
                    given = dict(public.bind(*args, **kwargs).arguments)
                except TypeError as error:
                    raise TypeError(f"{name}: {error}") from None
                args = (given.pop(inputs[0].name), given.pop(inputs[1].name))
            if legacy:
                size_average, reduce = given.pop("size_average", None), given.pop("reduce", None)
                reduction = given.get("reduction", "mean")
                given["reduction"] = _fold_reduction(name, size_average, reduce, reduction, own)
            else:
                _check_reduction(name, given.get("reduction", "mean"), own)
            if not known.issuperset(given):
                unknown = ", ".join(repr(k) for k in sorted(set(given) - known))
                raise TypeError(f"{name}: got an unexpected keyword argument {unknown}")
            return fn(*args, _Options(**given))

        setattr(loss, "__signature__", public)  # noqa: B010
        return loss

    return decorate


def _reduce(name: str, loss: Any, reduction: str) -> Any:
    """Reduce elementwise losses: a Tensor, a single Value, or a list of Values."""
    if reduction == "none" or isinstance(loss, Value):
        return loss
    if isinstance(loss, list):
        if not loss:
            raise OpError(f"{name}: no elements to reduce")
        total = loss[0]
        for term in loss[1:]:
            total = total + term
        return total / len(loss) if reduction == "mean" else total
    return loss.mean() if reduction == "mean" else loss.sum()


def _as_target(target: Any, like: Tensor) -> Tensor:
    """The target as a Tensor of the input's floating dtype (integer and bool targets too)."""
    if isinstance(target, Tensor):
        return target if target.dtype.kind == "f" else target.to(like.dtype)
    return Tensor(target, dtype=like.dtype)


def _shape_of(x: Any) -> tuple[int, ...]:
    return np.shape(x.data if isinstance(x, Node) else x)


def _check_same_shape(name: str, input: Any, target: Any) -> None:  # noqa: A002 - PyTorch's name
    a, b = _shape_of(input), _shape_of(target)
    if a != b:
        raise OpError(f"{name}: input shape {a} and target shape {b} differ; they must be the same")


def _elementwise(
    name: str,
    fn: Callable[[Any, Any], Any],
    input: Any,  # noqa: A002 - PyTorch's name
    target: Any,
    reduction: str,
    weight: Any = None,
) -> Any:
    """``fn(prediction, target)`` per element (Tensor, Value or lists of Values), reduced; with
    a ``weight`` of the input's shape, each element's loss is weighed and the mean divides by
    the total weight, as PyTorch's weighted `mse_loss` and `l1_loss` do."""
    _check_reduction(name, reduction)
    w = None if weight is None else _element_weight(name, weight, input)
    if isinstance(input, Sequence):
        if isinstance(target, np.ndarray):
            target = target.tolist()
        if not isinstance(target, Sequence):
            raise TypeError(
                f"{name}: the predictions are a list, so the target must be a list or an "
                f"array, not a {type(target).__name__}"
            )
        if len(input) != len(target):
            raise OpError(
                f"{name}: {len(input)} predictions but target has length {len(target)}; "
                "they must agree"
            )
        targets = [t if isinstance(t, Node) else float(t) for t in target]
        return _reduce(name, [fn(p, t) for p, t in zip(input, targets)], reduction)
    if isinstance(input, Value):
        if isinstance(target, Tensor) or np.ndim(target) != 0:
            raise OpError(
                f"{name}: a Value prediction needs a scalar target, not shape {_shape_of(target)}"
            )
        return fn(input, target)
    target = _as_target(target, input)
    _check_same_shape(name, input, target)
    loss = fn(input, target)
    if w is None:
        return _reduce(name, loss, reduction)
    loss = loss * w
    return loss.sum() / w.sum() if reduction == "mean" else _reduce(name, loss, reduction)


def _element_weight(name: str, weight: Any, input: Tensor) -> Tensor:  # noqa: A002
    """A per-element ``weight`` as a Tensor, which must have the input's shape (as in PyTorch)."""
    if not isinstance(input, Tensor):
        raise OpError(f"{name}: weight needs a Tensor input, not a {type(input).__name__}")
    if _shape_of(weight) != input.shape:
        raise OpError(
            f"{name}: weight of shape {_shape_of(weight)} must have the input's shape {input.shape}"
        )
    return weight if isinstance(weight, Tensor) else _as_target(weight, input)


def _pointwise_loss(name: str, formula: Callable[[Any, Any], Any], doc: str) -> Callable[..., Any]:
    """Declare the loss ``name(input, target, reduction='mean', weight=None)`` (see `_loss`) of
    ``formula(prediction, target)`` per element, weighed and reduced (see `_elementwise`)."""

    def loss(input: Any, target: Any, o: _Options) -> Any:  # noqa: A002
        return _elementwise(name, formula, input, target, o.reduction, o.weight)

    loss.__name__ = loss.__qualname__ = name
    loss.__doc__ = doc
    return _loss("reduction", "weight")(loss)


mse_loss = _pointwise_loss(
    "mse_loss",
    lambda p, t: (p - t) ** 2,
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
    """,
)
l1_loss = _pointwise_loss(
    "l1_loss",
    lambda p, t: ops.abs(p - t),
    """The absolute error ``|input - target|`` (its gradient at 0 is 0, as in PyTorch).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> F.l1_loss(mg.tensor([1.0, 3.0]), mg.tensor([0.0, 1.0]))
    tensor(1.5)
    """,
)


def _smooth_l1(d: Tensor, beta: float) -> Tensor:
    """``0.5 d² / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, with the piece chosen
    from the data so that each is differentiated exactly."""
    inside = np.abs(d.data) < beta
    quadratic = 0.5 * d * d / beta if beta > 0 else d * 0.0
    return ops.where(inside, quadratic, ops.abs(d) - 0.5 * beta)  # type: ignore[no-any-return]


@_loss("reduction", "beta")
def smooth_l1_loss(input: Tensor, target: Any, o: _Options) -> Tensor:  # noqa: A002 - PyTorch's name
    """``0.5 d² / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, for ``d = input - target``
    (the L1 loss when ``beta`` is 0).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> F.smooth_l1_loss(mg.tensor([0.5, 3.0]), mg.tensor([0.0, 0.0]), reduction="none")
    tensor([0.125, 2.5  ])
    """
    if o.beta < 0:
        raise OpError(f"smooth_l1_loss: beta must be non-negative, not {o.beta}")
    return _elementwise(  # type: ignore[no-any-return]
        "smooth_l1_loss",
        lambda p, t: _smooth_l1(p - t, o.beta),
        input,
        target,
        o.reduction,
    )


@_loss("reduction", "delta", "weight", legacy=False)
def huber_loss(input: Tensor, target: Any, o: _Options) -> Tensor:  # noqa: A002 - PyTorch's name
    """``0.5 d²`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, for
    ``d = input - target``; ``weight`` scales each element's loss.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> F.huber_loss(mg.tensor([0.5, 3.0]), mg.tensor([0.0, 0.0]), reduction="none", delta=2.0)
    tensor([0.125, 4.   ])
    """
    if o.delta <= 0:
        raise OpError(f"huber_loss: delta must be positive, not {o.delta}")

    w = None if o.weight is None else _element_weight("huber_loss", o.weight, input)

    def loss(p: Any, t: Any) -> Any:
        out = _smooth_l1(p - t, o.delta) * o.delta
        return out if w is None else out * w

    return _elementwise("huber_loss", loss, input, target, o.reduction)  # type: ignore[no-any-return]


@_loss("reduction", legacy=False)
def hinge_loss(scores: Any, targets: Any, o: _Options) -> Any:
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
        "hinge_loss", lambda s, y: ops.relu(1.0 - y * s), scores, targets, o.reduction
    )


def _softplus(x: Tensor) -> Tensor:
    """``log(1 + exp(x))`` without overflow, with the exact gradient ``sigmoid(x)`` everywhere.

    Written as ``x * [x >= 0] + log(1 + exp(-|x|))`` where ``[x >= 0]`` and the sign in ``|x|``
    are constants taken from the data: both pieces then agree at 0, where a relu and an abs with
    gradient 0 at their kink would give 0 instead of 1/2.
    """
    positive = x.data >= 0
    sign = np.where(positive, 1.0, -1.0).astype(x.dtype)
    out: Tensor = x * positive.astype(x.dtype) + ops.log(1.0 + ops.exp(-(x * sign)))
    return out


def _weighted(loss: Tensor, weight: Any, name: str) -> Tensor:
    if weight is None:
        return loss
    try:
        np.broadcast_shapes(_shape_of(weight), loss.shape)
    except ValueError:
        raise OpError(
            f"{name}: weight of shape {_shape_of(weight)} does not broadcast to the input's "
            f"shape {loss.shape}"
        ) from None
    return loss * (weight if isinstance(weight, Tensor) else _as_target(weight, loss))


@_loss("weight", "reduction")
def binary_cross_entropy(input: Tensor, target: Any, o: _Options) -> Tensor:  # noqa: A002 - PyTorch's name
    """``-weight (t log p + (1 - t) log(1 - p))`` for probabilities ``p`` in [0, 1]; each log is
    clamped at -100, as PyTorch does, so a probability of exactly 0 or 1 gives a finite loss.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> p = mg.tensor([1.0, 0.5])  # a probability of exactly 1 against a target of 0: loss 100
    >>> F.binary_cross_entropy(p, mg.tensor([0.0, 1.0]), reduction="none")
    tensor([100.        ,   0.69314718])
    """
    name = "binary_cross_entropy"
    target = _as_target(target, input)
    _check_same_shape(name, input, target)
    p = input.data
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise OpError(f"{name}: input must hold probabilities in [0, 1]")
    floor = float(np.exp(-100.0))
    log_p = ops.log(ops.clamp(input, floor, 1.0))
    log_q = ops.log(ops.clamp(1.0 - input, floor, 1.0))
    loss = -(target * log_p + (1.0 - target) * log_q)
    return _reduce(name, _weighted(loss, o.weight, name), o.reduction)  # type: ignore[no-any-return]


@_loss("weight", "reduction", "pos_weight")
def binary_cross_entropy_with_logits(input: Tensor, target: Any, o: _Options) -> Tensor:  # noqa: A002 - PyTorch's name
    """`binary_cross_entropy` of ``sigmoid(input)``, computed from the logits as
    ``(1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)``: finite for logits of any size.
    ``pos_weight`` (broadcast along the last dim, one per class) weighs the positive targets.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> F.binary_cross_entropy_with_logits(
    ...     mg.tensor([1e4, 0.0]), mg.tensor([0.0, 1.0]), reduction="none"
    ... )
    tensor([1.00000000e+04, 6.93147181e-01])
    """
    name = "binary_cross_entropy_with_logits"
    target = _as_target(target, input)
    _check_same_shape(name, input, target)
    if o.pos_weight is None:
        loss = _softplus(input) - target * input
    else:
        pw = _as_target(o.pos_weight, input)
        if pw.shape and (not input.shape or pw.shape[-1:] != input.shape[-1:]):
            raise OpError(
                f"{name}: pos_weight of shape {pw.shape} must match the input's last dim "
                f"(input shape {input.shape})"
            )
        loss = (1.0 - target) * input + (1.0 + (pw - 1.0) * target) * _softplus(-input)
    return _reduce(name, _weighted(loss, o.weight, name), o.reduction)  # type: ignore[no-any-return]


@_loss("reduction", "log_target", own=("batchmean",))
def kl_div(input: Tensor, target: Any, o: _Options) -> Tensor:  # noqa: A002 - PyTorch's name
    """The Kullback-Leibler divergence of ``target`` from log-probabilities ``input``, per
    element ``t (log t - input)`` (0 where ``t`` is 0), or ``exp(t) (t - input)`` with
    ``log_target``. ``reduction='batchmean'`` divides the sum by the batch size (the true KL
    divergence); ``'mean'`` averages over every element, as in PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> p = mg.tensor([[0.5, 0.5]])
    >>> F.kl_div(p.log(), mg.tensor([[1.0, 0.0]]), reduction="batchmean")
    tensor(0.69314718)
    """
    name = "kl_div"
    target = _as_target(target, input)
    _check_same_shape(name, input, target)
    if o.log_target:
        loss = ops.exp(target) * (target - input)
    else:
        positive = target.data > 0
        safe = ops.where(positive, target, 1.0)
        loss = ops.where(positive, target * ops.log(safe), 0.0) - target * input
    if o.reduction == "batchmean":
        batch = input.shape[0] if input.ndim else 1
        return loss.sum() / batch  # type: ignore[no-any-return]
    return _reduce(name, loss, o.reduction)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------ losses over classes


def _class_axis(x: Tensor) -> int:
    return 1 if x.ndim >= 2 else 0


def _class_weight(name: str, weight: Any, x: Tensor) -> np.ndarray | Tensor | None:
    """The per-class ``weight`` (C,) shaped to broadcast along the class dim of ``x``."""
    if weight is None:
        return None
    classes = x.shape[_class_axis(x)]
    if _shape_of(weight) != (classes,):
        raise OpError(
            f"{name}: weight of shape {_shape_of(weight)} must have one entry per class "
            f"({classes},)"
        )
    shape = (classes,) + (1,) * (x.ndim - _class_axis(x) - 1)
    w = weight if isinstance(weight, Tensor) else _as_target(weight, x)
    return w.reshape(shape)  # type: ignore[no-any-return]


def _one_hot(name: str, x: Tensor, target: Any, ignore_index: int) -> tuple[np.ndarray, np.ndarray]:
    """The target classes as a 0/1 array shaped like ``x`` (zero rows where ignored), and the
    mask of targets not ignored (the target's shape)."""
    if x.ndim == 0:
        raise OpError(f"{name}: input must have a class dimension, not shape ()")
    t = np.asarray(target.data if isinstance(target, Node) else target)
    axis = _class_axis(x)
    expected = x.shape[:axis] + x.shape[axis + 1 :]
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"{name}: target must hold integer class indices, not dtype {t.dtype}")
    if t.shape != expected:
        raise OpError(
            f"{name}: input shape {x.shape} and target shape {t.shape} do not fit; the target "
            f"must have shape {expected} (the input's shape without the class dimension {axis})"
        )
    classes = x.shape[axis]
    valid = t != ignore_index
    if np.any(valid & ((t < 0) | (t >= classes))):
        raise OpError(f"{name}: target classes must be in [0, {classes}) or ignore_index")
    hot = (np.arange(classes) == np.where(valid, t, 0)[..., None]) & valid[..., None]
    return np.moveaxis(hot, -1, axis).astype(x.dtype), valid


def _over_targets(loss: Tensor, total: Any, reduction: str) -> Tensor:
    """``loss`` reduced, the mean taken over ``total`` (the weight of the targets counted)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()  # type: ignore[no-any-return]
    if float(total.data if isinstance(total, Node) else total) == 0.0:
        return cast(Tensor, loss.sum() * float("nan"))  # every target ignored: 0 / 0, as PyTorch
    return loss.sum() / total  # type: ignore[no-any-return]


def _nll(
    name: str, log_p: Tensor, target: Any, weight: Any, ignore_index: int, reduction: str
) -> tuple[Tensor, Any]:
    """The (unreduced) negative log likelihood and the total weight of the targets counted."""
    hot, valid = _one_hot(name, log_p, target, ignore_index)
    w = _class_weight(name, weight, log_p)
    picked = hot if w is None else w * hot
    axis = _class_axis(log_p)
    loss = -(log_p * picked).sum(dim=axis)
    if w is None:
        total: Any = float(valid.sum())
    else:
        total = (w * hot).sum()
    return loss, total


@_loss("weight", "ignore_index", "reduction")
def nll_loss(input: Tensor, target: Any, o: _Options) -> Tensor:  # noqa: A002 - PyTorch's name
    """The negative log likelihood ``-weight[c] * input[n, c]`` with ``c = target[n]``, of
    log-probabilities ``input`` of shape ``(N, C, ...)`` (or ``(C,)``) and integer classes
    ``target`` of shape ``(N, ...)``.

    The mean divides by the total weight of the targets not equal to ``ignore_index`` (their
    count without ``weight``).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> F.nll_loss(mg.tensor([[-1.0, -2.0], [-3.0, -4.0]]), mg.tensor([1, 0]))
    tensor(2.5)
    """
    loss, total = _nll("nll_loss", input, target, o.weight, o.ignore_index, o.reduction)
    return _over_targets(loss, total, o.reduction)


@_loss("weight", "ignore_index", "reduction", "label_smoothing")
def cross_entropy(input: Tensor, target: Any, o: _Options) -> Tensor:  # noqa: A002 - PyTorch's name
    """The cross entropy of logits ``input`` (shape ``(N, C, ...)`` or ``(C,)``) against integer
    classes (shape ``(N, ...)``), through `log_softmax`, so it is finite for logits of any size;
    or against class probabilities of the input's own shape.

    ``weight`` weighs each class, ``ignore_index`` skips targets, ``label_smoothing`` mixes the
    target with the uniform distribution, all as in PyTorch (the weighted mean over class indices
    divides by the total weight of the targets).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> F.cross_entropy(mg.tensor([[1e4, 0.0], [0.0, 0.0]]), mg.tensor([0, 1]))
    tensor(0.34657359)
    """
    name = "cross_entropy"
    if not 0.0 <= o.label_smoothing <= 1.0:
        raise OpError(f"{name}: label_smoothing must be in [0, 1], not {o.label_smoothing}")
    if input.ndim == 0:
        raise OpError(f"{name}: input must have a class dimension, not shape ()")
    axis = _class_axis(input)
    classes = input.shape[axis]
    log_p = ops.log_softmax(input, axis)
    w = _class_weight(name, o.weight, input)
    t = target.data if isinstance(target, Node) else np.asarray(target)
    if np.issubdtype(t.dtype, np.floating):
        _check_same_shape(name, input, target)
        probs = _as_target(target, input)
        if o.label_smoothing:
            probs = probs * (1.0 - o.label_smoothing) + o.label_smoothing / classes
        picked = probs if w is None else probs * w
        soft = -(log_p * picked).sum(dim=axis)
        return _reduce(name, soft, o.reduction)  # type: ignore[no-any-return]
    loss, total = _nll(name, log_p, target, o.weight, o.ignore_index, o.reduction)
    if not o.label_smoothing:
        return _over_targets(loss, total, o.reduction)
    _, valid = _one_hot(name, input, target, o.ignore_index)
    kept = np.expand_dims(valid, axis).astype(input.dtype)
    smooth = -(log_p * (kept if w is None else w * kept)).sum(dim=axis)
    return _over_targets(loss, total, o.reduction) * (1.0 - o.label_smoothing) + _over_targets(
        smooth, total, o.reduction
    ) * (o.label_smoothing / classes)


# ---------------------------------------------------------------------------------------- layers

from ..ops import conv as _conv  # noqa: E402 - kept with the section it serves
from ..ops import normalization as _norm  # noqa: E402
from ..ops import pool as _pool  # noqa: E402
from ..ops import resample as _resample  # noqa: E402
from ..ops.indexing import GetItem as _GetItem  # noqa: E402

IntOrTuple = int | tuple[int, ...]
_INT_OR_TUPLE = "int | tuple[int, ...]"


def _convolution(name: str, n: int, input: Any, weight: Any, bias: Any, run: Any) -> Tensor:  # noqa: A002
    """``run(input, weight)`` on a batch (a missing batch axis is added and removed), plus bias."""
    shape = _shape_of(input)
    if _shape_of(weight) and len(_shape_of(weight)) != n + 2:
        raise OpError(f"{name}: weight of shape {_shape_of(weight)} must have {n + 2} dimensions")
    unbatched = len(shape) == n + 1
    x = ops.reshape(input, (1, *shape)) if unbatched else input
    out = run(x, weight)
    if bias is not None:
        if _shape_of(bias) != (out.shape[1],):
            raise OpError(
                f"{name}: bias of shape {_shape_of(bias)} must be "
                f"({out.shape[1]},), one per output channel"
            )
        out = out + ops.reshape(bias, (out.shape[1],) + (1,) * n)
    return ops.reshape(out, out.shape[1:]) if unbatched else out  # type: ignore[no-any-return]


def _per_dimension(
    name: str, op: Callable[..., Any], doc: str, extra: str = ""
) -> tuple[Callable[..., Any], ...]:
    """The 1-, 2- and 3-d functions ``name`` (``{n}`` filled in) over ``op`` with its ``n`` fixed
    and its arguments, the first named ``input``; ``extra="bias"`` adds PyTorch's ``bias`` after
    the weight (see `_convolution`), ``extra="return_indices"`` the flag that also returns the
    indices ``op`` finds."""
    found = []
    for p in inspect.signature(op).parameters.values():
        if p.name != "n":  # ops spell IntOrTuple out
            found.append(p.replace(annotation=p.annotation.replace(_INT_OR_TUPLE, "IntOrTuple")))
    found[0] = found[0].replace(name="input", annotation="Tensor")
    if extra:
        flag = inspect.Parameter(extra, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        if extra == "bias":
            found[1] = found[1].replace(annotation="Tensor")
            found.insert(2, flag.replace(default=None, annotation="Tensor | None"))
        else:
            found.append(flag.replace(default=False, annotation="bool"))
    returns = "Any" if extra == "return_indices" else "Tensor"
    signature = inspect.Signature(found, return_annotation=returns)

    def make(n: int) -> Callable[..., Any]:
        def function(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:
                raise TypeError(f"{function.__name__}: {error}") from None
            bound.apply_defaults()
            given = dict(bound.arguments)
            x, flagged = given.pop("input"), given.pop(extra, None)
            if extra == "bias":
                w = given.pop("weight")
                return _convolution(
                    name.format(n=n), n, x, w, flagged, lambda x, w: op(x, w, **given)
                )
            out = op(x, **given, n=n)
            if extra:
                out, index = out
                return (out, Tensor(index)) if flagged else out
            return out

        function.__name__ = function.__qualname__ = name.format(n=n)
        function.__doc__ = doc.format(n=n)
        setattr(function, "__signature__", signature)  # noqa: B010
        return function

    return make(1), make(2), make(3)


conv1d, conv2d, conv3d = _per_dimension(
    "conv{n}d",
    _conv.conv,
    """The {n}-d convolution of ``input`` ``(B, C_in, *size)`` (or ``(C_in, *size)``) with
    ``weight`` ``(C_out, C_in / groups, *kernel)``, plus ``bias`` ``(C_out,)``; ``padding`` may be
    ``"same"`` or ``"valid"``. PyTorch's signature and semantics.""",
    "bias",
)
conv_transpose1d, conv_transpose2d, conv_transpose3d = _per_dimension(
    "conv_transpose{n}d",
    _conv.conv_transpose,
    """The {n}-d transposed convolution of ``input`` ``(B, C_in, *size)`` with ``weight`` ``(C_in,
    C_out / groups, *kernel)``, plus ``bias`` ``(C_out,)``: the gradient of `conv{n}d` in its
    input. PyTorch's signature and semantics.""",
    "bias",
)
max_pool1d, max_pool2d, max_pool3d = _per_dimension(
    "max_pool{n}d",
    _pool.max_pool,
    """{n}-d max pooling of ``(B, C, *size)`` or ``(C, *size)``; with ``return_indices``, also
    each maximum's flat index within its spatial plane. The gradient goes to the first largest
    element of each window, as in PyTorch.""",
    "return_indices",
)
avg_pool1d, avg_pool2d, avg_pool3d = _per_dimension(
    "avg_pool{n}d",
    _pool.avg_pool,
    """{n}-d average pooling of ``(B, C, *size)`` or ``(C, *size)``, with PyTorch's divisors for
    ``padding``, ``ceil_mode`` and ``count_include_pad``.""",
)


def _max_unpool(n: int) -> Callable[..., Tensor]:
    def max_unpool(
        input: Tensor,  # noqa: A002 - PyTorch's names
        indices: Tensor,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        output_size: Any = None,
    ) -> Tensor:
        out: Tensor = _pool.max_unpool(input, indices, kernel_size, stride, padding, output_size, n)
        return out

    max_unpool.__name__ = max_unpool.__qualname__ = f"max_unpool{n}d"
    max_unpool.__doc__ = f"""The inverse of `max_pool{n}d` given its indices: zeros of the
    pooled input's size (or ``output_size``), each value written back where its maximum was.
    PyTorch's signature and semantics."""
    return max_unpool


max_unpool1d, max_unpool2d, max_unpool3d = _max_unpool(1), _max_unpool(2), _max_unpool(3)


def adaptive_avg_pool1d(input: Tensor, output_size: int) -> Tensor:  # noqa: A002
    """Average pooling of ``(B, C, L)`` to length ``output_size``, PyTorch's windows."""
    return _pool.adaptive_avg_pool(input, output_size, 1)  # type: ignore[no-any-return]


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling of ``(B, C, H, W)`` to ``output_size`` (an int, or a pair whose entries
    may be None for "unchanged"), PyTorch's windows."""
    return _pool.adaptive_avg_pool(input, output_size, 2)  # type: ignore[no-any-return]


def adaptive_max_pool1d(input: Tensor, output_size: int, return_indices: bool = False) -> Any:  # noqa: A002
    """Max pooling of ``(B, C, L)`` to length ``output_size``, PyTorch's windows."""
    out, index = _pool.adaptive_max_pool(input, output_size, 1)
    return (out, Tensor(index)) if return_indices else out


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max pooling of ``(B, C, H, W)`` to ``output_size``, PyTorch's windows; with
    ``return_indices`` also each maximum's flat index within its plane."""
    out, index = _pool.adaptive_max_pool(input, output_size, 2)
    return (out, Tensor(index)) if return_indices else out


interpolate = _resample.interpolate
pixel_shuffle = _resample.pixel_shuffle
pixel_unshuffle = _resample.pixel_unshuffle
layer_norm = _norm.layer_norm
group_norm = _norm.group_norm
batch_norm = _norm.batch_norm


def embedding(
    input: Any,  # noqa: A002 - PyTorch's name
    weight: Tensor,
    padding_idx: int | None = None,
) -> Tensor:
    """Rows of ``weight`` ``(num_embeddings, dim)`` picked by the integer ``input``: the result
    has shape ``input.shape + (dim,)``. Rows at ``padding_idx`` take no gradient.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> w = mg.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
    >>> F.embedding(np.array([1, 0, 1]), w, padding_idx=0).sum().backward()
    >>> w.grad
    tensor([[0., 0.],
            [2., 2.]])
    """
    idx = np.asarray(input.data if isinstance(input, Node) else input)
    rows = weight.shape[0] if weight.ndim == 2 else 0
    if weight.ndim != 2 or not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(
            f"embedding: needs integer indices (got {idx.dtype}) and a 2-d weight "
            f"(got shape {weight.shape})"
        )
    if idx.size and (idx.min() < -rows or idx.max() >= rows):
        raise IndexError(
            f"embedding: indices must be in [0, {rows}) for a weight of shape "
            f"{weight.shape}; got values from {idx.min()} to {idx.max()}"
        )
    out = _GetItem((idx,), True)(weight)
    if padding_idx is None:
        return out  # type: ignore[no-any-return]
    if not -rows <= padding_idx < rows:
        raise OpError(f"embedding: padding_idx {padding_idx} is outside [-{rows}, {rows})")
    keep = (idx != padding_idx % rows)[..., None]
    return ops.where(keep, out, _GetItem((idx,), True)(weight.data))  # type: ignore[no-any-return]


def _feature_dropout(name: str, n: int, input: Tensor, p: float, training: bool) -> Tensor:  # noqa: A002
    """Zero whole channels of ``(B, C, *size)`` (or ``(C, *size)``) with probability ``p``."""
    if not 0.0 <= p <= 1.0:
        raise OpError(f"{name}: probability p must be in [0, 1], not {p}")
    if input.ndim not in (n + 1, n + 2):
        raise OpError(
            f"{name}: expected an input of {n + 1} or {n + 2} dimensions, not shape {input.shape}"
        )
    if not training or p == 0.0:
        return input
    lead = input.shape[: input.ndim - n]
    if p == 1.0:
        return input * np.zeros(lead + (1,) * n, dtype=input.dtype)
    keep = _random.default_generator.random(lead + (1,) * n) >= p
    return input * (keep / (1.0 - p)).astype(input.dtype)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:  # noqa: A002
    """Zero whole channels of ``(B, C, L)`` with probability ``p``, scaling the rest by
    ``1 / (1 - p)``; the identity when not ``training``."""
    return _feature_dropout("dropout1d", 1, input, p, training)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:  # noqa: A002
    """Zero whole channels of ``(B, C, H, W)`` with probability ``p`` (see `dropout1d`)."""
    return _feature_dropout("dropout2d", 2, input, p, training)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:  # noqa: A002
    """Zero whole channels of ``(B, C, D, H, W)`` with probability ``p`` (see `dropout1d`)."""
    return _feature_dropout("dropout3d", 3, input, p, training)


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value`` over ``(..., L, E)``, ``(..., S, E)`` and
    ``(..., S, Ev)``, as PyTorch computes it.

    ``attn_mask`` is boolean (True: may attend) or added to the scores (a tensor mask that
    requires grad gets its gradient); ``is_causal`` lets position ``i`` attend to ``j <= i``
    only; ``scale`` defaults to ``1 / sqrt(E)``. A row with every position masked gives zeros
    (PyTorch's choice) rather than NaN. With ``dropout_p``, the attention weights are dropped out
    (always, as in PyTorch: pass 0 in evaluation). With ``enable_gqa``, key and value may have
    fewer heads (dim -3) than query, a divisor of its count: each serves a group of query heads.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.nn import functional as F
    >>> q = k = mg.tensor(np.eye(2)[None])
    >>> v = mg.tensor([[[1.0], [3.0]]])
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)
    tensor([[[1.       ],
             [2.3395231]]])
    """
    name = "scaled_dot_product_attention"
    qs, ks, vs = query.shape, key.shape, value.shape
    if min(len(qs), len(ks), len(vs)) < 2 or qs[-1] != ks[-1] or ks[-2] != vs[-2]:
        raise OpError(
            f"{name}: query {qs}, key {ks} and value {vs} do not fit: they must be "
            "(..., L, E), (..., S, E) and (..., S, Ev)"
        )
    if is_causal and attn_mask is not None:
        raise OpError(f"{name}: give attn_mask or is_causal, not both")
    if enable_gqa and len(qs) >= 3 and qs[-3] != ks[-3]:
        if len(ks) < 3 or len(vs) < 3 or ks[-3] != vs[-3] or qs[-3] % ks[-3]:
            raise OpError(
                f"{name}: with enable_gqa, key {ks} and value {vs} need a number of heads "
                f"(dim -3) that divides the query's {qs}"
            )
        group = qs[-3] // ks[-3]
        key = ops.repeat_interleave(key, group, -3)
        value = ops.repeat_interleave(value, group, -3)
    size = qs[-1]
    factor = 1.0 / float(np.sqrt(size)) if scale is None else float(scale)
    scores = (query @ ops.matrix_transpose(key)) * factor
    length, source = qs[-2], ks[-2]
    if is_causal:
        attn_mask = np.tril(np.ones((length, source), dtype=bool))
    if attn_mask is not None:
        mask = attn_mask.data if isinstance(attn_mask, Node) else np.asarray(attn_mask)
        if mask.dtype == np.bool_:
            scores = ops.where(mask, scores, -np.inf)
        elif isinstance(attn_mask, Node) and attn_mask.requires_grad:
            scores = scores + ops.to(attn_mask, scores.dtype)
        else:
            scores = scores + mask.astype(scores.dtype)
    dead = np.all(scores.data == -np.inf, axis=-1, keepdims=True)
    if np.any(dead):
        weights = ops.where(dead, 0.0, ops.softmax(ops.where(dead, 0.0, scores), -1))
    else:
        weights = ops.softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights @ value  # type: ignore[no-any-return]
