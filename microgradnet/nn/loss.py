"""Loss modules, each a thin wrapper over a loss in `microgradnet.nn.functional`, with PyTorch's
constructor arguments (``size_average`` and ``reduce`` are PyTorch's deprecated spellings of
``reduction``)."""

from __future__ import annotations

from typing import Any

from . import functional
from .wrapping import Wrapping


class _Loss(Wrapping):
    """A loss module over its function: the constructor takes the function's arguments after the
    input and the target (`Wrapping`), ``size_average`` and ``reduce`` folded into ``reduction``
    ('mean' by default, 'sum' or 'none')."""

    inputs = 2
    #: Reductions of this loss alone, which the deprecated arguments cannot express.
    own_reductions: tuple[str, ...] = ()
    reduction: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        deprecated = ("size_average", "reduce")
        size_average, reduce = (self.__dict__.pop(name, None) for name in deprecated)
        self._arguments = tuple(name for name in self._arguments if name not in deprecated)
        self.reduction = functional._fold_reduction(
            type(self).__name__, size_average, reduce, self.reduction, self.own_reductions
        )

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002 - PyTorch's name
        """The loss of ``input`` against ``target``, reduced."""
        return self._call(input, target)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """`functional.mse_loss`; ``reduction='sum'`` is the seed article's sum of squared errors
    (no per-element ``weight``, as in PyTorch's module).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> nn.MSELoss(reduction="sum")(mg.tensor([1.0, 3.0]), mg.tensor([0.0, 1.0]))
    tensor(5.)
    """

    function = "mse_loss"
    omit = ("weight",)


class L1Loss(_Loss):
    """`functional.l1_loss`, the absolute error (no per-element ``weight``, as in PyTorch's
    module)."""

    function = "l1_loss"
    omit = ("weight",)


class SmoothL1Loss(_Loss):
    """`functional.smooth_l1_loss` with threshold ``beta``."""

    function = "smooth_l1_loss"


class HuberLoss(_Loss):
    """`functional.huber_loss` with threshold ``delta`` (no per-element ``weight``, as in
    PyTorch's module)."""

    function = "huber_loss"
    omit = ("weight",)


class KLDivLoss(_Loss):
    """`functional.kl_div` of log-probabilities; ``reduction='batchmean'`` is the true KL
    divergence averaged over the batch."""

    function = "kl_div"
    own_reductions = ("batchmean",)


class HingeLoss(_Loss):
    """`functional.hinge_loss`, micrograd's demo loss ``relu(1 - y * score)``, y in {-1, 1}."""

    function = "hinge_loss"

    def forward(self, scores: Any, targets: Any) -> Any:
        """The hinge loss, reduced."""
        return super().forward(scores, targets)


class BCELoss(_Loss):
    """`functional.binary_cross_entropy` of probabilities, ``weight`` per element."""

    function = "binary_cross_entropy"


class BCEWithLogitsLoss(_Loss):
    """`functional.binary_cross_entropy_with_logits`, stable for logits of any size; ``weight``
    per element, ``pos_weight`` per class (the last dim)."""

    function = "binary_cross_entropy_with_logits"


class NLLLoss(_Loss):
    """`functional.nll_loss` of log-probabilities against integer classes; ``weight`` per class,
    targets equal to ``ignore_index`` skipped."""

    function = "nll_loss"


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

    function = "cross_entropy"
