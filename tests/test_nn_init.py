"""nn.init: bounds, statistics, fan computations, in-place updates, and reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import nn
from microgradnet.nn import init


def _big(*shape: int) -> mg.Tensor:
    return nn.Parameter(np.zeros(shape))


def test_uniform_bounds_and_moments() -> None:
    w = init.uniform_(_big(200, 300), -2.0, 4.0)
    data = w.numpy()
    assert data.min() >= -2.0 and data.max() < 4.0
    assert abs(data.mean() - 1.0) < 0.03  # std of the mean: 6/sqrt(12)/sqrt(6e4) = 0.007
    assert abs(data.std() - 6 / math.sqrt(12)) < 0.02


def test_normal_moments() -> None:
    data = init.normal_(_big(200, 300), 3.0, 0.5).numpy()
    assert abs(data.mean() - 3.0) < 0.01 and abs(data.std() - 0.5) < 0.01


def test_constant_zeros_ones() -> None:
    w = _big(3, 2)
    assert np.all(init.constant_(w, 2.5).numpy() == 2.5)
    assert np.all(init.ones_(w).numpy() == 1.0)
    assert np.all(init.zeros_(w).numpy() == 0.0)


def test_fans_follow_pytorch() -> None:
    assert init.calculate_fan_in_and_fan_out(_big(4, 3)) == (3, 4)
    assert init.calculate_fan_in_and_fan_out(_big(8, 2, 3, 5)) == (30, 120)
    with pytest.raises(ValueError, match=r"at least 2 dimensions, not shape \(5,\)"):
        init.xavier_uniform_(_big(5))


def test_gains() -> None:
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


@pytest.mark.parametrize(
    ("fn", "shape", "bound"),
    [
        (lambda t: init.xavier_uniform_(t, gain=2.0), (300, 500), 2.0 * math.sqrt(6 / 800)),
        # a=0: leaky_relu with slope 0 has relu's gain sqrt(2)
        (lambda t: init.kaiming_uniform_(t), (300, 500), math.sqrt(2) * math.sqrt(3 / 500)),
        (
            lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
            (300, 500),
            math.sqrt(6 / 300),
        ),
        (lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)), (300, 500), 1 / math.sqrt(500)),
    ],
)
def test_uniform_schemes_bound_and_std(fn: object, shape: tuple[int, int], bound: float) -> None:
    data = fn(_big(*shape)).numpy()  # type: ignore[operator]
    assert np.abs(data).max() <= bound
    assert np.abs(data).max() > 0.99 * bound
    assert data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize(
    ("fn", "std"),
    [
        (lambda t: init.xavier_normal_(t, gain=0.5), 0.5 * math.sqrt(2 / 800)),
        (lambda t: init.kaiming_normal_(t, nonlinearity="relu"), math.sqrt(2 / 500)),
        (
            lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh"),
            (5 / 3) / math.sqrt(300),
        ),
    ],
)
def test_normal_schemes_std(fn: object, std: float) -> None:
    data = fn(_big(300, 500)).numpy()  # type: ignore[operator]
    assert abs(data.mean()) < 0.05 * std
    assert data.std() == pytest.approx(std, rel=0.02)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match=r"uniform_: the lower bound 2\.0 is above the upper"):
        init.uniform_(_big(2), 2.0, 1.0)
    with pytest.raises(ValueError, match="normal_: std must be non-negative"):
        init.normal_(_big(2), 0.0, -1.0)
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', not 'fan'"):
        init.kaiming_normal_(_big(2, 2), mode="fan")


def test_in_place_moves_the_version_and_keeps_dtype_and_identity() -> None:
    w = nn.Parameter(np.zeros((3, 3), dtype=np.float32))
    data = w.data
    assert init.normal_(w) is w
    assert w.data is data and w.dtype == np.float32 and w._version == 1
    assert w.requires_grad and w.is_leaf


def test_manual_seed_makes_init_reproducible_and_seeds_differ() -> None:
    def draw(seed: int) -> list[np.ndarray]:
        mg.manual_seed(seed)
        lin = nn.Linear(4, 3)
        return [lin.weight.numpy().copy(), lin.bias.numpy().copy(), init.normal_(_big(5)).numpy()]

    for a, b in zip(draw(7), draw(7)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(draw(7)[0], draw(8)[0])


def test_manual_seed_reseeds_the_same_generator_object() -> None:
    gen = mg.random.default_generator
    assert mg.manual_seed(3) is gen
    first = gen.random(4)
    mg.manual_seed(3)
    np.testing.assert_array_equal(gen.random(4), first)
    with pytest.raises(ValueError, match="manual_seed: expected a non-negative integer, got -1"):
        mg.manual_seed(-1)


def test_an_explicit_generator_is_used_instead_of_the_project_one() -> None:
    a = init.uniform_(_big(5), generator=np.random.default_rng(1)).numpy()
    b = init.uniform_(_big(5), generator=np.random.default_rng(1)).numpy()
    np.testing.assert_array_equal(a, b)


def test_linear_init_matches_pytorch_bounds() -> None:
    mg.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (lin.weight, lin.bias):
        assert np.abs(p.numpy()).max() <= bound and np.abs(p.numpy()).max() > 0.9 * bound
    assert lin.weight.shape == (300, 400) and lin.bias.shape == (300,)
