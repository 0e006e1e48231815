"""The layer functions, modules, optimizers, schedules and clipping against PyTorch: the same
inputs give the same values and gradients (float64 and float32), the same state dict keys and
shapes, and the same steps. Skipped when torch is not installed (the ``parity`` extra)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = torch.nn.functional

import microgradnet as mg  # noqa: E402
from microgradnet import nn  # noqa: E402
from microgradnet.nn import functional  # noqa: E402

TOL = {np.float64: {"rtol": 1e-10, "atol": 1e-10}, np.float32: {"rtol": 2e-4, "atol": 2e-5}}


def both(
    mine: Callable[..., Any], theirs: Callable[..., Any], arrays: list[np.ndarray], dtype: Any
) -> None:
    """Values and gradients of ``mine`` and ``theirs`` on the same arrays agree."""
    xs = [a.astype(dtype) for a in arrays]
    ours = [mg.tensor(x, requires_grad=True) for x in xs]
    refs = [torch.tensor(x, requires_grad=True) for x in xs]
    out, ref = mine(*ours), theirs(*refs)
    assert out.dtype == dtype and out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), **TOL[dtype])
    g = np.random.default_rng(1).normal(size=out.shape).astype(dtype)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for a, b in zip(ours, refs):
        assert a.grad is not None and a.grad.dtype == dtype
        np.testing.assert_allclose(a.grad, b.grad.numpy(), **TOL[dtype])


def normal(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed + sum(shape)).normal(size=shape)


CONV = [
    (n, s, p, d, g)
    for n in (1, 2, 3)
    for s in (1, 2)
    for p in (0, 1, "same", "valid")
    for d in (1, 2)
    for g in (1, 2)
    if not (p == "same" and s != 1)
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("n", "stride", "padding", "dilation", "groups"), CONV)
def test_conv(n: int, stride: int, padding: Any, dilation: int, groups: int, dtype: Any) -> None:
    size = {1: (9,), 2: (7, 6), 3: (5, 5, 6)}[n]
    args = (stride, padding, dilation, groups)
    mine = getattr(functional, f"conv{n}d")
    theirs = getattr(tf, f"conv{n}d")
    both(
        lambda x, w, b: mine(x, w, b, *args),
        lambda x, w, b: theirs(x, w, b, *args),
        [normal(2, 4, *size), normal(6, 4 // groups, *(3,) * n, seed=1), normal(6)],
        dtype,
    )


CONVT = [
    (n, s, p, op, d, g)
    for n in (1, 2)
    for s in (1, 2, 3)
    for p in (0, 1)
    for op in (0, 1)
    for d in (1, 2)
    for g in (1, 2)
    if op < max(s, d)
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("n", "stride", "padding", "output_padding", "dilation", "groups"), CONVT)
def test_conv_transpose(
    n: int, stride: int, padding: int, output_padding: int, dilation: int, groups: int, dtype: Any
) -> None:
    args = (stride, padding, output_padding, groups, dilation)
    mine = getattr(functional, f"conv_transpose{n}d")
    theirs = getattr(tf, f"conv_transpose{n}d")
    both(
        lambda x, w, b: mine(x, w, b, *args),
        lambda x, w, b: theirs(x, w, b, *args),
        [normal(2, 4, *(4,) * n), normal(4, 6 // groups, *(3,) * n, seed=2), normal(6)],
        dtype,
    )


POOL = [
    (n, k, s, p, d, c)
    for n in (1, 2)
    for k in (2, 3)
    for s in (None, 1, 2)
    for p in (0, 1)
    for d in (1, 2)
    for c in (False, True)
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("n", "kernel", "stride", "padding", "dilation", "ceil"), POOL)
def test_pooling(
    n: int, kernel: int, stride: Any, padding: int, dilation: int, ceil: bool, dtype: Any
) -> None:
    x = normal(2, 3, *(8,) * n)
    mp, tmp = getattr(functional, f"max_pool{n}d"), getattr(tf, f"max_pool{n}d")
    args = (kernel, stride, padding, dilation, ceil)
    both(lambda t: mp(t, *args), lambda t: tmp(t, *args), [x], dtype)
    _, idx = mp(mg.tensor(x.astype(dtype)), *args, return_indices=True)
    _, ref = tmp(torch.tensor(x.astype(dtype)), *args, return_indices=True)
    np.testing.assert_array_equal(idx.data, ref.numpy())
    if dilation == 1 and not ceil:
        unpool(n, kernel, stride, padding, x, dtype)
    if dilation == 1:
        ap, tap = getattr(functional, f"avg_pool{n}d"), getattr(tf, f"avg_pool{n}d")
        for cip in (False, True):
            a = (kernel, stride, padding, ceil, cip)
            both(lambda t, a=a: ap(t, *a), lambda t, a=a: tap(t, *a), [x], dtype)


def unpool(n: int, kernel: int, stride: Any, padding: int, x: np.ndarray, dtype: Any) -> None:
    """max_unpool puts each maximum back where it was, or fails where PyTorch's does (an index
    beyond the default output size)."""
    up, tup = getattr(functional, f"max_unpool{n}d"), getattr(tf, f"max_unpool{n}d")
    mp, tmp = getattr(functional, f"max_pool{n}d"), getattr(tf, f"max_pool{n}d")
    geometry = (kernel, stride, padding)
    pooled = tmp(torch.tensor(x), *geometry, return_indices=True)
    try:
        size = (3, 2, *tup(*pooled, *geometry).shape[2:])  # batch and channels are ignored
    except RuntimeError:
        with pytest.raises(RuntimeError, match="outside the output"):
            up(*mp(mg.tensor(x), *geometry, return_indices=True), *geometry)
        return
    for extra in ((), (size,)):
        both(
            lambda t, e=extra: up(*mp(t, *geometry, return_indices=True), *geometry, *e),
            lambda t, e=extra: tup(*tmp(t, *geometry, return_indices=True), *geometry, *e),
            [x],
            dtype,
        )
    with pytest.raises(RuntimeError, match="output_size"):
        up(*mp(mg.tensor(x), *geometry, return_indices=True), *geometry, (30,) * n)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("size", [1, 3, (4, 2), (None, 3), (7, 5)])
def test_adaptive_pooling(size: Any, dtype: Any) -> None:
    x = normal(2, 3, 7, 5)
    both(
        lambda t: functional.adaptive_avg_pool2d(t, size),
        lambda t: tf.adaptive_avg_pool2d(t, size),
        [x],
        dtype,
    )
    both(
        lambda t: functional.adaptive_max_pool2d(t, size),
        lambda t: tf.adaptive_max_pool2d(t, size),
        [x],
        dtype,
    )
    _, idx = functional.adaptive_max_pool2d(mg.tensor(x), size, return_indices=True)
    np.testing.assert_array_equal(
        idx.data, tf.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)[1].numpy()
    )
    x1 = normal(2, 3, 7)
    n1 = size if isinstance(size, int) else 3
    both(
        lambda t: functional.adaptive_avg_pool1d(t, n1),
        lambda t: tf.adaptive_avg_pool1d(t, n1),
        [x1],
        dtype,
    )
    both(
        lambda t: functional.adaptive_max_pool1d(t, n1),
        lambda t: tf.adaptive_max_pool1d(t, n1),
        [x1],
        dtype,
    )


INTERP = [
    ("nearest", None, (5, 7), None),
    ("nearest", None, None, 2),
    ("nearest", None, None, (1.5, 0.5)),
    ("nearest", None, (3, 2), None),
    ("nearest-exact", None, (5, 7), None),
    ("nearest-exact", None, (3, 2), None),
    ("nearest-exact", None, None, (1.5, 0.5)),
    ("bilinear", False, (5, 7), None),
    ("bilinear", True, (5, 7), None),
    ("bilinear", False, None, 2),
    ("bilinear", True, None, 1.7),
    ("bilinear", False, (2, 3), None),
    ("bilinear", True, (1, 1), None),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("mode", "align", "size", "scale"), INTERP)
def test_interpolate(mode: str, align: Any, size: Any, scale: Any, dtype: Any) -> None:
    both(
        lambda t: functional.interpolate(t, size, scale, mode, align),
        lambda t: tf.interpolate(t, size, scale, mode, align),
        [normal(2, 3, 4, 5)],
        dtype,
    )


@pytest.mark.parametrize(
    ("size", "scale", "align"),
    [((5, 7), None, None), ((30, 41), None, None), (None, 0.3, None), (None, 2.5, None),
     ((6, 50), None, True), (None, 1.7, True), ((1, 1), None, None), ((13, 17), None, None)],
)  # fmt: skip
def test_bilinear_resize_of_uint8_images_is_pytorchs_to_the_unit(
    size: Any, scale: Any, align: Any
) -> None:
    x = np.random.default_rng(3).integers(0, 256, (2, 4, 13, 17)).astype(np.uint8)
    ours = functional.interpolate(mg.tensor(x), size, scale, "bilinear", align)
    theirs = tf.interpolate(torch.tensor(x), size, scale, "bilinear", align)
    assert ours.dtype == np.uint8
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_linear_modes_refuse_other_integer_inputs() -> None:
    with pytest.raises(NotImplementedError, match="floating-point input"):
        functional.interpolate(mg.tensor(np.ones((1, 1, 4), np.int32)), 6, mode="linear")
    with pytest.raises(NotImplementedError, match="uint8 for 'bilinear'"):
        functional.interpolate(mg.ones(1, 1, 3, 3, 3, dtype=mg.uint8), 6, mode="trilinear")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_linear_interpolation_and_pixel_shuffle(dtype: Any) -> None:
    for align in (False, True):
        both(
            lambda t, a=align: functional.interpolate(t, 7, mode="linear", align_corners=a),
            lambda t, a=align: tf.interpolate(t, 7, mode="linear", align_corners=a),
            [normal(2, 3, 4)],
            dtype,
        )
    both(
        lambda t: functional.pixel_shuffle(t, 2),
        lambda t: tf.pixel_shuffle(t, 2),
        [normal(2, 8, 3, 2)],
        dtype,
    )
    both(
        lambda t: functional.pixel_unshuffle(t, 2),
        lambda t: tf.pixel_unshuffle(t, 2),
        [normal(2, 2, 4, 6)],
        dtype,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_normalization(dtype: Any) -> None:
    x = normal(4, 6, 3, 2) * 3 + 5
    both(
        lambda t, w, b: functional.layer_norm(t, (3, 2), w, b),
        lambda t, w, b: tf.layer_norm(t, (3, 2), w, b),
        [x, normal(3, 2), normal(3, 2)],
        dtype,
    )
    both(
        lambda t, w, b: functional.group_norm(t, 3, w, b),
        lambda t, w, b: tf.group_norm(t, 3, w, b),
        [x, normal(6), normal(6)],
        dtype,
    )
    stats = [normal(6, seed=3), np.abs(normal(6, seed=4)) + 0.5]
    for training in (True, False):
        ours = [s.astype(dtype) for s in stats]
        theirs = [torch.tensor(s.astype(dtype)) for s in stats]
        both(
            lambda t, w, b, o=ours, tr=training: functional.batch_norm(t, *o, w, b, tr, 0.3),
            lambda t, w, b, o=theirs, tr=training: tf.batch_norm(t, *o, w, b, tr, 0.3),
            [x, normal(6), normal(6)],
            dtype,
        )
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b.numpy(), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_embedding(dtype: Any) -> None:
    idx = np.array([[0, 3, 3], [4, 1, 0]])
    both(
        lambda w: functional.embedding(idx, w),
        lambda w: tf.embedding(torch.tensor(idx), w),
        [normal(5, 3)],
        dtype,
    )
    both(
        lambda w: functional.embedding(idx, w, padding_idx=3),
        lambda w: tf.embedding(torch.tensor(idx), w, padding_idx=3),
        [normal(5, 3)],
        dtype,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mask", ["none", "causal", "bool", "float", "dead-row"])
def test_scaled_dot_product_attention(mask: str, dtype: Any) -> None:
    rng = np.random.default_rng(5)
    kwargs: dict[str, Any] = {}
    if mask == "causal":
        kwargs = {"is_causal": True}
    elif mask == "bool":
        kwargs = {"attn_mask": rng.random((2, 1, 4, 5)) > 0.3}
    elif mask == "float":
        kwargs = {"attn_mask": rng.normal(size=(4, 5)).astype(dtype), "scale": 0.7}
    elif mask == "dead-row":
        m = rng.random((4, 5)) > 0.3
        m[1] = False
        kwargs = {"attn_mask": m}
    theirs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    both(
        lambda q, k, v: functional.scaled_dot_product_attention(q, k, v, **kwargs),
        lambda q, k, v: tf.scaled_dot_product_attention(q, k, v, **theirs),
        [normal(2, 3, 4, 6), normal(2, 3, 5, 6, seed=1), normal(2, 3, 5, 2, seed=2)],
        dtype,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_attention_with_grouped_heads_and_a_learned_mask(dtype: Any) -> None:
    both(
        lambda q, k, v: functional.scaled_dot_product_attention(q, k, v, enable_gqa=True),
        lambda q, k, v: tf.scaled_dot_product_attention(q, k, v, enable_gqa=True),
        [normal(2, 6, 4, 5), normal(2, 2, 3, 5, seed=1), normal(2, 2, 3, 2, seed=2)],
        dtype,
    )
    both(  # a float mask that requires grad gets the gradient of the scores
        lambda q, k, v, m: functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
        lambda q, k, v, m: tf.scaled_dot_product_attention(q, k, v, attn_mask=m),
        [normal(2, 3, 4, 6), normal(2, 3, 5, 6, seed=1), normal(2, 3, 5, 2, seed=2),
         normal(3, 4, 5, seed=3)],
        dtype,
    )  # fmt: skip
    q, kv = mg.zeros(1, 5, 2, 3), mg.zeros(1, 2, 2, 3)
    with pytest.raises(RuntimeError, match="enable_gqa"):
        functional.scaled_dot_product_attention(q, kv, kv, enable_gqa=True)


# ----------------------------------------------------------------------------------- modules

MODULES: list[tuple[str, Callable[[Any], Any], tuple[int, ...]]] = [
    ("Conv1d", lambda m: m.Conv1d(4, 6, 3, stride=2, padding=1), (2, 4, 9)),
    (
        "Conv2d",
        lambda m: m.Conv2d(4, 6, (3, 3), padding="same", groups=2, bias=False),
        (2, 4, 5, 6),
    ),
    ("Conv3d", lambda m: m.Conv3d(2, 3, 2, dilation=(1, 2, 1)), (1, 2, 4, 5, 4)),
    (
        "ConvTranspose1d",
        lambda m: m.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1),
        (2, 4, 5),
    ),
    (
        "ConvTranspose2d",
        lambda m: m.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2),
        (2, 4, 3, 4),
    ),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(5), (4, 5, 3)),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(3, momentum=None), (4, 3, 2, 2)),
    ("BatchNorm2d-no-stats", lambda m: m.BatchNorm2d(3, track_running_stats=False), (4, 3, 2, 2)),
    ("LayerNorm", lambda m: m.LayerNorm((3, 4)), (2, 3, 4)),
    ("GroupNorm", lambda m: m.GroupNorm(2, 6), (2, 6, 3)),
    ("MaxPool2d", lambda m: m.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 7, 7)),
    ("AvgPool2d", lambda m: m.AvgPool2d(2), (2, 3, 6, 6)),
    ("AdaptiveAvgPool2d", lambda m: m.AdaptiveAvgPool2d((2, 3)), (2, 3, 7, 7)),
    ("Upsample", lambda m: m.Upsample(scale_factor=2, mode="bilinear"), (1, 2, 3, 3)),
    ("PixelShuffle", lambda m: m.PixelShuffle(2), (1, 8, 2, 2)),
    ("Flatten", lambda m: m.Flatten(), (2, 3, 4)),
    ("Unflatten", lambda m: m.Unflatten(1, (3, 4)), (2, 12)),
    ("Identity", lambda m: m.Identity(3, unused=True), (2, 3)),
]


def copy_state(src: dict[str, Any], to_torch: bool) -> dict[str, Any]:
    if to_torch:
        return {k: torch.tensor(np.asarray(v)) for k, v in src.items()}
    return {k: v.detach().numpy() for k, v in src.items()}


@pytest.mark.parametrize(("name", "make", "shape"), MODULES, ids=[m[0] for m in MODULES])
def test_module_state_dicts_move_between_the_libraries(
    name: str, make: Any, shape: tuple[int, ...]
) -> None:
    ours, theirs = make(nn), make(torch.nn).double()
    mine = ours.state_dict()
    ref = theirs.state_dict()
    assert list(mine) == list(ref)
    assert [v.shape for v in mine.values()] == [tuple(v.shape) for v in ref.values()]
    x = normal(*shape)
    for train in (True, False):
        ours.train(train)
        theirs.train(train)
        ours.load_state_dict(copy_state(theirs.state_dict(), to_torch=False))
        np.testing.assert_allclose(
            ours(mg.tensor(x)).data,
            theirs(torch.tensor(x)).detach().numpy(),
            rtol=1e-10,
            atol=1e-12,
        )
        # and back: a state dict made here runs the same in PyTorch
        theirs.load_state_dict(copy_state(ours.state_dict(), to_torch=True))
        for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()):
            np.testing.assert_allclose(a, b.numpy(), rtol=1e-12)


def test_default_initialisation_has_pytorchs_scale() -> None:
    """Weights are uniform on PyTorch's bounds: the extremes of many draws approach them."""
    mg.manual_seed(0)
    conv = nn.Conv2d(8, 16, 3)
    bound = 1 / np.sqrt(8 * 9)
    for p in (conv.weight, conv.bias):
        assert np.abs(p.data).max() <= bound
        assert np.abs(p.data).max() > 0.9 * bound
    up = nn.ConvTranspose2d(8, 4, 3)
    assert np.abs(up.weight.data).max() <= 1 / np.sqrt(4 * 9)
    emb = nn.Embedding(1000, 8)
    assert abs(emb.weight.data.std() - 1.0) < 0.05


def test_embedding_and_attention_state_dicts() -> None:
    for kwargs in ({}, {"bias": False}, {"kdim": 3, "vdim": 5}):
        ours = nn.MultiheadAttention(8, 2, batch_first=True, **kwargs)
        theirs = torch.nn.MultiheadAttention(8, 2, batch_first=True, **kwargs).double()
        assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
            (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
        ]
        ours.load_state_dict(copy_state(theirs.state_dict(), to_torch=False))
        q, k, v = (
            normal(2, 4, 8),
            normal(2, 5, kwargs.get("kdim", 8)),
            normal(2, 5, kwargs.get("vdim", 8)),
        )
        pad = np.zeros((2, 5), dtype=bool)
        pad[1, 3:] = True
        mask = np.triu(np.ones((4, 5), dtype=bool), 1)
        for average in (True, False):
            out, w = ours(
                mg.tensor(q),
                mg.tensor(k),
                mg.tensor(v),
                key_padding_mask=pad,
                attn_mask=mask,
                average_attn_weights=average,
            )
            ref, rw = theirs(
                torch.tensor(q),
                torch.tensor(k),
                torch.tensor(v),
                key_padding_mask=torch.tensor(pad),
                attn_mask=torch.tensor(mask),
                average_attn_weights=average,
            )
            np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(w.data, rw.detach().numpy(), rtol=1e-10, atol=1e-12)
    seq = normal(5, 2, 8)  # (L, B, E): batch_first=False
    ours = nn.MultiheadAttention(8, 4)
    theirs = torch.nn.MultiheadAttention(8, 4).double()
    ours.load_state_dict(copy_state(theirs.state_dict(), to_torch=False))
    out, _ = ours(*(mg.tensor(seq),) * 3, need_weights=False)
    ref, _ = theirs(*(torch.tensor(seq),) * 3, need_weights=False)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    emb, temb = nn.Embedding(7, 3, padding_idx=2), torch.nn.Embedding(7, 3, padding_idx=2)
    assert list(emb.state_dict()) == list(temb.state_dict()) == ["weight"]


def test_batch_norm_running_statistics_follow_pytorch_over_steps() -> None:
    for momentum in (0.1, None):
        ours = nn.BatchNorm2d(3, momentum=momentum)
        theirs = torch.nn.BatchNorm2d(3, momentum=momentum).double()
        for step in range(4):
            x = normal(4, 3, 2, 2, seed=step) * (step + 1)
            ours(mg.tensor(x))
            theirs(torch.tensor(x))
        for (k, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
            np.testing.assert_allclose(a, b.numpy(), rtol=1e-12, err_msg=k)
        ours.eval()
        theirs.eval()
        x = normal(2, 3, 2, 2, seed=9)
        np.testing.assert_allclose(
            ours(mg.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10
        )


# ------------------------------------------------------------------- optimizers and schedules


def quadratic_steps(make: Callable[[list[Any], Any], Any], lib: Any, steps: int = 6) -> Any:
    """Parameters after ``steps`` optimizer steps on a fixed quartic loss."""
    start = [normal(3, 2), normal(4)]
    if lib is torch:
        params = [torch.tensor(p, requires_grad=True) for p in start]
    else:
        params = [mg.tensor(p, requires_grad=True) for p in start]
    opt = make(params, lib)
    for _ in range(steps):
        opt.zero_grad()
        loss = (params[0] ** 4).sum() + ((params[1] - 1.0) ** 2).sum()
        loss.backward()
        opt.step()
    return [p.detach().numpy() if lib is torch else p.data for p in params]


OPTIMIZERS = {
    "rmsprop": lambda ps, lib: lib.optim.RMSprop(ps),
    "rmsprop-all": lambda ps, lib: lib.optim.RMSprop(
        ps, lr=0.05, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5, centered=True
    ),
    "rmsprop-momentum": lambda ps, lib: lib.optim.RMSprop(ps, lr=0.01, momentum=0.9),
    "adagrad": lambda ps, lib: lib.optim.Adagrad(ps),
    "adagrad-all": lambda ps, lib: lib.optim.Adagrad(
        ps, lr=0.1, lr_decay=0.05, weight_decay=0.2, initial_accumulator_value=0.3, eps=1e-6
    ),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers_take_pytorchs_steps(name: str) -> None:
    for a, b in zip(
        quadratic_steps(OPTIMIZERS[name], mg), quadratic_steps(OPTIMIZERS[name], torch)
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def schedule_lrs(make: Callable[[Any, Any], Any], lib: Any, opt_name: str, epochs: int) -> Any:
    """The learning rates (and momenta) a schedule sets over ``epochs`` steps."""
    param = (
        torch.zeros(1, requires_grad=True) if lib is torch else mg.tensor([0.0], requires_grad=True)
    )
    if opt_name == "sgd":
        opt = lib.optim.SGD([param], lr=0.5, momentum=0.9)
    else:
        opt = lib.optim.Adam([param], lr=0.5)
    schedule = make(opt, lib)
    seen = []
    for _ in range(epochs):
        opt.step()
        group = opt.param_groups[0]
        momentum = () if group.get("momentum") is None else (group["momentum"],)
        seen.append((group["lr"], *momentum, *group.get("betas", ())))
        schedule.step()
    return seen


SCHEDULES = {
    "cosine": (lambda opt, lib: lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=7), 12),
    "cosine-eta": (
        lambda opt, lib: lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=0.05),
        6,
    ),
    "linear": (lambda opt, lib: lib.optim.lr_scheduler.LinearLR(opt, 0.1, 0.9, 4), 7),
    "one-cycle": (lambda opt, lib: lib.optim.lr_scheduler.OneCycleLR(opt, 2.0, total_steps=20), 20),
    "one-cycle-3": (
        lambda opt, lib: lib.optim.lr_scheduler.OneCycleLR(
            opt, 2.0, epochs=3, steps_per_epoch=5, three_phase=True, anneal_strategy="linear"
        ),
        15,
    ),
    "sequential": (
        lambda opt, lib: lib.optim.lr_scheduler.SequentialLR(
            opt,
            [
                lib.optim.lr_scheduler.LinearLR(opt, 0.2, total_iters=3),
                lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6),
                lib.optim.lr_scheduler.StepLR(opt, 2, 0.5),
            ],
            milestones=[3, 8],
        ),
        14,
    ),
}


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
@pytest.mark.parametrize("name", SCHEDULES)
def test_schedules_set_pytorchs_learning_rates(name: str, opt_name: str) -> None:
    make, epochs = SCHEDULES[name]
    ours, theirs = (
        schedule_lrs(make, mg, opt_name, epochs),
        schedule_lrs(make, torch, opt_name, epochs),
    )
    assert len(ours) == len(theirs) == epochs
    for step, (mine, ref) in enumerate(zip(ours, theirs)):
        assert mine == pytest.approx(ref, rel=1e-12, abs=1e-15), step


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_gradient_clipping(norm_type: float, max_norm: float) -> None:
    grads = [normal(3, 2), normal(4, seed=1)]
    ours = [mg.tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for a, b, g in zip(ours, theirs, grads):
        a.grad, b.grad = g.copy(), torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    ref = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(ref.item(), rel=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-12)
    nn.utils.clip_grad_value_(ours, 0.1)
    torch.nn.utils.clip_grad_value_(theirs, 0.1)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_same_padding_with_even_kernels_pads_the_extra_after(dtype: Any) -> None:
    for dilation in (1, 3):
        both(
            lambda x, w, d=dilation: functional.conv2d(x, w, padding="same", dilation=d),
            lambda x, w, d=dilation: tf.conv2d(x, w, padding="same", dilation=d),
            [normal(2, 3, 7, 6), normal(4, 3, 2, 4, seed=3)],
            dtype,
        )
