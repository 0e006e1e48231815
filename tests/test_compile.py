"""`microgradnet.compile`: a replayed step computes the eager step's bits, retraces when a guard
changes, honours learning rates changed between calls, and refuses what it cannot replay."""

from __future__ import annotations

import gc
import itertools
import tracemalloc

import numpy as np
import pytest
from compile_support import (
    compiled_predictions,
    mnist_mlp,
    moons_labels,
    moons_mlp,
    one_hot,
    one_hot_cross_entropy,
    random_batches,
    same_bits,
    seed_step,
    small_cnn,
    train_step,
    twins,
)

import microgradnet as mg
from microgradnet import nn
from microgradnet.compiler import CompileError, CompileWarning
from microgradnet.nn import functional


def assert_replays_eagerly_bit_for_bit(make, batches, steps=12):
    """``make()`` -> (model, optimizer, loss); ``batches`` yields (x, y) pairs."""
    (m1, o1, l1), (m2, o2, l2) = twins(make)
    eager, compiled = train_step(m1, o1, l1), mg.compile(train_step(m2, o2, l2))
    for _, (x, y) in zip(range(steps), batches):
        want, got = eager(x, y), compiled(x, y)
        assert same_bits(got.data, want.data)
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert same_bits(q.data, p.data)
            assert same_bits(q.grad, p.grad)
    assert compiled.stats == {"traced": 1, "checked": 1, "replayed": steps - 2, "eager": 0}


def fixed(x, y):
    return itertools.repeat((mg.tensor(x), mg.tensor(y)))


# -- the benchmark workloads ------------------------------------------------------------------


def test_seed_network_replays_bit_for_bit():
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)

    def make():
        model = nn.Sequential(
            nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 1, bias=False), nn.Sigmoid()
        )
        return (
            model,
            mg.optim.SGD(model.parameters(), lr=1.0),
            (lambda out, t: ((t - out) ** 2).sum()),
        )

    assert_replays_eagerly_bit_for_bit(make, fixed(x, y), steps=30)


def test_moons_mlp_with_l2_and_momentum_replays_bit_for_bit():
    rng = np.random.default_rng(1)

    def make():
        model, params, loss = moons_mlp()
        return model, mg.optim.SGD(params, lr=0.1, momentum=0.9), loss

    assert_replays_eagerly_bit_for_bit(make, random_batches(rng, (100, 2), moons_labels))


def test_mnist_sized_mlp_in_float32_replays_bit_for_bit():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 10, 128)

    def make():
        model = mnist_mlp()
        return model, mg.optim.SGD(model.parameters(), lr=0.01), one_hot_cross_entropy

    batches = random_batches(
        rng, (128, 784), lambda x: one_hot(labels, dtype=np.float32), np.float32
    )
    assert_replays_eagerly_bit_for_bit(make, batches, steps=6)


def test_small_cnn_with_adam_replays_bit_for_bit():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 10, 8)

    def make():
        model = small_cnn()
        return model, mg.optim.Adam(model.parameters(), lr=1e-2), one_hot_cross_entropy

    assert_replays_eagerly_bit_for_bit(
        make, random_batches(rng, (8, 1, 16, 16), lambda x: one_hot(labels))
    )


def test_attention_block_replays_bit_for_bit():
    rng = np.random.default_rng(4)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(11, 16)
            self.norm1, self.norm2 = nn.LayerNorm(16), nn.LayerNorm(16)
            self.attn = nn.MultiheadAttention(16, 2, batch_first=True)
            self.mlp = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 16))
            self.head = nn.Linear(16, 11)

        def forward(self, tokens):
            h = self.embed(tokens)
            a = self.norm1(h)
            h = h + self.attn(a, a, a, need_weights=False)[0]
            h = h + self.mlp(self.norm2(h))
            return self.head(h).reshape(-1, 11)

    def make():
        model = Block()
        return model, mg.optim.AdamW(model.parameters(), lr=1e-2), one_hot_cross_entropy

    tokens = rng.integers(0, 11, 12)
    inputs = (tokens[:, None] == np.arange(11)).astype(float).reshape(2, 6, 11)
    assert_replays_eagerly_bit_for_bit(make, fixed(inputs, one_hot(tokens, 11).data))


# -- guards and what is read again --------------------------------------------------------------


def test_a_new_shape_is_traced_again_and_the_old_one_still_replays():
    _model, _opt, step = seed_step()
    _, _, eager = seed_step()
    compiled = mg.compile(step)
    rng = np.random.default_rng(6)
    for n in [4, 4, 4, 8, 8, 8, 4, 8]:
        x, y = mg.tensor(rng.normal(size=(n, 3))), mg.tensor(rng.normal(size=(n, 1)))
        assert same_bits(compiled(x, y).data, eager(x, y).data)
    assert compiled.stats == {"traced": 2, "checked": 2, "replayed": 4, "eager": 0}


def test_a_learning_rate_schedule_between_calls_is_honoured():
    (m1, o1, s1), (m2, o2, s2) = twins(lambda: seed_step())
    sched1 = mg.optim.lr_scheduler.StepLR(o1, step_size=2, gamma=0.5)
    sched2 = mg.optim.lr_scheduler.StepLR(o2, step_size=2, gamma=0.5)
    compiled = mg.compile(s2)
    x, y = mg.tensor(np.ones((2, 3))), mg.tensor(np.zeros((2, 1)))
    for _ in range(8):
        assert same_bits(compiled(x, y).data, s1(x, y).data)
        sched1.step()
        sched2.step()
    o2.param_groups[0]["lr"] = o1.param_groups[0]["lr"] = 3.0
    assert same_bits(compiled(x, y).data, s1(x, y).data)
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert same_bits(q.data, p.data)
    assert compiled.stats["replayed"] == 7


loss_weight = 1.0


def test_a_loss_weight_changed_between_calls_is_honoured():
    global loss_weight
    w = mg.tensor([0.5, -1.0], requires_grad=True)

    @mg.compile
    def weighted(x):
        w.grad = None
        loss = loss_weight * (w * x).sum()
        loss.backward()
        return loss

    x = mg.tensor([1.0, 2.0])
    for weight in [1.0, 1.0, 1.0, 3.0, 3.0, 3.0]:
        loss_weight = weight
        assert weighted(x).data == weight * -1.5
        assert same_bits(w.grad, weight * np.array([1.0, 2.0]))
    assert weighted.stats["traced"] == 2


def test_train_and_eval_are_guarded():
    class Doubling(nn.Module):
        def forward(self, x):
            return x * 2.0 if self.training else x

    def make():
        model = nn.Sequential(nn.Linear(4, 4), Doubling(), nn.Linear(4, 1))
        return model, mg.optim.SGD(model.parameters(), lr=0.1), functional.mse_loss

    (m1, o1, l1), (m2, o2, l2) = twins(make)
    eager, compiled = train_step(m1, o1, l1), mg.compile(train_step(m2, o2, l2))
    rng = np.random.default_rng(12)
    for mode in [True] * 4 + [False] * 4 + [True] * 2:
        m1.train(mode)
        m2.train(mode)
        x, y = mg.tensor(rng.normal(size=(5, 4))), mg.tensor(rng.normal(size=(5, 1)))
        assert same_bits(compiled(x, y).data, eager(x, y).data)
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert same_bits(q.data, p.data)
    assert compiled.stats == {"traced": 2, "checked": 2, "replayed": 6, "eager": 0}


def test_random_draws_in_python_are_checked_and_run_eagerly():
    def make():
        model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 1))
        return model, mg.optim.SGD(model.parameters(), lr=0.1), functional.mse_loss

    (m1, o1, l1), (m2, o2, l2) = twins(make)
    eager, compiled = train_step(m1, o1, l1), mg.compile(train_step(m2, o2, l2))
    x, y = mg.tensor(np.ones((5, 4))), mg.tensor(np.zeros((5, 1)))
    mg.manual_seed(8)
    want = [eager(x, y).data for _ in range(6)]
    mg.manual_seed(8)
    got = [compiled(x, y).data]
    with pytest.warns(CompileWarning, match="did not reproduce"):
        got.append(compiled(x, y).data)
    got += [compiled(x, y).data for _ in range(4)]
    assert all(same_bits(g, w) for g, w in zip(got, want))
    assert len({w.tobytes() for w in want}) > 1


# -- inference and Values -----------------------------------------------------------------------


def test_a_compiled_forward_under_no_grad():
    model, _, _ = seed_step()
    predict = mg.compile(model)
    rng = np.random.default_rng(9)
    with mg.no_grad():
        for _ in range(5):
            x = mg.tensor(rng.normal(size=(6, 3)))
            got = predict(x)
            assert same_bits(got.data, model(x).data)
            assert not got.requires_grad
    assert predict.stats == {"traced": 1, "checked": 1, "replayed": 3, "eager": 0}


def test_returned_tensors_hold_their_own_call_s_data():
    model, _, xs, outs = compiled_predictions(5)
    with mg.no_grad():
        for x, out in zip(xs, outs):
            assert same_bits(out.data, model(x).data)


def test_a_value_graph_in_micrograd_style_replays_bit_for_bit():
    import random

    def make():
        random.seed(10)
        model = nn.MLP(2, [4, 4, 1])
        return model, mg.optim.SGD(model.parameters(), lr=0.05), None

    (m1, o1, _), (m2, o2, _) = twins(make)
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0]]
    ys = [1.0, -1.0, 1.0]

    def step_of(model, opt):
        def step():
            opt.zero_grad()
            scores = [model(x) for x in xs]
            loss = sum(((1 + -y * s).relu() for y, s in zip(ys, scores)), mg.Value(0.0))
            loss.backward()
            opt.step()
            return loss

        return step

    eager, compiled = step_of(m1, o1), mg.compile(step_of(m2, o2))
    for _ in range(10):
        assert same_bits(compiled().data, eager().data)
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert same_bits(q.data, p.data) and same_bits(q.grad, p.grad)
    assert compiled.stats["replayed"] == 8


# -- what cannot be replayed --------------------------------------------------------------------


def branchy_steps():
    model, opt, _ = seed_step()

    def item(loss):
        return loss * 2 if loss.item() > 0 else loss

    def as_float(loss):
        return loss * 2 if float(loss) > 0 else loss

    def as_bool(loss):
        return loss * 2 if (loss > 0) else loss

    def numpy(loss):
        return loss * float(loss.numpy() > 0)

    def data(loss):
        return loss * float(loss.data > 0)

    return model, opt, [item, as_float, as_bool, numpy, data]


@pytest.mark.parametrize("which", range(5))
def test_data_dependent_python_is_detected_and_runs_eagerly(which):
    model, _opt, branches = branchy_steps()
    _, _, _eager_branches = branchy_steps()
    branch = branches[which]

    def step(x):
        loss = (model(x) ** 2).mean()
        return branch(loss)

    compiled = mg.compile(step)
    x = mg.tensor(np.ones((2, 3)))
    with pytest.warns(CompileWarning, match=r"test_compile\.py:\d+"):
        first = compiled(x)
    assert same_bits(first.data, step(x).data)
    for _ in range(3):
        compiled(x)
    assert compiled.stats == {"traced": 1, "checked": 0, "replayed": 0, "eager": 3}


def test_fullgraph_raises_at_the_line():
    model, _, _ = seed_step()

    @mg.compile(fullgraph=True)
    def step(x):
        loss = (model(x) ** 2).mean()
        if loss.item() > 0:
            loss = loss * 2
        return loss

    with pytest.raises(CompileError, match=r"item\(\).*test_compile\.py:\d+"):
        step(mg.tensor(np.ones((2, 3))))


def test_a_value_compared_in_python_is_detected():
    w = mg.Value(0.5)

    @mg.compile
    def step(x):
        y = w * x
        return y.relu() if y > 0 else -y

    with pytest.warns(CompileWarning, match="Value.__gt__"):
        step(mg.Value(2.0))


def test_manual_updates_through_grad_are_detected():
    w = mg.tensor([1.0, 2.0], requires_grad=True)

    @mg.compile
    def step(x):
        loss = (w * x).sum()
        loss.backward()
        with mg.no_grad():
            w.sub_(0.1 * w.grad)
        w.grad = None
        return loss

    with pytest.warns(CompileWarning, match=r"\.grad"):
        step(mg.tensor([1.0, 1.0]))
    step(mg.tensor([1.0, 1.0]))
    assert same_bits(w.data, np.array([1.0, 2.0]) - 0.1 - 0.1)


def test_state_changed_outside_the_record_is_caught_by_the_check():
    _model, opt, step = seed_step()

    @mg.compile
    def decaying(x, y):
        loss = step(x, y)
        opt.param_groups[0]["lr"] *= 0.5  # Python state: not in the record
        return loss

    x, y = mg.tensor(np.ones((2, 3))), mg.tensor(np.zeros((2, 1)))
    decaying(x, y)
    with pytest.warns(CompileWarning, match="did not reproduce"):
        decaying(x, y)
    decaying(x, y)
    assert opt.param_groups[0]["lr"] == 0.1 * 0.5**3
    assert decaying.stats == {"traced": 1, "checked": 1, "replayed": 0, "eager": 1}


def test_a_guarded_number_the_function_changes_retraces_until_the_cache_is_full():
    _model, opt, step = seed_step()
    sched = mg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)

    @mg.compile(cache_size=3)
    def scheduled(x, y):
        loss = step(x, y)
        sched.step()  # changes sched.last_epoch, a number the guards watch
        return loss

    x, y = mg.tensor(np.ones((2, 3))), mg.tensor(np.zeros((2, 1)))
    for _ in range(3):
        scheduled(x, y)
    with pytest.warns(CompileWarning, match="cache_size"):
        scheduled(x, y)
    scheduled(x, y)
    assert opt.param_groups[0]["lr"] == 0.1 * 0.5**5
    assert scheduled.stats == {"traced": 3, "checked": 0, "replayed": 0, "eager": 2}


@pytest.mark.parametrize(
    ("layer", "culprit"),
    [(lambda: nn.MaxPool2d(2), "pool"), (lambda: nn.BatchNorm2d(2), "batch_norm")],
)
def test_layers_that_compute_on_data_with_numpy_are_detected(layer, culprit):
    def make():
        model = nn.Sequential(
            nn.Conv2d(1, 2, 3, padding=1),
            layer(),
            nn.Flatten(),
            nn.Linear(2 * 4 * 4 if culprit == "pool" else 2 * 8 * 8, 3),
        )
        return model, mg.optim.SGD(model.parameters(), lr=0.1), functional.cross_entropy

    (m1, o1, l1), (m2, o2, l2) = twins(make)
    eager, compiled = train_step(m1, o1, l1), mg.compile(train_step(m2, o2, l2))
    x, labels = mg.tensor(np.ones((2, 1, 8, 8))), mg.tensor([0, 2])
    for i in range(4):
        if i == 0:
            with pytest.warns(CompileWarning, match=culprit):
                got = compiled(x, labels)
        else:
            got = compiled(x, labels)
        assert same_bits(got.data, eager(x, labels).data)
    assert compiled.stats["replayed"] == 0


def test_numpy_arguments_are_refused():
    f = mg.compile(lambda a: mg.tensor(a) * 2)
    with pytest.warns(CompileWarning, match="numpy array"):
        assert same_bits(f(np.ones(2)).data, np.full(2, 2.0))


# -- memory -------------------------------------------------------------------------------------


def test_memory_stays_flat_over_many_replays():
    _model, _opt, step = seed_step()
    compiled = mg.compile(step)
    x, y = mg.tensor(np.ones((4, 3))), mg.tensor(np.zeros((4, 1)))
    collecting = gc.isenabled()
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        for _ in range(1500):
            compiled(x, y)
        peaks = []
        for n in (100, 1500):
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            for _ in range(n):
                compiled(x, y)
            peaks.append(tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()
        if collecting:
            gc.enable()
    assert compiled.stats["replayed"] == 1500 + 100 + 1500 - 2
    assert peaks[1] - peaks[0] <= 1024, peaks
