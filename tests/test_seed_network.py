"""The seed article's network, trained with nn and SGD, learns its four examples from any seed."""

from __future__ import annotations

import numpy as np
import pytest

from microgradnet import cli
from microgradnet.demo import X, Y, seed_loss, seed_network, train_seed_network


@pytest.mark.parametrize("seed", range(20))
def test_every_prediction_is_within_005_of_its_target_after_1500_iterations(seed: int) -> None:
    run = train_seed_network(iterations=1500, lr=1.0, seed=seed)
    assert run.predictions.shape == (4, 1)
    np.testing.assert_array_less(np.abs(run.predictions - Y), 0.05)
    assert len(run.losses) == 1500 and run.losses[-1] < run.losses[0] / 50


def test_initial_weights_are_uniform_on_0_1_and_follow_the_seed() -> None:
    weights = [p.numpy().copy() for p in seed_network(4).parameters()]
    assert [w.shape for w in weights] == [(4, 3), (1, 4)]
    assert all(((w >= 0) & (w < 1)).all() for w in weights)
    for a, b in zip(weights, seed_network(4).parameters()):
        np.testing.assert_array_equal(a, b.numpy())
    assert not np.array_equal(weights[0], seed_network(5)[0].weight.numpy())


def test_the_loss_is_the_sum_of_squared_errors() -> None:
    model = seed_network(0)
    w1, w2 = model[0].weight.numpy(), model[2].weight.numpy()
    y_hat = 1 / (1 + np.exp(-(1 / (1 + np.exp(-X @ w1.T))) @ w2.T))
    assert seed_loss(model).item() == pytest.approx(((Y - y_hat) ** 2).sum(), rel=1e-14)


def test_one_step_is_gradient_descent_with_lr_1() -> None:
    model = seed_network(0)
    seed_loss(model).backward()
    expected = [p.numpy() - p.grad for p in model.parameters()]
    trained = train_seed_network(iterations=1, seed=0).model
    for p, e in zip(trained.parameters(), expected):
        np.testing.assert_allclose(p.numpy(), e, rtol=1e-15)


def test_the_demo_command_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("loss at iteration 1500: ")
    assert out[1].split() == ["input", "prediction", "target"]
    for line, x, y in zip(out[2:], X, Y[:, 0]):
        *inputs, prediction, target = line.replace("[", "").replace("]", "").split()
        assert [int(i) for i in inputs] == x.tolist()
        assert int(target) == y
        assert abs(float(prediction) - y) < 0.05
    assert len(out) == 6
