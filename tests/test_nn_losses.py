"""Losses: values against numpy formulas, reductions, stability, exact gradients, shape errors."""

from __future__ import annotations

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Value, nn
from microgradnet.nn import functional

RNG = np.random.default_rng(0)


def _log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_reductions(reduction: str) -> None:
    p, t = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    sq = (p - t) ** 2
    expected = {"mean": sq.mean(), "sum": sq.sum(), "none": sq}[reduction]
    out = nn.MSELoss(reduction=reduction)(mg.tensor(p), mg.tensor(t))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-14)
    out_list = functional.mse_loss([Value(a) for a in p[0]], t[0].tolist(), reduction=reduction)
    got = [v.data for v in out_list] if reduction == "none" else out_list.data
    ref = {"mean": sq[0].mean(), "sum": sq[0].sum(), "none": sq[0]}[reduction]
    np.testing.assert_allclose(got, ref, rtol=1e-14)


def test_mse_gradient_flows_to_value_predictions_and_accepts_array_targets() -> None:
    preds = [Value(1.0), Value(3.0)]
    functional.mse_loss(preds, [Value(0.0, requires_grad=False), 1.0], reduction="sum").backward()
    assert [p.grad for p in preds] == [2.0, 4.0]
    x = mg.tensor([1.0, 3.0], requires_grad=True)
    functional.mse_loss(x, np.array([0.0, 1.0])).backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])


def test_single_value_losses() -> None:
    assert functional.mse_loss(Value(3.0), 1.0).data == 4.0
    assert functional.hinge_loss(Value(0.25), -1.0).data == 1.25


def test_hinge_loss_is_microgradnet_demo_loss() -> None:
    scores, y = RNG.normal(size=10), np.where(RNG.random(10) > 0.5, 1.0, -1.0)
    expected = np.maximum(0, 1 - y * scores).mean()
    got = nn.HingeLoss()(mg.tensor(scores), mg.tensor(y))
    assert got.item() == pytest.approx(expected, rel=1e-14)
    values = functional.hinge_loss([Value(s) for s in scores], y.tolist())
    assert values.data == pytest.approx(expected, rel=1e-14)


def test_binary_cross_entropy_values_and_clamp() -> None:
    p, t = RNG.uniform(0.05, 0.95, size=8), RNG.uniform(size=8)
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(
        nn.BCELoss(reduction="none")(mg.tensor(p), mg.tensor(t)).numpy(), expected, rtol=1e-14
    )
    x = mg.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    loss = functional.binary_cross_entropy(x, mg.tensor([1.0, 0.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [100.0, 100.0, 0.0, 0.0], atol=1e-12)
    loss.sum().backward()
    assert np.all(np.isfinite(x.grad))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must hold probabilities"):
        functional.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))


def test_bce_with_logits_matches_bce_of_sigmoid_and_is_stable() -> None:
    z, t = RNG.normal(size=(4, 3)) * 3, RNG.uniform(size=(4, 3))
    p = 1 / (1 + np.exp(-z))
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()
    got = nn.BCEWithLogitsLoss()(mg.tensor(z), mg.tensor(t))
    assert got.item() == pytest.approx(expected, rel=1e-12)
    big = mg.tensor([1e4, -1e4, 1e4, -1e4, 0.0], requires_grad=True)
    target = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    loss = functional.binary_cross_entropy_with_logits(big, target, reduction="none")
    np.testing.assert_allclose(loss.numpy(), [1e4, 1e4, 0.0, 0.0, np.log(2)], rtol=1e-15)
    loss.sum().backward()
    # the gradient sigmoid(x) - t, exact at the kink x = 0 too
    np.testing.assert_array_equal(big.grad, [1.0, -1.0, 0.0, 0.0, -0.5])


def test_cross_entropy_matches_numpy_and_the_gradient_is_softmax_minus_one_hot() -> None:
    z = RNG.normal(size=(5, 4))
    target = np.array([0, 3, 1, 1, 2])
    logp = _log_softmax(z, 1)
    x = mg.tensor(z, requires_grad=True)
    loss = nn.CrossEntropyLoss()(x, target)
    assert loss.item() == pytest.approx(-logp[np.arange(5), target].mean(), rel=1e-14)
    loss.backward()
    expected = (np.exp(logp) - np.eye(4)[target]) / 5
    np.testing.assert_allclose(x.grad, expected, rtol=0, atol=1e-15)


def test_cross_entropy_is_finite_at_huge_logits() -> None:
    x = mg.tensor([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]], requires_grad=True)
    loss = functional.cross_entropy(x, mg.tensor(np.array([2, 1])), reduction="sum")
    assert loss.item() == pytest.approx(2e4, rel=1e-15)
    loss.backward()
    np.testing.assert_allclose(x.grad, [[1.0, 0.0, -1.0], [0.0, 0.0, 0.0]], atol=1e-15)


def test_cross_entropy_shapes_ignore_index_and_soft_targets() -> None:
    z = RNG.normal(size=(2, 3, 4))  # (N, C, d)
    target = np.array([[0, 1, 2, -100], [2, 2, 1, 0]])
    logp = _log_softmax(z, 1)
    picked = [-logp[n, target[n, d], d] for n in range(2) for d in range(4) if target[n, d] >= 0]
    loss = functional.cross_entropy(mg.tensor(z), target)
    assert loss.item() == pytest.approx(np.mean(picked), rel=1e-14)
    none = functional.cross_entropy(mg.tensor(z), target, reduction="none")
    assert none.shape == (2, 4) and none.numpy()[0, 3] == 0.0
    single = functional.cross_entropy(mg.tensor(z[0, :, 0]), np.array(0))
    assert single.item() == pytest.approx(-logp[0, 0, 0], rel=1e-14)
    probs = np.exp(_log_softmax(RNG.normal(size=(2, 3)), 1))
    soft = functional.cross_entropy(mg.tensor(z[:, :, 0]), mg.tensor(probs))
    assert soft.item() == pytest.approx(-(probs * logp[:, :, 0]).sum(1).mean(), rel=1e-14)


def test_nll_loss_picks_the_target_log_probabilities() -> None:
    logp = _log_softmax(RNG.normal(size=(3, 5)), 1)
    target = np.array([4, 0, 2])
    out = nn.NLLLoss(reduction="sum")(mg.tensor(logp), target)
    assert out.item() == pytest.approx(-logp[np.arange(3), target].sum(), rel=1e-14)
    ignored = nn.NLLLoss(ignore_index=0)(mg.tensor(logp), target)
    assert ignored.item() == pytest.approx(-(logp[0, 4] + logp[2, 2]) / 2, rel=1e-14)


def test_class_target_errors_name_the_loss_and_shapes() -> None:
    x = mg.tensor(np.zeros((4, 3)))
    with pytest.raises(
        ValueError, match=r"cross_entropy: input shape \(4, 3\) and target shape \(3,\)"
    ):
        functional.cross_entropy(x, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="nll_loss: target must hold integer class indices"):
        functional.nll_loss(x, np.array([0.0, 1.0, 2.0, 0.5]))
    with pytest.raises(ValueError, match=r"nll_loss: target classes must be in \[0, 3\)"):
        functional.nll_loss(x, np.array([0, 1, 3, 0]))


@pytest.mark.parametrize(
    "loss",
    [
        functional.mse_loss,
        functional.hinge_loss,
        functional.binary_cross_entropy,
        functional.binary_cross_entropy_with_logits,
    ],
)
def test_elementwise_losses_refuse_mismatched_shapes(loss: object) -> None:
    name = loss.__name__  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=rf"{name}: input shape \(3, 1\) and target shape \(3,\)"):
        loss(mg.tensor(np.full((3, 1), 0.5)), mg.tensor(np.ones(3)))  # type: ignore[operator]


def test_list_length_mismatch_and_bad_reduction() -> None:
    with pytest.raises(ValueError, match="mse_loss: 2 predictions but target has length 3"):
        functional.mse_loss([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="MSELoss: reduction must be 'mean', 'sum' or 'none'"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="cross_entropy: reduction must be"):
        functional.cross_entropy(mg.tensor(np.zeros((1, 2))), [0], reduction="avg")


def test_value_list_losses_take_numpy_targets_and_refuse_non_sequences() -> None:
    scores = [Value(0.5), Value(-2.0)]
    loss = functional.hinge_loss(scores, np.array([1.0, -1.0]))
    assert loss.data == pytest.approx(0.25)
    with pytest.raises(TypeError, match="hinge_loss: the predictions are a list, so the target"):
        functional.hinge_loss(scores, 1.0)


def test_loss_calls_that_bind_wrongly_name_the_loss() -> None:
    x, t = mg.tensor(np.zeros((2, 3))), mg.tensor([0, 1])
    with pytest.raises(TypeError, match="nll_loss: got an unexpected keyword argument 'wieght'"):
        functional.nll_loss(x, t, wieght=None)
    with pytest.raises(TypeError, match="mse_loss: too many positional arguments"):
        functional.mse_loss(x, x, None, None, "mean", None, 1.0)
    with pytest.raises(
        TypeError, match="huber_loss: got an unexpected keyword argument 'size_average'"
    ):
        functional.huber_loss(x, x, size_average=False)  # PyTorch's huber_loss has none either
    with pytest.raises(ValueError, match="hinge_loss: reduction must be 'mean', 'sum' or 'none'"):
        functional.hinge_loss([Value(1.0)], [1.0], reduction="avg")
    with pytest.raises(
        ValueError, match="kl_div: reduction must be 'mean', 'sum', 'none' or 'batchmean', not 'x'"
    ):
        functional.kl_div(x, x, reduction="x")


def test_per_element_weight_values_and_errors() -> None:
    x, t = mg.tensor([[1.0, 2.0], [3.0, 4.0]]), mg.tensor(np.zeros((2, 2)))
    w = np.array([[1.0, 3.0], [0.5, 2.0]])
    squares = np.array([[1.0, 4.0], [9.0, 16.0]])
    assert functional.mse_loss(x, t, weight=w).item() == pytest.approx((w * squares).sum() / 6.5)
    assert functional.l1_loss(x, t, weight=w, reduction="sum").item() == pytest.approx(16.5)
    np.testing.assert_allclose(
        functional.mse_loss(x, t, weight=w, reduction="none").data, w * squares
    )
    with pytest.raises(
        ValueError, match=r"mse_loss: weight of shape \(2,\) must have the input's shape \(2, 2\)"
    ):
        functional.mse_loss(x, t, weight=np.ones(2))
    with pytest.raises(ValueError, match="l1_loss: weight needs a Tensor input, not a list"):
        functional.l1_loss([Value(1.0)], [0.0], weight=[2.0])


def test_huber_weight_must_have_the_inputs_shape() -> None:
    x, t = mg.tensor(np.ones((2, 3))), mg.tensor(np.zeros((2, 3)))
    with pytest.raises(
        ValueError, match=r"huber_loss: weight of shape \(3,\) must have the input's shape \(2, 3\)"
    ):
        functional.huber_loss(x, t, weight=np.ones(3))  # PyTorch refuses a broadcast weight too
    with pytest.raises(ValueError, match="huber_loss: weight needs a Tensor input, not a list"):
        functional.huber_loss([Value(1.0)], [0.0], weight=[2.0])


def test_input_and_target_by_keyword_as_in_pytorch() -> None:
    x, t = mg.tensor([[1.0, 2.0], [0.0, 1.0]]), mg.tensor([1, 0])
    by_position = functional.cross_entropy(x, t, reduction="sum").item()
    assert functional.cross_entropy(input=x, target=t, reduction="sum").item() == by_position
    assert functional.cross_entropy(x, target=t, reduction="sum").item() == by_position
    assert functional.mse_loss(input=x, target=x * 2, reduction="sum").item() == 6.0
