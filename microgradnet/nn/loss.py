"""Loss modules, each a thin wrapper over a loss in `microgradnet.nn.functional`, with PyTorch's
constructor arguments (``size_average`` and ``reduce`` are PyTorch's deprecated spellings of
``reduction``)."""

from __future__ import annotations

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


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight`` (per class, or per element for the binary losses)."""

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight = weight


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

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The binary cross entropy, reduced."""
        return functional.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """`functional.binary_cross_entropy_with_logits`, stable for logits of any size; ``weight``
    per element, ``pos_weight`` per class (the last dim)."""

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Any = None,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.pos_weight = pos_weight

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The binary cross entropy of ``sigmoid(input)``, reduced."""
        return functional.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class NLLLoss(_WeightedLoss):
    """`functional.nll_loss` of log-probabilities against integer classes; ``weight`` per class,
    targets equal to ``ignore_index`` skipped."""

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The negative log likelihood, reduced."""
        return functional.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


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

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The cross entropy, reduced."""
        return functional.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )
