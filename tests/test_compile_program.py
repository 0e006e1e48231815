"""`microgradnet.compile`'s programs: a checked tape lowered into one function of numpy calls.

A program computes the eager step's bits call after call, reads again what may change (learning
rates, captured arrays, inputs), returns tensors that keep their own call's data, and hands back
to the tape's replay whatever it cannot write as numpy calls.
"""

from __future__ import annotations

import itertools
import threading

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
from hypothesis import given
from hypothesis import strategies as st

import microgradnet as mg
from microgradnet import nn
from microgradnet.ops.base import Op


def is_program(compiled, tape_steps=0):
    """Every signature runs as a program calling ``tape_steps`` steps of its tape."""
    lines = compiled.explain().splitlines()
    suffix = f" and {tape_steps} step" if tape_steps else ""
    return bool(lines) and all(
        ": a program of " in line and (suffix in line if tape_steps else " step" not in line)
        for line in lines
    )


def run_twins(make, batches, steps, tape_steps=0):
    """Eager and compiled steps side by side: every loss, parameter, gradient and optimizer
    state bit for bit the same at every step; the compiled step a program after its check."""
    (m1, o1, l1), (m2, o2, l2) = twins(make)
    eager, compiled = train_step(m1, o1, l1), mg.compile(train_step(m2, o2, l2))
    for _, (x, y) in zip(range(steps), batches):
        assert same_bits(compiled(x, y), eager(x, y))
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert same_bits(q.data, p.data)
            assert same_bits(q.grad, p.grad)
        for s1, s2 in zip(o1.state.values(), o2.state.values()):
            assert s1.keys() == s2.keys()
            assert all(same_bits(s2[k], s1[k]) for k in s1)
    assert compiled.stats == {"traced": 1, "checked": 1, "replayed": steps - 2, "eager": 0}
    assert is_program(compiled, tape_steps), compiled.explain()
    return compiled


# -- the benchmark workloads and two larger networks, many steps -----------------------------------


def test_seed_network_program_is_bit_for_bit_over_many_steps():
    x = mg.tensor(np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float))
    y = mg.tensor(np.array([[0], [1], [1], [0]], dtype=float))

    def make():
        model = nn.Sequential(
            nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 1, bias=False), nn.Sigmoid()
        )
        return model, mg.optim.SGD(model.parameters(), lr=1.0), lambda o, t: ((t - o) ** 2).sum()

    run_twins(make, iter(lambda: (x, y), None), steps=200)


def test_moons_mlp_with_l2_weight_decay_and_nesterov_momentum_program():
    rng = np.random.default_rng(1)

    def make():
        model, params, loss = moons_mlp()
        opt = mg.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)
        return model, opt, loss

    run_twins(make, random_batches(rng, (100, 2), moons_labels), steps=60)


def test_mnist_sized_mlp_in_float32_program():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 10, 128)
    y = one_hot(labels, dtype=np.float32)

    def make():
        model = mnist_mlp()
        return model, mg.optim.SGD(model.parameters(), lr=0.01), one_hot_cross_entropy

    run_twins(make, random_batches(rng, (128, 784), lambda x: y, np.float32), steps=8)


def test_small_cnn_program_with_adam():
    rng = np.random.default_rng(3)
    y = one_hot(rng.integers(0, 10, 8))

    def make():
        model = small_cnn(nn.Tanh)
        return model, mg.optim.Adam(model.parameters(), lr=1e-2), one_hot_cross_entropy

    run_twins(make, random_batches(rng, (8, 1, 16, 16), lambda x: y), steps=25)


def test_small_cnn_program_with_sgd_momentum():
    rng = np.random.default_rng(4)
    y = one_hot(rng.integers(0, 10, 8))

    def make():
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.ReLU(),
            nn.AvgPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(8 * 8 * 8, 10),
        )
        return model, mg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9), one_hot_cross_entropy

    run_twins(make, random_batches(rng, (8, 1, 16, 16), lambda x: y), steps=25)


class GPTBlock(nn.Module):
    """Pre-norm causal self-attention and a GELU MLP, with residuals, on one-hot tokens."""

    def __init__(self, vocab=11, width=16, heads=2, length=6):
        super().__init__()
        self.embed = nn.Linear(vocab, width)
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width)
        )
        self.head = nn.Linear(width, vocab)
        self.causal = np.triu(np.ones((length, length), dtype=bool), k=1)
        self.vocab = vocab

    def forward(self, tokens):
        h = self.embed(tokens)
        a = self.norm1(h)
        h = h + self.attn(a, a, a, attn_mask=self.causal, need_weights=False)[0]
        h = h + self.mlp(self.norm2(h))
        return self.head(h).reshape(-1, self.vocab)


def gpt_batches(rng):
    """Endless batches of 2 sequences of 6 random tokens (of 11), each with the next token."""
    while True:
        t = rng.integers(0, 11, 12)
        hot = (t[:, None] == np.arange(11)).astype(float)
        yield mg.tensor(hot.reshape(2, 6, 11)), mg.tensor(np.roll(hot, -1, axis=0))


def test_gpt_block_program():
    rng = np.random.default_rng(5)

    def make():
        model = GPTBlock()
        return model, mg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9), one_hot_cross_entropy

    run_twins(make, gpt_batches(rng), steps=20)


def test_gpt_block_program_with_adamw_and_a_schedule():
    rng = np.random.default_rng(11)

    def make():
        model = GPTBlock()
        opt = mg.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
        return model, opt, one_hot_cross_entropy

    (m1, o1, l1), (m2, o2, l2) = twins(make)
    s1, s2 = (mg.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10) for o in (o1, o2))
    eager, compiled = train_step(m1, o1, l1), mg.compile(train_step(m2, o2, l2))
    for _, (x, y) in zip(range(15), gpt_batches(rng)):
        assert same_bits(compiled(x, y), eager(x, y))
        s1.step()
        s2.step()
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert same_bits(q.data, p.data)
        for st1, st2 in zip(o1.state.values(), o2.state.values()):
            assert st1.keys() == st2.keys()
            assert all(type(st2[k]) is type(st1[k]) for k in st1)
            assert all(same_bits(np.asarray(st2[k]), np.asarray(st1[k])) for k in st1)
    assert compiled.stats == {"traced": 1, "checked": 1, "replayed": 13, "eager": 0}
    assert is_program(compiled), compiled.explain()


# -- what is read again at every call --------------------------------------------------------------


def test_learning_rates_changed_between_calls_are_read_by_the_program():
    (m1, o1, s1), (m2, o2, s2) = twins(seed_step)
    compiled = mg.compile(s2)
    x, y = mg.tensor(np.ones((2, 3))), mg.tensor(np.zeros((2, 1)))
    for lr in [0.1, 0.1, 0.1, 0.05, 0.3, 1e-3, 2, 0.7]:  # an int too: numpy converts it alike
        o1.param_groups[0]["lr"] = o2.param_groups[0]["lr"] = lr
        assert same_bits(compiled(x, y), s1(x, y))
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert same_bits(q.data, p.data)
    assert compiled.stats == {"traced": 1, "checked": 1, "replayed": 6, "eager": 0}
    assert is_program(compiled)


def test_a_hyperparameter_a_branch_depends_on_hands_over_to_the_tape():
    (m1, o1, s1), (m2, o2, s2) = twins(seed_step)
    compiled = mg.compile(s2)
    x, y = mg.tensor(np.ones((2, 3))), mg.tensor(np.zeros((2, 1)))
    for i in range(8):
        if i == 4:  # momentum on: the program's update has no momentum buffer
            o1.param_groups[0]["momentum"] = o2.param_groups[0]["momentum"] = 0.9
        assert same_bits(compiled(x, y), s1(x, y))
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert same_bits(q.data, p.data)
        for st1, st2 in zip(o1.state.values(), o2.state.values()):
            assert all(same_bits(st2[k], st1[k]) for k in st1)
    assert compiled.stats["eager"] == 0 and compiled.stats["traced"] == 1


def test_parameters_added_to_the_optimizer_hand_over_to_the_tape():
    (m1, o1, s1), (m2, o2, s2) = twins(seed_step)
    compiled = mg.compile(s2)
    x, y = mg.tensor(np.ones((2, 3))), mg.tensor(np.zeros((2, 1)))
    extra1, extra2 = mg.tensor([1.0], requires_grad=True), mg.tensor([1.0], requires_grad=True)
    for i in range(6):
        if i == 3:
            o1.add_param_group({"params": [extra1], "lr": 0.5})
            o2.add_param_group({"params": [extra2], "lr": 0.5})
        assert same_bits(compiled(x, y), s1(x, y))
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert same_bits(q.data, p.data)


def test_a_captured_numpy_array_changed_between_calls_is_read_again():
    weights = np.ones((4, 1))
    w1, w2 = (mg.tensor(np.full((3, 1), 0.5), requires_grad=True) for _ in range(2))

    def make_step(w):
        def step(x):
            loss = ((x @ w) * weights).sum()
            loss.backward()
            return loss

        return step

    eager, compiled = make_step(w1), mg.compile(make_step(w2))
    x = mg.tensor(np.arange(12.0).reshape(4, 3))
    for i in range(6):
        weights[i % 4] = i + 2.5  # the function reads the array, not a copy of it
        w1.grad = w2.grad = None
        assert same_bits(compiled(x), eager(x))
        assert same_bits(w2.grad, w1.grad)
    assert is_program(compiled)


def test_a_new_batch_size_is_traced_again_and_both_run_as_programs():
    _, _, step = seed_step()
    _, _, eager = seed_step()
    compiled = mg.compile(step)
    rng = np.random.default_rng(6)
    for n in [4, 4, 4, 8, 8, 8, 4, 8, 4]:
        x, y = mg.tensor(rng.normal(size=(n, 3))), mg.tensor(rng.normal(size=(n, 1)))
        assert same_bits(compiled(x, y), eager(x, y))
    assert compiled.stats == {"traced": 2, "checked": 2, "replayed": 5, "eager": 0}
    assert is_program(compiled) and len(compiled.explain().splitlines()) == 2


# -- what a program hands out keeps its own call's data --------------------------------------------


def test_returned_tensors_gradients_and_momentum_buffers_keep_their_own_call_s_data():
    (m1, o1, _), (m2, o2, _) = twins(
        lambda: (lambda m: (m, mg.optim.SGD(m.parameters(), lr=0.1, momentum=0.5), None))(
            nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
        )
    )

    def step_of_model(model, opt):
        def step(x):
            opt.zero_grad()
            out = model(x)
            loss = (out * out).mean()
            loss.backward()
            opt.step()
            return {"loss": loss, "out": out, "halves": (out * 0.5, loss / 2)}

        return step

    eager, compiled = step_of_model(m1, o1), mg.compile(step_of_model(m2, o2))
    rng = np.random.default_rng(7)
    kept_eager, kept_compiled = [], []
    for _ in range(10):
        x = mg.tensor(rng.normal(size=(4, 3)))
        for model, opt, step, kept in (
            (m1, o1, eager, kept_eager),
            (m2, o2, compiled, kept_compiled),
        ):
            result = step(x)
            grads = [p.grad for p in model.parameters()]
            buffers = [s["momentum_buffer"] for s in opt.state.values()]
            kept.append((result, grads, buffers))
    assert is_program(compiled)
    for (r1, g1, b1), (r2, g2, b2) in zip(kept_eager, kept_compiled):
        assert same_bits(r2["loss"], r1["loss"]) and same_bits(r2["out"], r1["out"])
        assert all(same_bits(b, a) for a, b in zip(r1["halves"], r2["halves"]))
        assert all(same_bits(b, a) for a, b in zip(g1, g2))
        assert all(same_bits(b, a) for a, b in zip(b1, b2))
    out = kept_compiled[-1][0]["out"]
    out.data[...] = 0.0  # a returned array is the caller's: the next call does not see it
    x = mg.tensor(np.ones((4, 3)))
    assert same_bits(compiled(x)["loss"], eager(x)["loss"])


def test_an_inference_function_returns_new_arrays_at_every_call():
    model, predict, xs, outs = compiled_predictions(6)
    with mg.no_grad():
        assert is_program(predict)
        assert len({id(o.data) for o in outs}) == len(outs)
        for x, out in zip(xs, outs):
            assert same_bits(out, model(x))


# -- what a program cannot write as numpy calls ----------------------------------------------------


class SignSwitch(Op):
    """A forward that branches on its input's values in Python: a record cannot repeat it."""

    name = "sign_switch"

    def forward(self, x):
        return x * 2.0 if x.sum() > 0 else x * -3.0

    def backward(self, g):
        return (g * 2.0,)


_copy_unseen = np.array  # bound here: a record sees numpy's module attribute, not this name


class Frozen(Op):
    """A forward that copies its input through a name a record cannot watch: the copy is made
    where a record cannot see it, and the lowering on random data tells."""

    name = "frozen"

    def forward(self, x):
        return x + _copy_unseen(x)

    def backward(self, g):
        return (g * 2.0,)


@pytest.mark.parametrize(("op", "why"), [(SignSwitch, "Python data"), (Frozen, "values")])
def test_ops_a_program_cannot_repeat_leave_the_tape_s_replay(op, why):
    w = mg.tensor([0.5, -1.0, 2.0], requires_grad=True)

    def step(x):
        w.grad = None
        loss = op()(w * x).sum()
        loss.backward()
        return loss

    compiled = mg.compile(step)
    for sign in [1.0, 1.0, 1.0, -1.0, 1.0, -1.0]:
        x = mg.tensor([sign, 2.0 * sign, 0.5])
        got, got_grad = compiled(x), w.grad
        want = step(x)
        assert same_bits(got, want) and same_bits(got_grad, w.grad)
    assert "a replay of its tape" in compiled.explain() and why in compiled.explain()


def test_a_value_graph_still_replays_its_tape():
    w = mg.Value(0.5)

    @mg.compile
    def step(x):
        return (w * x + 1.0).tanh()

    for v in [0.1, 0.2, 0.3, 0.4]:
        assert step(mg.Value(v)).data == (w * mg.Value(v) + 1.0).tanh().data
    assert "a replay of its tape" in step.explain()


def test_calls_from_several_threads_get_their_own_results():
    model, _, _ = seed_step()
    predict = mg.compile(model)
    xs = [mg.tensor(np.full((64, 3), i / 7)) for i in range(16)]
    with mg.no_grad():
        predict(xs[0])
        predict(xs[0])
        want = [model(x).data for x in xs]
    got: dict[int, np.ndarray] = {}

    def work(k):
        with mg.no_grad():
            for _ in range(50):
                for i in range(k, len(xs), 4):
                    got[i] = predict(xs[i]).data

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(same_bits(got[i], want[i]) for i in range(len(xs)))


def test_an_argument_laid_out_otherwise_is_traced_again():
    w = mg.tensor(np.linspace(-1.0, 1.0, 12).reshape(3, 4), requires_grad=True)

    def step(x):
        w.grad = None
        loss = ((x * w).exp() * x).sum()  # a sum over every axis, in the order of memory
        loss.backward()
        return loss

    compiled = mg.compile(step)
    rng = np.random.default_rng(8)
    for order in "CCCFFFCF":
        x = mg.tensor(np.asarray(rng.normal(size=(3, 4)), order=order))
        got, got_grad = compiled(x), w.grad
        assert same_bits(got, step(x)) and same_bits(got_grad, w.grad)
    assert compiled.stats["traced"] == 2 and is_program(compiled)


def test_a_learning_rate_held_as_a_numpy_number_is_read_again():
    (m1, o1, s1), (m2, o2, s2) = twins(seed_step)
    compiled = mg.compile(s2)
    x, y = mg.tensor(np.ones((2, 3))), mg.tensor(np.zeros((2, 1)))
    for lr in [0.1, 0.1, 0.1, 0.02, 0.3, 0.3]:
        o1.param_groups[0]["lr"] = o2.param_groups[0]["lr"] = np.float64(lr)
        assert same_bits(compiled(x, y), s1(x, y))
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert same_bits(q.data, p.data)
    assert compiled.stats["traced"] == 1 and is_program(compiled)


class ScaledSGD(mg.optim.SGD):
    """An update rule that reads a tuple from its group."""

    def __init__(self, params, lr, scales=(1.0, 0.0)):
        super().__init__(params, lr)
        for group in self.param_groups:
            group["scales"] = scales

    def _update(self, param, grad, state, group):
        a, b = group["scales"]
        return param - group["lr"] * (a * grad + b * grad * grad)


def test_an_update_rule_s_other_hyperparameters_are_guarded():
    def make():
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        return model, ScaledSGD(model.parameters(), lr=0.1), lambda o, y: ((o - y) ** 2).mean()

    (m1, o1, l1), (m2, o2, l2) = twins(make)
    eager, compiled = train_step(m1, o1, l1), mg.compile(train_step(m2, o2, l2))
    x, y = mg.tensor(np.ones((2, 3))), mg.tensor(np.zeros((2, 1)))
    for i in range(8):
        if i == 4:
            o1.param_groups[0]["scales"] = o2.param_groups[0]["scales"] = (0.5, 2.0)
        assert same_bits(compiled(x, y), eager(x, y))
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert same_bits(q.data, p.data)
    assert compiled.stats["traced"] == 1 and is_program(compiled)


class Noisy(Op):
    """A forward that draws from microgradnet's generator: a record cannot repeat the draws."""

    name = "noisy"

    def forward(self, x):
        return x + mg.random.default_generator.normal(size=x.shape)

    def backward(self, g):
        return (g,)


def test_random_draws_inside_an_op_are_not_consumed_by_the_lowering():
    w = mg.tensor([0.5, -1.0], requires_grad=True)

    def step(x):
        w.grad = None
        loss = (Noisy()(w * x) ** 2).sum()
        loss.backward()
        return loss

    compiled = mg.compile(step)
    x = mg.tensor([1.0, 2.0])
    mg.manual_seed(9)
    want = []
    for _ in range(5):
        want.append((step(x).data, w.grad.data))
    mg.manual_seed(9)
    for loss, grad in want:
        assert same_bits(compiled(x), loss) and same_bits(w.grad, grad)
    assert "a replay of its tape" in compiled.explain()


def test_gradients_of_arguments_and_of_two_backward_passes():
    def make():
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        return model, mg.optim.SGD(model.parameters(), lr=0.1), None

    (m1, o1, _), (m2, o2, _) = twins(make)

    def step_of_model(model, opt):
        def step(x):
            opt.zero_grad()
            out = model(x)
            (out**2).mean().backward()
            out2 = model(x * 0.5)
            out2.sum().backward()  # adds into the same .grad
            opt.step()
            return out2

        return step

    eager, compiled = step_of_model(m1, o1), mg.compile(step_of_model(m2, o2))
    rng = np.random.default_rng(10)
    for _ in range(6):
        data = rng.normal(size=(5, 3))
        x1, x2 = mg.tensor(data, requires_grad=True), mg.tensor(data, requires_grad=True)
        assert same_bits(compiled(x2), eager(x1))
        assert same_bits(x2.grad, x1.grad)
        for p, q in zip(m1.parameters(), m2.parameters()):
            assert same_bits(q.data, p.data) and same_bits(q.grad, p.grad)
    assert is_program(compiled)


# -- any small network, any optimizer: the program is the eager step -------------------------------

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "leaky_relu": lambda: nn.LeakyReLU(0.1),
    "softplus": nn.Softplus,
}
_OPTIMIZERS = {
    "sgd": lambda ps: mg.optim.SGD(ps, lr=0.05),
    "momentum": lambda ps: mg.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "nesterov": lambda ps: mg.optim.SGD(ps, lr=0.05, momentum=0.5, nesterov=True),
    "adam": lambda ps: mg.optim.Adam(ps, lr=1e-2),
    "adamw": lambda ps: mg.optim.AdamW(ps, lr=1e-2),
    "rmsprop": lambda ps: mg.optim.RMSprop(ps, lr=1e-2, momentum=0.5, centered=True),
    "adagrad": lambda ps: mg.optim.Adagrad(ps, lr=0.1, lr_decay=0.01),
}
_LOSSES = {
    "mse": lambda out, y: ((out - y) ** 2).mean(),
    "sum_abs": lambda out, y: (out - y).abs().sum(),
    "hinge": lambda out, y: (1 - out * y).relu().mean(),
}


@given(
    widths=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    activation=st.sampled_from(sorted(_ACTIVATIONS)),
    optimizer=st.sampled_from(sorted(_OPTIMIZERS)),
    loss=st.sampled_from(sorted(_LOSSES)),
    dtype=st.sampled_from([np.float64, np.float32]),
    batch=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_any_small_network_s_program_is_its_eager_step(
    widths, activation, optimizer, loss, dtype, batch, seed
):
    sizes = [3, *widths, 2]

    def make():
        layers: list[nn.Module] = []
        for n_in, n_out in itertools.pairwise(sizes):
            with np.errstate(over="ignore"):
                layers += [nn.Linear(n_in, n_out, dtype=dtype), _ACTIVATIONS[activation]()]
        model = nn.Sequential(*layers[:-1])
        return model, _OPTIMIZERS[optimizer](list(model.parameters())), _LOSSES[loss]

    rng = np.random.default_rng(seed)
    data = [
        (
            mg.tensor(rng.normal(size=(batch, 3)).astype(dtype)),
            mg.tensor(rng.normal(size=(batch, 2)).astype(dtype)),
        )
        for _ in range(5)
    ]
    run_twins(make, iter(data), steps=5)
