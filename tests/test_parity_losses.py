"""Losses against PyTorch: values and gradients (of the input, and of weights that require grad)
for every reduction, with PyTorch's keywords: weight, ignore_index, label_smoothing, pos_weight,
beta, delta, log_target; and the nn modules with the same arguments."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import nn
from microgradnet.nn import functional as F  # noqa: N812 - PyTorch's habit

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RTOL = 1e-10
REDUCTIONS = ["mean", "sum", "none"]


def compare(
    ours: Callable[..., Any], theirs: Callable[..., Any], *arrays: np.ndarray, seed: int = 0
) -> None:
    """Both losses on float64 leaves: equal values, and equal gradients for a random cotangent."""
    rng = np.random.default_rng(seed)
    a = [mg.tensor(x, requires_grad=True) for x in arrays]
    b = [torch.tensor(x, requires_grad=True) for x in arrays]
    out, ref = ours(*a), theirs(*b)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=RTOL, atol=1e-13)
    v = rng.standard_normal(out.shape)
    (out * v).sum().backward()
    (ref * torch.tensor(v)).sum().backward()
    for x, y in zip(a, b):
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=RTOL, atol=1e-13)


def logits(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape) * 2


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2), (4,)])
def test_cross_entropy_and_nll_with_weight_and_ignore_index(
    reduction: str, shape: tuple[int, ...]
) -> None:
    rng = np.random.default_rng(1)
    c = shape[0] if len(shape) == 1 else shape[1]
    t_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    target = rng.integers(0, c, t_shape)
    if target.ndim:
        target.reshape(-1)[0] = -1  # one ignored target
    weight = rng.random(c) + 0.5
    mt, tt = mg.tensor(target), torch.tensor(target)
    kw = {"ignore_index": -1, "reduction": reduction}
    for w in (None, weight):
        compare(
            lambda x, w=w: F.cross_entropy(x, mt, w, **kw),
            lambda x, w=w: TF.cross_entropy(x, tt, None if w is None else torch.tensor(w), **kw),
            logits(2, shape),
        )
        compare(
            lambda x, w=w: F.nll_loss(x.log_softmax(-1 if len(shape) == 1 else 1), mt, w, **kw),
            lambda x, w=w: TF.nll_loss(
                x.log_softmax(-1 if len(shape) == 1 else 1), tt,
                None if w is None else torch.tensor(w), **kw,
            ),
            logits(3, shape),
        )  # fmt: skip


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_label_smoothing(reduction: str, weighted: bool) -> None:
    rng = np.random.default_rng(4)
    target = np.array([0, 2, 1, 2, -100])
    weight = rng.random(3) + 0.5 if weighted else None
    tw = None if weight is None else torch.tensor(weight)
    compare(
        lambda x: F.cross_entropy(
            x, mg.tensor(target), weight, reduction=reduction, label_smoothing=0.2
        ),
        lambda x: TF.cross_entropy(
            x, torch.tensor(target), tw, reduction=reduction, label_smoothing=0.2
        ),
        logits(5, (5, 3)),
    )
    probs = rng.dirichlet(np.ones(3), 5)
    compare(
        lambda x: F.cross_entropy(x, mg.tensor(probs), weight, reduction=reduction,
                                  label_smoothing=0.1),
        lambda x: TF.cross_entropy(x, torch.tensor(probs), tw, reduction=reduction,
                                   label_smoothing=0.1),
        logits(6, (5, 3)),
    )  # fmt: skip


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_weight_and_pos_weight(reduction: str) -> None:
    rng = np.random.default_rng(8)
    t = (rng.random((4, 3)) < 0.5).astype(float)
    w, pw = rng.random((4, 3)) + 0.5, rng.random(3) + 0.5
    p = rng.random((4, 3)) * 0.9 + 0.05
    for weight in (None, w):
        tw = None if weight is None else torch.tensor(weight)
        compare(
            lambda x, weight=weight: F.binary_cross_entropy(x, mg.tensor(t), weight,
                                                            reduction=reduction),
            lambda x, tw=tw: TF.binary_cross_entropy(x, torch.tensor(t), tw, reduction=reduction),
            p,
        )  # fmt: skip
        compare(
            lambda x, weight=weight: F.binary_cross_entropy_with_logits(
                x, mg.tensor(t), weight, reduction=reduction, pos_weight=mg.tensor(pw)
            ),
            lambda x, tw=tw: TF.binary_cross_entropy_with_logits(
                x, torch.tensor(t), tw, reduction=reduction, pos_weight=torch.tensor(pw)
            ),
            logits(9, (4, 3)) * 10,
        )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction: str) -> None:
    x, t = logits(10, (4, 5)), logits(11, (4, 5))
    compare(
        lambda a, b: F.l1_loss(a, b, reduction=reduction),
        lambda a, b: TF.l1_loss(a, b, reduction=reduction), x, t,
    )  # fmt: skip
    compare(
        lambda a, b: F.mse_loss(a, b, reduction=reduction),
        lambda a, b: TF.mse_loss(a, b, reduction=reduction), x, t,
    )  # fmt: skip
    for beta in (0.0, 0.5, 2.0):
        compare(
            lambda a, b, beta=beta: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
            lambda a, b, beta=beta: TF.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
            x, t,
        )  # fmt: skip
    for delta in (0.5, 2.0):
        compare(
            lambda a, b, delta=delta: F.huber_loss(a, b, reduction=reduction, delta=delta),
            lambda a, b, delta=delta: TF.huber_loss(a, b, reduction=reduction, delta=delta),
            x, t,
        )  # fmt: skip


@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction: str, log_target: bool) -> None:
    rng = np.random.default_rng(12)
    log_p = np.log(rng.dirichlet(np.ones(4), 3))
    q = rng.dirichlet(np.ones(4), 3)
    q[0, 1] = 0.0  # a zero probability contributes 0
    target = np.log(q + 1e-3) if log_target else q
    with warnings.catch_warnings():  # PyTorch warns that 'mean' is not the KL divergence
        warnings.simplefilter("ignore", UserWarning)
        compare(
            lambda a: F.kl_div(a, mg.tensor(target), reduction=reduction, log_target=log_target),
            lambda a: TF.kl_div(
                a, torch.tensor(target), reduction=reduction, log_target=log_target
            ),
            log_p,
        )


def test_modules_take_pytorchs_arguments() -> None:
    x = logits(13, (4, 3))
    target = np.array([0, 2, 1, -100])
    w = np.array([1.0, 2.0, 0.5])
    pairs = [
        (nn.CrossEntropyLoss(mg.tensor(w), label_smoothing=0.1),
         torch.nn.CrossEntropyLoss(torch.tensor(w), label_smoothing=0.1), target),
        (nn.NLLLoss(mg.tensor(w), reduction="sum"),
         torch.nn.NLLLoss(torch.tensor(w), reduction="sum"), target),
        (nn.L1Loss(), torch.nn.L1Loss(), logits(14, (4, 3))),
        (nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5), logits(15, (4, 3))),
        (nn.HuberLoss(delta=0.5), torch.nn.HuberLoss(delta=0.5), logits(16, (4, 3))),
        (nn.MSELoss(reduction="none"), torch.nn.MSELoss(reduction="none"), logits(17, (4, 3))),
        (nn.KLDivLoss(reduction="batchmean"), torch.nn.KLDivLoss(reduction="batchmean"),
         np.full((4, 3), 1 / 3)),
        (nn.BCEWithLogitsLoss(pos_weight=mg.tensor(w)),
         torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(w)), np.eye(4, 3)),
        (nn.BCELoss(mg.tensor(np.ones((4, 3)) * 2)), torch.nn.BCELoss(torch.ones(4, 3) * 2),
         np.eye(4, 3)),
    ]  # fmt: skip
    for ours, theirs, t in pairs:
        inp = 1 / (1 + np.exp(-x)) if isinstance(ours, nn.BCELoss) else x
        compare(lambda a, m=ours, t=t: m(a, mg.tensor(t)),
                lambda a, m=theirs, t=t: m(a, torch.tensor(t)), inp)  # fmt: skip
    # PyTorch's deprecated size_average/reduce still mean what they meant.
    assert nn.L1Loss(reduce=False).reduction == "none"
    assert nn.MSELoss(size_average=False).reduction == "sum"


def test_the_issue_example_int64_class_indices() -> None:
    target = mg.tensor([0, 2])
    assert target.dtype == np.int64
    out = F.cross_entropy(mg.tensor(logits(18, (2, 3))), target)
    ref = TF.cross_entropy(torch.tensor(logits(18, (2, 3))), torch.tensor([0, 2]))
    assert out.item() == pytest.approx(ref.item(), rel=RTOL)


def test_every_target_ignored_gives_nan_as_pytorch() -> None:
    x = mg.tensor(logits(19, (2, 3)), requires_grad=True)
    with np.errstate(invalid="ignore"):
        out = F.cross_entropy(x, mg.tensor([-100, -100]))
    ref = TF.cross_entropy(torch.tensor(logits(19, (2, 3))), torch.tensor([-100, -100]))
    assert np.isnan(out.item()) and np.isnan(ref.item())


LOSSES = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "nll_loss",
    "cross_entropy",
]


@pytest.mark.parametrize("name", LOSSES)
def test_signatures_are_pytorchs(name: str) -> None:
    """Names, order, kinds and defaults, the deprecated size_average and reduce included."""

    def described(fn: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
        return [(p.name, p.default, p.kind) for p in inspect.signature(fn).parameters.values()]

    assert described(getattr(F, name)) == described(getattr(TF, name))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_per_element_weight(name: str, reduction: str) -> None:
    """The weight's gradient too; 'mean' divides by the total weight for mse and l1 and by the
    element count for huber, as PyTorch does."""
    rng = np.random.default_rng(20)
    x, t, w = logits(21, (3, 4)), logits(22, (3, 4)), rng.random((3, 4)) + 0.5
    compare(
        lambda a, b: getattr(F, name)(a, mg.tensor(t), reduction=reduction, weight=b),
        lambda a, b: getattr(TF, name)(a, torch.tensor(t), reduction=reduction, weight=b),
        x,
        w,
    )


def test_positional_options_and_deprecated_arguments_bind_as_in_pytorch() -> None:
    x, t = logits(23, (4, 3)), np.array([0, 2, 1, 1])
    w = np.array([1.0, 2.0, 0.5])
    with warnings.catch_warnings():  # PyTorch warns that size_average and reduce are deprecated
        warnings.simplefilter("ignore", UserWarning)
        compare(
            lambda a: F.nll_loss(a, mg.tensor(t), mg.tensor(w), None, 1, None, "sum"),
            lambda a: TF.nll_loss(a, torch.tensor(t), torch.tensor(w), None, 1, None, "sum"),
            x,
        )
        compare(
            lambda a: F.cross_entropy(a, mg.tensor(t), None, False, -100, None, "mean", 0.2),
            lambda a: TF.cross_entropy(a, torch.tensor(t), None, False, -100, None, "mean", 0.2),
            x,
        )
        y = logits(24, (4, 3))
        compare(
            lambda a: F.mse_loss(a, mg.tensor(y), None, False),
            lambda a: TF.mse_loss(a, torch.tensor(y), None, False),
            x,
        )
