"""Loss modules, each a thin wrapper over a loss in `microgradnet.nn.functional`, with PyTorch's
constructor arguments (``size_average`` and ``reduce`` are PyTorch's deprecated spellings of
``reduction``)."""

from __future__ import annotations

import inspect
from typing import Any

from . import functional
from .module import Module


class _Loss(Module):
    """A loss with a ``reduction``: 'mean' (default), 'sum' or 'none'."""

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__()
        self.reduction = functional._reduction(type(self).__name__, size_average, reduce, reduction)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _ClassSignature:
    """A ``__signature__`` seen on the class only, so `inspect.signature` of an instance still
    describes its ``__call__``."""

    def __init__(self, signature: inspect.Signature) -> None:
        self.signature = signature

    def __get__(self, obj: object, owner: type) -> inspect.Signature | None:
        return self.signature if obj is None else None


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight`` (per class, or per element for the binary losses)
    whose constructor takes the arguments of its function ``_function`` after ``input`` and
    ``target``: it keeps them as attributes (``size_average`` and ``reduce`` folded into
    ``reduction``) and passes them back on every call."""

    _function: Any
    _signature: inspect.Signature

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        parameters = list(inspect.signature(cls._function).parameters.values())[2:]
        cls._signature = inspect.Signature(parameters)
        setattr(cls, "__signature__", _ClassSignature(cls._signature))  # noqa: B010

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{type(self).__name__}: {error}") from None
        bound.apply_defaults()
        options = dict(bound.arguments)
        super().__init__(
            options.pop("size_average"), options.pop("reduce"), options.pop("reduction")
        )
        self._options = tuple(options)
        for name, value in options.items():
            setattr(self, name, value)

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The loss of ``input`` against ``target``, reduced."""
        options = {name: getattr(self, name) for name in self._options}
        return self._function(input, target, reduction=self.reduction, **options)


class MSELoss(_Loss):
    """`functional.mse_loss`; ``reduction='sum'`` is the seed article's sum of squared errors.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.MSELoss(reduction="sum")(mg.tensor([1.0, 3.0]), mg.tensor([0.0, 1.0]))
    tensor(5.)
    """

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The squared error, reduced."""
        return functional.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """`functional.l1_loss`, the absolute error."""

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The absolute error, reduced."""
        return functional.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """`functional.smooth_l1_loss` with threshold ``beta``."""

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The smooth L1 loss, reduced."""
        return functional.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """`functional.huber_loss` with threshold ``delta``."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The Huber loss, reduced."""
        return functional.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """`functional.kl_div` of log-probabilities; ``reduction='batchmean'`` is the true KL
    divergence averaged over the batch."""

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        if reduction == "batchmean" and size_average is None and reduce is None:
            Module.__init__(self)
            self.reduction = reduction
        else:
            super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The KL divergence, reduced."""
        return functional.kl_div(
            input, target, reduction=self.reduction, log_target=self.log_target
        )


class HingeLoss(_Loss):
    """`functional.hinge_loss`, micrograd's demo loss ``relu(1 - y * score)``, y in {-1, 1}."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)

    def forward(self, scores: Any, targets: Any) -> Any:
        """The hinge loss, reduced."""
        return functional.hinge_loss(scores, targets, self.reduction)


class BCELoss(_WeightedLoss):
    """`functional.binary_cross_entropy` of probabilities, ``weight`` per element."""

    _function = staticmethod(functional.binary_cross_entropy)


class BCEWithLogitsLoss(_WeightedLoss):
    """`functional.binary_cross_entropy_with_logits`, stable for logits of any size; ``weight``
    per element, ``pos_weight`` per class (the last dim)."""

    _function = staticmethod(functional.binary_cross_entropy_with_logits)


class NLLLoss(_WeightedLoss):
    """`functional.nll_loss` of log-probabilities against integer classes; ``weight`` per class,
    targets equal to ``ignore_index`` skipped."""

    _function = staticmethod(functional.nll_loss)


class CrossEntropyLoss(_WeightedLoss):
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
