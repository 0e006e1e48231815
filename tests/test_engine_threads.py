"""Grad mode and anomaly mode are per thread; backward changes no switch, even when interrupted."""

from __future__ import annotations

import contextlib
import gc
import random
import signal
import threading
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet.autograd import detect_anomaly
from microgradnet.engine import this_thread


def seed_network_grads(seed: int, steps: int) -> list[np.ndarray]:
    """The seed article's 3-4-1 network trained ``steps`` steps; every gradient it computed."""
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.random((4, 3)))
    y = mg.tensor(rng.random((4, 1)))
    w1 = mg.tensor(rng.random((3, 4)), requires_grad=True)
    w2 = mg.tensor(rng.random((4, 1)), requires_grad=True)
    seen = []
    for _ in range(steps):
        loss = ((y - ((x @ w1).sigmoid() @ w2).sigmoid()) ** 2).sum()
        loss.backward()
        seen += [w1.grad.numpy().copy(), w2.grad.numpy().copy()]
        with mg.no_grad():
            w1 -= w1.grad
            w2 -= w2.grad
        w1.grad = w2.grad = None
    return seen


def test_grad_mode_is_per_thread() -> None:
    inside = threading.Event()
    leave = threading.Event()
    seen: list[bool] = []

    def other() -> None:
        with mg.no_grad():
            seen.append(mg.is_grad_enabled())
            inside.set()
            leave.wait(5)

    t = threading.Thread(target=other)
    t.start()
    assert inside.wait(5)
    w = mg.tensor([1.0], requires_grad=True)
    assert mg.is_grad_enabled() and (w * 2).requires_grad  # the other thread's no_grad is its own
    leave.set()
    t.join()
    assert seen == [False]


def test_anomaly_mode_is_per_thread() -> None:
    flags: list[bool] = []
    with detect_anomaly():
        t = threading.Thread(target=lambda: flags.append(this_thread.switches.anomaly))
        t.start()
        t.join()
        assert this_thread.switches.anomaly
    assert flags == [False] and not this_thread.switches.anomaly


def test_a_thread_toggling_no_grad_does_not_touch_training_in_another() -> None:
    stop = threading.Event()

    def toggle() -> None:
        while not stop.is_set():
            with mg.no_grad():
                pass
            mg.set_grad_enabled(False)
            mg.set_grad_enabled(True)

    t = threading.Thread(target=toggle)
    t.start()
    try:
        trained = seed_network_grads(3, 300)
    finally:
        stop.set()
        t.join()
    assert mg.is_grad_enabled()
    expected = seed_network_grads(3, 300)
    assert all(np.array_equal(a, b) for a, b in zip(trained, expected, strict=True))


def test_concurrent_backward_passes_equal_single_threaded_ones_bit_for_bit() -> None:
    expected = {seed: seed_network_grads(seed, 150) for seed in range(4)}
    results: dict[int, list[np.ndarray]] = {}
    errors: list[BaseException] = []

    def run(seed: int) -> None:
        try:
            results[seed] = seed_network_grads(seed, 150)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=run, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for seed in range(4):
        pairs = zip(results[seed], expected[seed], strict=True)
        assert all(np.array_equal(a, b) for a, b in pairs), f"thread {seed} differs"


class Cube(mg.Function):
    """A custom function: its backward runs inside the engine's thread-local no_grad."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return g * 3 * x**2


def _graph(kind: int) -> Any:
    """The output of one of four kinds of graph: tensor ops, a recorded first derivative (its
    backward is second order), a custom Function, and a chain of Values."""
    if kind == 0:
        h = mg.tensor(np.linspace(-1, 1, 64), requires_grad=True)
        for _ in range(30):
            h = (h * 0.9).tanh() + h.sigmoid()
        return h.sum()
    if kind == 1:
        z = mg.tensor(np.linspace(-1, 1, 16), requires_grad=True)
        (g,) = mg.autograd.grad((z.tanh() ** 3).sum(), z, create_graph=True)
        return g.sum()
    if kind == 2:
        c = mg.tensor(np.linspace(-1, 1, 32), requires_grad=True)
        for _ in range(20):
            c = Cube.apply(c * 0.5)
        return c.sum()
    v = mg.Value(0.3)
    for _ in range(200):
        v = (v * 1.01).tanh() + 0.1
    return v


def test_interrupted_backward_leaves_every_switch_as_it_found_it() -> None:
    """Interrupt backward passes at random moments thousands of times (a timer signal raising
    KeyboardInterrupt): grad mode, anomaly mode and the cycle collector are as they were."""
    if not hasattr(signal, "setitimer"):
        pytest.skip("needs signal.setitimer")
    armed = [False]

    def interrupt(signum: int, frame: Any) -> None:
        if armed[0]:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    rng = random.Random(0)
    interrupted = 0
    try:
        for i in range(2000):
            mg.set_grad_enabled(True)
            out = _graph(i % 4)
            grad_mode, anomaly, collecting = rng.random() < 0.8, rng.random() < 0.2, gc.isenabled()
            mg.set_grad_enabled(grad_mode)
            context = detect_anomaly() if anomaly else contextlib.nullcontext()
            with context:
                try:
                    armed[0] = True
                    signal.setitimer(signal.ITIMER_REAL, rng.uniform(1e-5, 3e-4))
                    out.backward()
                except KeyboardInterrupt:
                    interrupted += 1
                finally:
                    armed[0] = False
                    signal.setitimer(signal.ITIMER_REAL, 0)
                assert this_thread.switches.anomaly is anomaly, f"anomaly mode changed at pass {i}"
            assert mg.is_grad_enabled() is grad_mode, f"grad mode changed at pass {i}"
            assert gc.isenabled() is collecting, f"cycle collector changed at pass {i}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        mg.set_grad_enabled(True)
    assert interrupted >= 1000, f"only {interrupted} passes were interrupted"
