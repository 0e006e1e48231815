"""Loss modules, each a thin wrapper over a loss in `microgradnet.nn.functional`, with PyTorch's
constructor arguments (``size_average`` and ``reduce`` are PyTorch's deprecated spellings of
``reduction``)."""

from __future__ import annotations

import inspect
from typing import Any

from . import functional
from .module import Module


class _ClassSignature:
    """A ``__signature__`` seen on the class only, so `inspect.signature` of an instance still
    describes its ``__call__``."""

    def __init__(self, signature: inspect.Signature) -> None:
        self.signature = signature

    def __get__(self, obj: object, owner: type) -> inspect.Signature | None:
        return self.signature if obj is None else None


class _Loss(Module):
    """A loss module over its function ``_function``: the constructor takes the function's
    arguments after the input and the target (less those in ``_omit``), keeps them as attributes
    (``size_average`` and ``reduce`` folded into ``reduction``: 'mean' by default, 'sum' or
    'none') and passes them back on every call."""

    _function: Any
    _omit: tuple[str, ...] = ()
    #: Reductions of this loss alone, which the deprecated arguments cannot express.
    _own_reductions: tuple[str, ...] = ()
    _signature: inspect.Signature

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        parameters = list(inspect.signature(cls._function).parameters.values())[2:]
        cls._signature = inspect.Signature([p for p in parameters if p.name not in cls._omit])
        setattr(cls, "__signature__", _ClassSignature(cls._signature))  # noqa: B010

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        name = type(self).__name__
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{name}: {error}") from None
        bound.apply_defaults()
        options = dict(bound.arguments)
        reduction = options.pop("reduction")
        size_average, reduce = options.pop("size_average", None), options.pop("reduce", None)
        if reduction in self._own_reductions and size_average is None and reduce is None:
            self.reduction = reduction
        else:
            self.reduction = functional._reduction(name, size_average, reduce, reduction)
        self._options = tuple(options)
        for key, value in options.items():
            setattr(self, key, value)

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The loss of ``input`` against ``target``, reduced."""
        options = {key: getattr(self, key) for key in self._options}
        return self._function(input, target, reduction=self.reduction, **options)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """`functional.mse_loss`; ``reduction='sum'`` is the seed article's sum of squared errors.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.MSELoss(reduction="sum")(mg.tensor([1.0, 3.0]), mg.tensor([0.0, 1.0]))
    tensor(5.)
    """

    _function = staticmethod(functional.mse_loss)


class L1Loss(_Loss):
    """`functional.l1_loss`, the absolute error."""

    _function = staticmethod(functional.l1_loss)


class SmoothL1Loss(_Loss):
    """`functional.smooth_l1_loss` with threshold ``beta``."""

    _function = staticmethod(functional.smooth_l1_loss)


class HuberLoss(_Loss):
    """`functional.huber_loss` with threshold ``delta`` (no per-element ``weight``, as in
    PyTorch's module)."""

    _function = staticmethod(functional.huber_loss)
    _omit = ("weight",)


class KLDivLoss(_Loss):
    """`functional.kl_div` of log-probabilities; ``reduction='batchmean'`` is the true KL
    divergence averaged over the batch."""

    _function = staticmethod(functional.kl_div)
    _own_reductions = ("batchmean",)


class HingeLoss(_Loss):
    """`functional.hinge_loss`, micrograd's demo loss ``relu(1 - y * score)``, y in {-1, 1}."""

    _function = staticmethod(functional.hinge_loss)

    def forward(self, scores: Any, targets: Any) -> Any:
        """The hinge loss, reduced."""
        return super().forward(scores, targets)


class BCELoss(_Loss):
    """`functional.binary_cross_entropy` of probabilities, ``weight`` per element."""

    _function = staticmethod(functional.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """`functional.binary_cross_entropy_with_logits`, stable for logits of any size; ``weight``
    per element, ``pos_weight`` per class (the last dim)."""

    _function = staticmethod(functional.binary_cross_entropy_with_logits)


class NLLLoss(_Loss):
    """`functional.nll_loss` of log-probabilities against integer classes; ``weight`` per class,
    targets equal to ``ignore_index`` skipped."""

    _function = staticmethod(functional.nll_loss)


class CrossEntropyLoss(_Loss):
    """`functional.cross_entropy` of logits against integer classes (or class probabilities),
    with ``weight``, ``ignore_index`` and ``label_smoothing`` as in PyTorch.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.CrossEntropyLoss()(mg.tensor([[0.0, 0.0]]), mg.tensor([1]))
    tensor(0.69314718)
    """

    _function = staticmethod(functional.cross_entropy)
