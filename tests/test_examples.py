"""The examples run and reach their figures.

The moons example trains both networks fully, as micrograd's demo: 100 points, 100 steps (the
Value network's graph has about 7,600 nodes a step, one weighted sum per neuron). A second test
shows that the Value and Tensor networks take the same steps.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from examples import moons, neuron, seed_network
from microgradnet.demo import X

ROOT = Path(__file__).resolve().parents[1]


def test_seed_network(capsys: pytest.CaptureFixture[str]) -> None:
    run = seed_network.main()
    out = capsys.readouterr().out
    assert out.count("loss") == 6 and "prediction  target" in out
    np.testing.assert_array_less(np.abs(run.predictions - [[0], [1], [1], [0]]), 0.05)
    assert f"{run.losses[300]:.6f}" in out


def test_neuron_gradients_are_the_sigmoid_formula(capsys: pytest.CaptureFixture[str]) -> None:
    results = neuron.main(seed=2)
    assert "d/dw1" in capsys.readouterr().out
    assert len(results) == 4
    for x, (s, grads) in zip(X, results):
        np.testing.assert_allclose(grads, s * (1 - s) * np.append(x, 1.0), rtol=1e-14)


def test_moons_tensor_network_reaches_100_percent() -> None:
    x, y = moons.make_moons(100, noise=0.1, seed=1)
    model = moons.tensor_mlp_like(moons.value_mlp(1))
    accuracy = moons.train(model, moons.tensor_loss, x, y, steps=100)
    assert accuracy[0] < 0.9 and accuracy[-1] == 1.0


def test_moons_value_and_tensor_networks_take_the_same_steps() -> None:
    x, y = moons.make_moons(100, noise=0.1, seed=1)
    x, y = x[:20], y[:20]
    value_model = moons.value_mlp(1)
    tensor_model = moons.tensor_mlp_like(value_model)
    value_acc = moons.train(value_model, moons.value_loss, x, y, steps=30)
    tensor_acc = moons.train(tensor_model, moons.tensor_loss, x, y, steps=30)
    assert value_acc == tensor_acc and value_acc[-1] == 1.0
    for a, b in zip(moons.tensor_mlp_like(value_model).parameters(), tensor_model.parameters()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)


def test_moons_main(capsys: pytest.CaptureFixture[str]) -> None:
    result = moons.main(n_points=100, steps=100)
    out = capsys.readouterr().out
    assert result.tensor_accuracy[-1] == 1.0 and result.value_accuracy[-1] == 1.0
    rows = result.picture.splitlines()
    assert len(rows) == 24 and {len(r) for r in rows} == {64}
    assert set("".join(rows)) <= set(" .ox") and "." in result.picture
    assert result.picture.count("o") + result.picture.count("x") > 80  # points may overlap
    assert "accuracy 100%" in out and result.picture in out


def test_make_moons() -> None:
    x, y = moons.make_moons(101, noise=0.0, seed=0)
    assert x.shape == (101, 2) and sorted(set(y.tolist())) == [-1.0, 1.0]
    upper, lower = x[y < 0], x[y > 0]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5 + 1e-12).all() and (upper[:, 1] >= -1e-12).all()


def test_digits_reaches_95_percent(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn", reason="the digits example needs scikit-learn")
    from examples import digits

    result = digits.main(epochs=20, progress=True)
    captured = capsys.readouterr()
    assert result.test_accuracy >= 0.95
    assert result.losses[-1] < result.losses[0] / 5
    assert "epoch 20/20" in captured.err and "test accuracy" in captured.out


@pytest.mark.parametrize("script", ["seed_network.py", "neuron.py", "seed_network_tensors.py"])
def test_scripts_run(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout
