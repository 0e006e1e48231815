"""Behaviour of the layer modules and functions that gradient checks do not show: train and eval
modes, buffers in state dicts, containers, conventions at ties and masks, clipping, optimizers on
Values, and errors that name what is at fault."""

from __future__ import annotations

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import nn
from microgradnet.nn import functional


def test_batch_norm_trains_on_batch_statistics_and_evaluates_on_running_ones() -> None:
    bn = nn.BatchNorm1d(2, momentum=0.5)
    x = mg.tensor([[1.0, 10.0], [3.0, 30.0]])
    y = bn(x)
    np.testing.assert_allclose(y.data, [[-1.0, -1.0], [1.0, 1.0]], atol=1e-4)
    np.testing.assert_allclose(bn.running_mean.data, [1.0, 10.0])
    np.testing.assert_allclose(bn.running_var.data, [0.5 + 0.5 * 2.0, 0.5 + 0.5 * 200.0])
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    z = bn(x)
    expected = (x.data - bn.running_mean.data) / np.sqrt(bn.running_var.data + 1e-5)
    np.testing.assert_allclose(z.data, expected)
    assert bn.num_batches_tracked.item() == 1  # eval mode leaves the statistics alone


def test_batch_norm_needs_more_than_one_value_per_channel_when_training() -> None:
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(mg.tensor(np.ones((1, 3))))
    with pytest.raises(ValueError, match="BatchNorm2d: expected an input of 4 dimensions"):
        nn.BatchNorm2d(3)(mg.tensor(np.ones((2, 3))))


def test_buffers_are_saved_loaded_and_kept_apart_from_parameters() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    assert list(model.state_dict()) == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
    ]
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [n for n, _ in model.named_buffers()] == [
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
    ]
    state = model.state_dict()
    state["1.running_mean"] = np.array([0.5, -0.5])
    state["1.num_batches_tracked"] = np.array(7)
    model.load_state_dict(state)
    np.testing.assert_array_equal(model[1].running_mean.data, [0.5, -0.5])
    assert model[1].num_batches_tracked.item() == 7
    assert model[1].num_batches_tracked.dtype == np.int64
    m = nn.Module()
    m.register_buffer("kept", np.zeros(2))
    m.register_buffer("scratch", np.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["kept"]
    with pytest.raises(TypeError, match="buffer 'kept'"):
        m.kept = "not a tensor"
    with pytest.raises(KeyError, match="already a parameter"):
        nn.Linear(1, 1).register_buffer("weight", np.zeros(1))


def test_dropout_modules_follow_train_and_eval() -> None:
    x = mg.tensor(np.ones((8, 16, 4, 4)))
    drop = nn.Dropout2d(0.5)
    y = drop(x).data
    assert set(np.unique(y)) == {0.0, 2.0}
    assert np.all(y.std(axis=(2, 3)) == 0)  # whole channels
    assert drop.eval()(x) is x
    y1 = nn.Dropout1d(0.25)(mg.tensor(np.ones((4, 8, 5)))).data
    assert np.all(y1.std(axis=2) == 0) and set(np.unique(y1)) <= {0.0, 4.0 / 3}
    with pytest.raises(ValueError, match="dropout2d: expected an input of 3 or 4 dimensions"):
        functional.dropout2d(mg.tensor(np.ones(3)))


def test_attention_module_drops_weights_only_while_training() -> None:
    mg.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2, dropout=0.5, batch_first=True)
    x = mg.tensor(np.random.default_rng(0).normal(size=(2, 3, 4)))
    _, w_eval = mha.eval()(x, x, x)
    np.testing.assert_allclose(w_eval.data.sum(axis=-1), 1.0)
    _, w_train = mha.train()(x, x, x)
    assert not np.allclose(w_train.data, w_eval.data)
    out, none = mha(x[0], x[0], x[0], need_weights=False)  # unbatched
    assert out.shape == (3, 4) and none is None


def test_max_pool_sends_the_gradient_of_a_tie_to_the_first_element() -> None:
    x = mg.tensor(np.array([[[1.0, 1.0, 0.0, 2.0, 2.0]]]), requires_grad=True)
    out, idx = functional.max_pool1d(x, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx.data, [[[0, 1, 3, 3]]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [[[1.0, 1.0, 0.0, 2.0, 0.0]]])


def test_embedding_padding_row_is_read_but_not_trained() -> None:
    w = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = functional.embedding(np.array([0, 1, 1]), w, padding_idx=1)
    np.testing.assert_array_equal(out.data, [[1.0, 2.0], [3.0, 4.0], [3.0, 4.0]])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad, [[1.0, 1.0], [0.0, 0.0]])
    with pytest.raises(IndexError, match=r"embedding: indices must be in \[0, 2\)"):
        functional.embedding(np.array([2]), w)
    with pytest.raises(TypeError, match="integer indices"):
        functional.embedding(np.array([0.0]), w)


def test_attention_with_a_fully_masked_row_gives_zeros_and_finite_gradients() -> None:
    q = mg.tensor(np.ones((2, 3)), requires_grad=True)
    mask = np.array([[True, False], [False, False]])
    out = functional.scaled_dot_product_attention(q, q, q, attn_mask=mask)
    np.testing.assert_array_equal(out.data[1], [0.0, 0.0, 0.0])
    out.sum().backward()
    assert np.all(np.isfinite(q.grad))


def test_containers_by_name() -> None:
    d = nn.ModuleDict({"enc": nn.Linear(2, 3)})
    d["dec"] = nn.Linear(3, 2)
    assert list(d) == ["enc", "dec"] and "dec" in d and len(d) == 2
    assert [n for n, _ in d.named_parameters()] == [
        "enc.weight",
        "enc.bias",
        "dec.weight",
        "dec.bias",
    ]
    del d["enc"]
    assert list(d.keys()) == ["dec"]
    with pytest.raises(KeyError, match="no module 'enc'"):
        d["enc"]
    p = nn.ParameterDict([("a", nn.Parameter([1.0]))])
    p["b"] = mg.Value(2.0)
    assert list(p.state_dict()) == ["a", "b"] and p["b"].data == 2.0
    with pytest.raises(ValueError, match="Unflatten: dim 3 is out of range"):
        nn.Unflatten(3, (2, 2))(mg.tensor(np.zeros((2, 4))))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: functional.conv2d(
                mg.tensor(np.zeros((1, 3, 5, 5))), mg.tensor(np.zeros((2, 2, 3, 3)))
            ),
            r"conv2d: input of shape \(1, 3, 5, 5\) has 3 channels",
        ),
        (
            lambda: functional.conv2d(
                mg.tensor(np.zeros((1, 1, 2, 2))), mg.tensor(np.zeros((1, 1, 3, 3)))
            ),
            "larger than the padded input",
        ),
        (
            lambda: functional.conv2d(
                mg.tensor(np.zeros((1, 1, 5, 5))),
                mg.tensor(np.zeros((1, 1, 3, 3))),
                stride=2,
                padding="same",
            ),
            "padding='same' needs stride 1",
        ),
        (
            lambda: functional.conv_transpose2d(
                mg.tensor(np.zeros((1, 1, 3, 3))),
                mg.tensor(np.zeros((1, 1, 3, 3))),
                stride=2,
                output_padding=2,
            ),
            "output_padding",
        ),
        (
            lambda: functional.max_pool2d(mg.tensor(np.zeros((1, 1, 4, 4))), 2, padding=2),
            "padding .* must be at most half the kernel",
        ),
        (
            lambda: functional.avg_pool1d(mg.tensor(np.zeros((1, 1, 2, 2, 2))), 2),
            "avg_pool1d: expected an input of 2 or 3 dimensions",
        ),
        (
            lambda: functional.interpolate(mg.tensor(np.zeros((1, 1, 4))), 3, mode="cubic"),
            "mode must be",
        ),
        (
            lambda: functional.interpolate(mg.tensor(np.zeros((1, 1, 4))), 3, mode="bilinear"),
            "needs a 4-d input",
        ),
        (
            lambda: functional.layer_norm(mg.tensor(np.zeros((2, 3))), 4),
            r"normalized_shape \(4,\) is not the end",
        ),
        (lambda: functional.group_norm(mg.tensor(np.zeros((2, 3))), 2), "divisible by"),
        (
            lambda: functional.pixel_shuffle(mg.tensor(np.zeros((1, 3, 2, 2))), 2),
            "divisible by upscale_factor",
        ),
        (lambda: nn.Conv2d(3, 4, 3, groups=2), "divisible by groups=2"),
        (lambda: nn.MultiheadAttention(6, 4), "divisible by num_heads=4"),
    ],
)
def test_bad_input_is_an_error_naming_the_operation(call, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_clipping_works_on_values_and_skips_missing_gradients() -> None:
    a, b = mg.Value(0.0), mg.Value(0.0)
    a.grad, b.grad = 3.0, -4.0
    none = mg.tensor([1.0], requires_grad=True)
    total = nn.utils.clip_grad_norm_([a, b, none], 2.5)
    assert total.item() == 5.0
    assert a.grad == pytest.approx(1.5, rel=1e-6) and b.grad == pytest.approx(-2.0, rel=1e-6)
    nn.utils.clip_grad_value_([a, b], 1.0)
    assert (a.grad, b.grad) == (1.0, -1.0)
    assert none.grad is None
    a.grad = float("nan")
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm"):
        nn.utils.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: mg.optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True),
        lambda ps: mg.optim.Adagrad(ps, lr=1.0, lr_decay=0.001),
    ],
)
def test_new_optimizers_minimise_and_restore_their_state(make) -> None:
    w = mg.tensor([2.0, -3.0], requires_grad=True)
    opt = make([w])
    for _ in range(200):
        opt.zero_grad()
        ((w - 1.0) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(w.data, [1.0, 1.0], atol=0.05)
    twin = mg.tensor(w.data.copy(), requires_grad=True)
    other = make([twin])
    other.load_state_dict(opt.state_dict())
    for o, t in ((opt, w), (other, twin)):
        o.zero_grad()
        ((t - 1.0) ** 2).sum().backward()
        o.step()
    np.testing.assert_array_equal(w.data, twin.data)
    v = mg.Value(3.0)
    value_opt = make([v])
    (v * v).backward()
    value_opt.step()
    assert isinstance(v.data, float) and v.data < 3.0
    with pytest.raises(ValueError, match="invalid"):
        make([mg.tensor([1.0], requires_grad=True)]).add_param_group(
            {"params": [mg.tensor([1.0], requires_grad=True)], "eps": -1.0}
        )
