"""Optimizers against hand-computed updates, on Tensors and Values; state dicts; schedules."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet.optim import SGD, Adam, AdamW
from microgradnet.optim.lr_scheduler import LambdaLR, StepLR

# The loss sum(A * w**2 / 2 + B * w) has the gradient A * w + B, so hand updates need no autograd.
A = np.array([0.5, 2.0, -1.0, 3.0])
B = np.array([1.0, -0.5, 0.25, 0.0])
W0 = np.array([0.3, -1.2, 2.0, 0.7])
STEPS = 6


def loss_of(w: mg.Tensor) -> mg.Tensor:
    return (mg.tensor(A) * w * w / 2 + mg.tensor(B) * w).sum()


def hand_sgd(lr: float, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    w, buf, out = W0.copy(), None, []
    for _ in range(STEPS):
        g = A * w + B + weight_decay * w
        if momentum:
            buf = g if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * g
        out.append(w)
    return out


def hand_adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    w, m, v, out = W0.copy(), np.zeros(4), np.zeros(4), []
    b1, b2 = betas
    for t in range(1, STEPS + 1):
        g = A * w + B
        if decoupled:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(w)
    return out


CASES = [
    (SGD, dict(lr=0.1), hand_sgd),
    (SGD, dict(lr=0.05, momentum=0.9), hand_sgd),
    (SGD, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1), hand_sgd),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01), hand_sgd),
    (Adam, dict(lr=0.1), hand_adam),
    (Adam, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.2), hand_adam),
    (AdamW, dict(lr=0.1, weight_decay=0.3), lambda **kw: hand_adam(**kw, decoupled=True)),
]


def run_tensor(cls: Any, kwargs: dict[str, Any]) -> list[np.ndarray]:
    w = mg.tensor(W0, requires_grad=True)
    opt = cls([w], **kwargs)
    out = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss_of(w).backward()
        opt.step()
        out.append(w.numpy().copy())
    return out


def run_values(cls: Any, kwargs: dict[str, Any]) -> list[np.ndarray]:
    ws = [mg.Value(x) for x in W0]
    opt = cls(ws, **kwargs)
    out = []
    for _ in range(STEPS):
        opt.zero_grad()
        sum(a * w * w / 2 + b * w for a, b, w in zip(A, B, ws)).backward()
        opt.step()
        out.append(np.array([w.data for w in ws]))
    return out


@pytest.mark.parametrize(("cls", "kwargs", "hand"), CASES)
@pytest.mark.parametrize("run", [run_tensor, run_values], ids=["Tensor", "Value"])
def test_updates_equal_the_hand_computed_ones(cls, kwargs, hand, run) -> None:
    got, want = run(cls, kwargs), hand(**kwargs)
    assert not np.allclose(want[-1], W0)
    for step, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-15, err_msg=f"step {step + 1}")


def test_first_adam_step_moves_each_parameter_by_lr() -> None:
    # With m and v bias-corrected, the first step is lr * g / (|g| + eps): lr in each coordinate.
    w = mg.tensor(W0, requires_grad=True)
    opt = Adam([w], lr=0.01, eps=0.0)
    loss_of(w).backward()
    g = w.grad.clone()
    opt.step()
    np.testing.assert_allclose(w.numpy(), W0 - 0.01 * np.sign(g), rtol=0, atol=1e-15)


def test_default_hyperparameters_are_pytorchs() -> None:
    w = mg.tensor([1.0], requires_grad=True)
    assert Adam([w]).defaults == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0}
    assert AdamW([w]).defaults["weight_decay"] == 1e-2
    assert SGD([w], lr=0.1).defaults == {
        "lr": 0.1,
        "momentum": 0,
        "dampening": 0,
        "weight_decay": 0,
        "nesterov": False,
    }


def test_tensor_updates_in_place_and_moves_the_version_counter() -> None:
    w = mg.tensor(W0, requires_grad=True)
    data, opt = w.data, SGD([w], lr=0.1)
    loss = loss_of(w)
    (w * 2).sum().backward()
    before = w._version
    opt.step()
    assert w.data is data
    assert w._version == before + 1
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_value_update_replaces_the_float() -> None:
    v = mg.Value(2.0)
    (v * 3.0).backward()
    SGD([v], lr=0.5).step()
    assert type(v.data) is float and v.data == 0.5


def test_tensor_without_grad_is_skipped_but_a_value_grad_of_zero_is_a_grad() -> None:
    t = mg.tensor([1.0, 2.0], requires_grad=True)
    v = mg.Value(2.0)
    opt = SGD([t, v], lr=0.5, momentum=0.9, weight_decay=0.1)
    opt.step()
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])
    assert t not in opt.state
    assert v.data == 2.0 - 0.5 * 0.1 * 2.0  # weight decay acts on the zero gradient
    assert opt.state[v]["momentum_buffer"] == pytest.approx(0.2)


def test_zero_grad() -> None:
    t, v = mg.tensor([1.0, 2.0], requires_grad=True), mg.Value(1.0)
    opt = SGD([t, v], lr=0.1)
    ((t * t).sum()).backward()
    (v * v).backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(t.grad, [0.0, 0.0])
    assert v.grad == 0.0
    opt.zero_grad()
    assert t.grad is None and v.grad == 0.0


def test_float32_parameters_stay_float32() -> None:
    w = mg.tensor(W0.astype(np.float32), requires_grad=True)
    opt = Adam([w], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    assert w.dtype == np.float32
    assert opt.state[w]["exp_avg"].dtype == np.float32


def test_param_groups_have_their_own_hyperparameters() -> None:
    a, b = mg.tensor([1.0], requires_grad=True), mg.tensor([1.0], requires_grad=True)
    opt = SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1)
    (a + b).sum().backward()
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]


def test_closure_is_run_and_its_loss_returned() -> None:
    w = mg.tensor(W0, requires_grad=True)
    opt = SGD([w], lr=0.1)

    def closure() -> mg.Tensor:
        opt.zero_grad()
        loss = loss_of(w)
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(loss_of(mg.tensor(W0)).item())
    np.testing.assert_allclose(w.numpy(), hand_sgd(0.1)[0], rtol=1e-15)


@pytest.mark.parametrize(("cls", "kwargs"), [case[:2] for case in CASES])
def test_state_dict_resumes_training_exactly(cls, kwargs) -> None:
    w = mg.tensor(W0, requires_grad=True)
    opt = cls([w], **kwargs)

    def train(opt: Any, w: mg.Tensor, steps: int) -> None:
        for _ in range(steps):
            opt.zero_grad()
            loss_of(w).backward()
            opt.step()

    train(opt, w, 3)
    state, resume_at = opt.state_dict(), w.numpy().copy()
    train(opt, w, 3)  # changes to the optimizer after state_dict() leave the state alone
    w2 = mg.tensor(resume_at, requires_grad=True)
    opt2 = cls([w2], lr=123.0)
    opt2.load_state_dict(state)
    assert opt2.param_groups[0]["lr"] == kwargs["lr"]
    train(opt2, w2, 3)
    np.testing.assert_array_equal(w2.numpy(), w.numpy())


def test_state_dict_names_parameters_by_position() -> None:
    a, b = mg.tensor([1.0], requires_grad=True), mg.Value(1.0)
    opt = SGD([{"params": [a]}, {"params": [b], "momentum": 0.5}], lr=0.1, momentum=0.9)
    (a * 2).sum().backward()
    (b * 2).backward()
    opt.step()
    state = opt.state_dict()
    assert sorted(state["state"]) == [0, 1]
    assert [g["params"] for g in state["param_groups"]] == [[0], [1]]
    assert state["state"][1]["momentum_buffer"] == 2.0


def test_load_state_dict_rejects_a_different_layout() -> None:
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = Adam([w])
    (w * w).sum().backward()
    opt.step()
    state = opt.state_dict()
    with pytest.raises(ValueError, match="1 parameter groups, the optimizer 2"):
        Adam([{"params": [mg.tensor([1.0], requires_grad=True)]}, {"params": [w]}]).load_state_dict(
            state
        )
    with pytest.raises(ValueError, match="group 0 has 1 parameters in the state, 2"):
        Adam([w, mg.tensor([1.0], requires_grad=True)]).load_state_dict(state)
    with pytest.raises(ValueError, match=r"'exp_avg' has shape \(2,\), its parameter \(3,\)"):
        Adam([mg.tensor([1.0, 2.0, 3.0], requires_grad=True)]).load_state_dict(state)
    state["state"][5] = state["state"].pop(0)
    with pytest.raises(ValueError, match="the state names no parameter 5"):
        Adam([w]).load_state_dict(state)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD([], lr=0.1), "SGD: got an empty parameter list"),
        (lambda: SGD([mg.tensor([1.0])], lr=0.1), "parameter 0 .* must be a leaf that requires"),
        (lambda: SGD([mg.tensor([1.0], requires_grad=True) * 2], lr=0.1), "must be a leaf"),
        (lambda: SGD([np.zeros(2)], lr=0.1), "parameter 0 is a ndarray, not a Tensor or Value"),
        (lambda: SGD([mg.tensor([1.0], requires_grad=True)], lr=-1), "invalid learning rate -1"),
        (lambda: SGD([mg.Value(1.0)], lr=0.1, nesterov=True), "Nesterov momentum needs"),
        (lambda: SGD([mg.Value(1.0)], lr=0.1, momentum=-0.5), "invalid momentum -0.5"),
        (lambda: Adam([mg.Value(1.0)], betas=(0.9, 1.0)), "invalid beta parameter at index 1"),
        (lambda: AdamW([mg.Value(1.0)], eps=-1.0), "AdamW: invalid eps"),
    ],
)
def test_bad_arguments_are_named(make, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_a_parameter_in_two_groups_is_refused() -> None:
    w = mg.Value(1.0)
    with pytest.raises(ValueError, match="appears twice"):
        SGD([{"params": [w]}, {"params": [w]}], lr=0.1)


def lrs_over(schedule: Any, epochs: int) -> list[float]:
    out = []
    for _ in range(epochs):
        out.append(schedule.get_last_lr()[0])
        schedule.optimizer.step()
        schedule.step()
    return out


def test_step_lr() -> None:
    opt = SGD([mg.Value(1.0)], lr=0.2)
    lrs = lrs_over(StepLR(opt, step_size=3, gamma=0.5), 8)
    assert lrs == pytest.approx([0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05], rel=1e-15)


def test_lambda_lr_per_group_and_micrograds_decay() -> None:
    a, b = mg.Value(1.0), mg.Value(1.0)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 2.0}], lr=1.0)
    schedule = LambdaLR(opt, [lambda k: 1.0 - 0.9 * k / 100, lambda k: 0.5**k])
    for _ in range(10):
        schedule.step()
    assert schedule.get_last_lr() == pytest.approx([0.91, 2.0 * 0.5**10], rel=1e-15)
    with pytest.raises(ValueError, match="got 1 functions for 2 parameter groups"):
        LambdaLR(opt, [lambda k: 1.0])


def test_schedule_state_dict_round_trip() -> None:
    opt = SGD([mg.Value(1.0)], lr=1.0)
    schedule = StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(5):
        schedule.step()
    state = schedule.state_dict()
    opt2 = SGD([mg.Value(1.0)], lr=1.0)
    schedule2 = StepLR(opt2, step_size=2, gamma=0.1)
    schedule2.load_state_dict(state)
    schedule.step()
    schedule2.step()
    assert schedule2.get_last_lr() == schedule.get_last_lr()
    assert math.isclose(schedule.get_last_lr()[0], 1e-3, rel_tol=1e-12)
