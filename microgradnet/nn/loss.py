"""Loss modules, each a thin wrapper over a loss in `microgradnet.nn.functional`."""

from __future__ import annotations

from typing import Any

from . import functional
from .module import Module


class _Loss(Module):
    """A loss with a ``reduction``: 'mean' (default), 'sum' or 'none'."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        functional._check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

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

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The squared error, reduced."""
        return functional.mse_loss(input, target, self.reduction)


class HingeLoss(_Loss):
    """`functional.hinge_loss`, micrograd's demo loss ``relu(1 - y * score)``, y in {-1, 1}."""

    def forward(self, scores: Any, targets: Any) -> Any:
        """The hinge loss, reduced."""
        return functional.hinge_loss(scores, targets, self.reduction)


class BCELoss(_Loss):
    """`functional.binary_cross_entropy` of probabilities."""

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The binary cross entropy, reduced."""
        return functional.binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """`functional.binary_cross_entropy_with_logits`, stable for logits of any size."""

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The binary cross entropy of ``sigmoid(input)``, reduced."""
        return functional.binary_cross_entropy_with_logits(input, target, self.reduction)


class _ClassLoss(_Loss):
    """A loss over integer class targets, which skips targets equal to ``ignore_index``."""

    def __init__(self, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.ignore_index = ignore_index


class NLLLoss(_ClassLoss):
    """`functional.nll_loss` of log-probabilities against integer classes."""

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The negative log likelihood, reduced."""
        return functional.nll_loss(input, target, self.ignore_index, self.reduction)


class CrossEntropyLoss(_ClassLoss):
    """`functional.cross_entropy` of logits against integer classes (or class probabilities).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.CrossEntropyLoss()(mg.tensor([[0.0, 0.0]]), [1])
    tensor(0.69314718)
    """

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The cross entropy, reduced."""
        return functional.cross_entropy(input, target, self.ignore_index, self.reduction)
