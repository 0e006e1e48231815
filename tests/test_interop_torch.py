"""`to_torch` and `from_torch`: every layer type and container converts both ways, and the two
modules give the same outputs and the same gradients (of inputs and of parameters, by name) to
1e-12 in float64, keep their dtype, mode and state dict, and refuse what has no counterpart.
Skipped without torch (the ``parity`` extra)."""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import microgradnet as mg  # noqa: E402
from microgradnet import nn  # noqa: E402
from microgradnet.interop import from_torch, to_torch  # noqa: E402

TOL = {"rtol": 1e-12, "atol": 1e-12}


def normal(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed + 7 * len(shape) + sum(shape)).normal(size=shape)


def indices(*shape: int) -> np.ndarray:
    return np.random.default_rng(3).integers(0, 10, size=shape)


def randomize(m: nn.Module, seed: int = 1) -> nn.Module:
    """Every floating parameter and buffer set to random values (variances positive), so that
    defaults such as ones and zeros cannot hide a mix-up of names."""
    rng = np.random.default_rng(seed)
    state = {}
    for k, v in m.state_dict().items():
        if np.issubdtype(v.dtype, np.floating):
            v = (
                rng.uniform(0.5, 1.5, v.shape)
                if k.endswith("running_var")
                else rng.normal(size=v.shape)
            )
        state[k] = v
    m.load_state_dict(state)
    return m


def _flat(out: Any) -> list[Any]:
    return [o for o in out if o is not None] if isinstance(out, tuple) else [out]


def agree(ours: nn.Module, theirs: Any, arrays: list[np.ndarray], **kwargs: Any) -> None:
    """The same outputs on ``arrays``, the same gradients for a random cotangent, the same state
    afterwards (running statistics move in training mode)."""
    floats = [np.issubdtype(a.dtype, np.floating) for a in arrays]
    xs = [mg.tensor(a, requires_grad=f) for a, f in zip(arrays, floats)]
    ts = [torch.tensor(a, requires_grad=f) for a, f in zip(arrays, floats)]
    torch_kwargs = {
        k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()
    }
    outs, refs = _flat(ours(*xs, **kwargs)), _flat(theirs(*ts, **torch_kwargs))
    assert len(outs) == len(refs)
    seeds = []
    for k, (o, r) in enumerate(zip(outs, refs)):
        assert o.shape == tuple(r.shape) and o.dtype == r.detach().numpy().dtype
        np.testing.assert_allclose(o.data, r.detach().numpy(), **TOL)
        if r.requires_grad:
            seeds.append((o, r, normal(*o.shape, seed=k + 11)))
    if seeds:
        mg.autograd.backward([o for o, _, _ in seeds], [g for _, _, g in seeds])
        torch.autograd.backward([r for _, r, _ in seeds], [torch.tensor(g) for _, _, g in seeds])
        for x, t, f in zip(xs, ts, floats):
            if f:
                np.testing.assert_allclose(x.grad, t.grad.numpy(), **TOL)
        grads = {k: p.grad for k, p in theirs.named_parameters()}
        for name, p in ours.named_parameters():
            if grads[name] is None:
                assert p.grad is None or not np.any(p.grad), name
            else:
                np.testing.assert_allclose(p.grad, grads[name].numpy(), **TOL, err_msg=name)
    same_state(ours.state_dict(), theirs.state_dict())


def same_state(ours: dict[str, np.ndarray], theirs: dict[str, Any]) -> None:
    """Equal keys in equal order, equal dtypes, equal values."""
    assert list(ours) == list(theirs)
    for k, v in ours.items():
        t = theirs[k]
        ref = t.detach().numpy() if hasattr(t, "detach") else t
        assert v.dtype == ref.dtype, k
        np.testing.assert_allclose(v, ref, **TOL, err_msg=k)


Case = tuple[str, Callable[[], nn.Module], Callable[[], list[np.ndarray]], dict[str, Any]]

X = lambda: [normal(5, 4)]  # noqa: E731
CASES: list[Case] = [
    ("linear", lambda: nn.Linear(4, 3), X, {}),
    ("linear-no-bias", lambda: nn.Linear(4, 3, bias=False), X, {}),
    ("identity", nn.Identity, X, {}),
    ("relu", nn.ReLU, X, {}),
    ("sigmoid", nn.Sigmoid, X, {}),
    ("tanh", nn.Tanh, X, {}),
    ("leaky-relu", lambda: nn.LeakyReLU(0.2), X, {}),
    ("softmax", lambda: nn.Softmax(dim=0), X, {}),
    ("log-softmax", lambda: nn.LogSoftmax(dim=-1), X, {}),
    ("flatten", nn.Flatten, lambda: [normal(3, 2, 2)], {}),
    ("flatten-dims", lambda: nn.Flatten(0, 1), lambda: [normal(3, 2, 2)], {}),
    ("unflatten", lambda: nn.Unflatten(1, (2, 2)), X, {}),
    ("dropout-eval", lambda: nn.Dropout(0.3).eval(), X, {}),
    ("dropout2d-eval", lambda: nn.Dropout2d(0.3).eval(), lambda: [normal(2, 3, 4, 4)], {}),
    ("dropout-p0", lambda: nn.Dropout(0.0), X, {}),
    ("conv1d", lambda: nn.Conv1d(2, 4, 3, stride=2, padding=1), lambda: [normal(2, 2, 9)], {}),
    (
        "conv2d-same",
        lambda: nn.Conv2d(2, 4, 3, padding="same", dilation=2),
        lambda: [normal(2, 2, 7, 6)],
        {},
    ),
    (
        "conv2d-groups",
        lambda: nn.Conv2d(4, 6, (3, 2), groups=2, bias=False),
        lambda: [normal(2, 4, 6, 5)],
        {},
    ),
    ("conv3d", lambda: nn.Conv3d(2, 3, 2, padding=1), lambda: [normal(1, 2, 3, 4, 3)], {}),
    (
        "conv-transpose1d",
        lambda: nn.ConvTranspose1d(2, 3, 3, stride=2, output_padding=1),
        lambda: [normal(2, 2, 5)],
        {},
    ),
    (
        "conv-transpose2d",
        lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, groups=2),
        lambda: [normal(2, 4, 4, 3)],
        {},
    ),
    (
        "conv-transpose3d",
        lambda: nn.ConvTranspose3d(2, 2, 2, stride=2),
        lambda: [normal(1, 2, 2, 3, 2)],
        {},
    ),
    ("max-pool1d", lambda: nn.MaxPool1d(2), lambda: [normal(2, 3, 9)], {}),
    (
        "max-pool2d",
        lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
        lambda: [normal(2, 3, 8, 7)],
        {},
    ),
    (
        "max-pool2d-indices",
        lambda: nn.MaxPool2d(2, return_indices=True),
        lambda: [normal(2, 3, 6, 6)],
        {},
    ),
    ("avg-pool1d", lambda: nn.AvgPool1d(3, stride=2, padding=1), lambda: [normal(2, 3, 9)], {}),
    (
        "avg-pool2d",
        lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
        lambda: [normal(2, 3, 7, 6)],
        {},
    ),
    (
        "avg-pool2d-divisor",
        lambda: nn.AvgPool2d(2, divisor_override=3),
        lambda: [normal(2, 3, 6, 6)],
        {},
    ),
    ("adaptive-avg1d", lambda: nn.AdaptiveAvgPool1d(3), lambda: [normal(2, 3, 8)], {}),
    ("adaptive-avg2d", lambda: nn.AdaptiveAvgPool2d((3, None)), lambda: [normal(2, 3, 7, 5)], {}),
    ("adaptive-max1d", lambda: nn.AdaptiveMaxPool1d(3), lambda: [normal(2, 3, 8)], {}),
    (
        "adaptive-max2d",
        lambda: nn.AdaptiveMaxPool2d(2, return_indices=True),
        lambda: [normal(2, 3, 7, 5)],
        {},
    ),
    ("batch-norm1d-train", lambda: nn.BatchNorm1d(3), lambda: [normal(6, 3)], {}),
    ("batch-norm1d-eval", lambda: nn.BatchNorm1d(3).eval(), lambda: [normal(6, 3, 4)], {}),
    (
        "batch-norm2d-train",
        lambda: nn.BatchNorm2d(3, momentum=None),
        lambda: [normal(2, 3, 4, 4)],
        {},
    ),
    ("batch-norm2d-eval", lambda: nn.BatchNorm2d(3).eval(), lambda: [normal(2, 3, 4, 4)], {}),
    (
        "batch-norm2d-plain",
        lambda: nn.BatchNorm2d(3, affine=False, track_running_stats=False),
        lambda: [normal(2, 3, 4, 4)],
        {},
    ),
    ("batch-norm3d-eval", lambda: nn.BatchNorm3d(2).eval(), lambda: [normal(2, 2, 3, 3, 3)], {}),
    ("layer-norm", lambda: nn.LayerNorm(4), X, {}),
    (
        "layer-norm-2d-no-bias",
        lambda: nn.LayerNorm((3, 4), bias=False),
        lambda: [normal(2, 3, 4)],
        {},
    ),
    ("layer-norm-plain", lambda: nn.LayerNorm(4, elementwise_affine=False), X, {}),
    ("group-norm", lambda: nn.GroupNorm(2, 4), lambda: [normal(3, 4, 5)], {}),
    ("group-norm-plain", lambda: nn.GroupNorm(2, 4, affine=False), lambda: [normal(3, 4, 5)], {}),
    ("embedding", lambda: nn.Embedding(10, 3), lambda: [indices(4, 5)], {}),
    ("embedding-padding", lambda: nn.Embedding(10, 3, padding_idx=2), lambda: [indices(4, 5)], {}),
    (
        "attention",
        lambda: nn.MultiheadAttention(8, 2, batch_first=True),
        lambda: [normal(3, 5, 8)] * 3,
        {"attn_mask": ~np.tril(np.ones((5, 5), dtype=bool))},
    ),
    (
        "attention-kv-dims",
        lambda: nn.MultiheadAttention(8, 4, kdim=5, vdim=6),
        lambda: [normal(4, 2, 8), normal(3, 2, 5), normal(3, 2, 6)],
        {
            "key_padding_mask": np.array([[False, False, True], [False, True, False]]),
            "average_attn_weights": False,
        },
    ),
    (
        "attention-no-bias",
        lambda: nn.MultiheadAttention(6, 3, bias=False),
        lambda: [normal(4, 2, 6)] * 3,
        {"need_weights": False},
    ),
    ("upsample-nearest", lambda: nn.Upsample(scale_factor=2), lambda: [normal(2, 3, 3, 4)], {}),
    ("upsample-linear", lambda: nn.Upsample(size=7, mode="linear"), lambda: [normal(2, 3, 4)], {}),
    (
        "upsample-bilinear",
        lambda: nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
        lambda: [normal(2, 3, 4, 4)],
        {},
    ),
    ("pixel-shuffle", lambda: nn.PixelShuffle(2), lambda: [normal(2, 8, 3, 3)], {}),
    ("pixel-unshuffle", lambda: nn.PixelUnshuffle(2), lambda: [normal(2, 2, 4, 6)], {}),
    (
        "sequential",
        lambda: nn.Sequential(
            OrderedDict(
                [
                    ("conv", nn.Conv2d(1, 4, 3)),
                    ("bn", nn.BatchNorm2d(4)),
                    ("act", nn.ReLU()),
                    ("pool", nn.MaxPool2d(2)),
                    ("flat", nn.Flatten()),
                    ("head", nn.Linear(64, 3)),
                ]
            )
        ).eval(),
        lambda: [normal(2, 1, 10, 10)],
        {},
    ),
]


@pytest.mark.parametrize(
    ("factory", "inputs", "kwargs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_to_torch_agrees(factory: Callable[[], nn.Module], inputs: Any, kwargs: Any) -> None:
    mg.manual_seed(0)
    ours = randomize(factory())
    theirs = to_torch(ours)
    assert type(theirs).__name__ == type(ours).__name__
    assert [m.training for m in theirs.modules()] == [m.training for m in ours.modules()]
    same_state(ours.state_dict(), theirs.state_dict())
    agree(ours, theirs, inputs(), **kwargs)


@pytest.mark.parametrize(
    ("factory", "inputs", "kwargs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_from_torch_agrees(factory: Callable[[], nn.Module], inputs: Any, kwargs: Any) -> None:
    """A module PyTorch made (its own initialisation) converts and computes the same."""
    mg.manual_seed(0)
    torch.manual_seed(0)
    theirs = to_torch(factory()).double()
    with torch.no_grad():
        for p in theirs.parameters():
            p.normal_()
    ours = from_torch(theirs)
    assert [m.training for m in theirs.modules()] == [m.training for m in ours.modules()]
    same_state(ours.state_dict(), theirs.state_dict())
    agree(ours, theirs, inputs(), **kwargs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trips_keep_state_dicts_and_dtypes(dtype: Any) -> None:
    mg.manual_seed(0)
    model = nn.ModuleDict(
        {
            "encoder": nn.Sequential(
                nn.Conv1d(2, 3, 3, dtype=dtype), nn.BatchNorm1d(3, dtype=dtype)
            ),
            "heads": nn.ModuleList([nn.Linear(3, 1, dtype=dtype), nn.LayerNorm(3, dtype=dtype)]),
            "table": nn.Embedding(5, 3, dtype=dtype),
            "extra": nn.ParameterDict({"scale": nn.Parameter(np.ones(3, dtype=dtype))}),
            "more": nn.ParameterList([nn.Parameter(np.zeros((2, 2), dtype=dtype))]),
        }
    )
    randomize(model)
    model.heads.eval()
    theirs = to_torch(model)
    assert theirs["encoder"][0].weight.dtype == getattr(torch, np.dtype(dtype).name)
    assert not theirs["heads"].training and theirs["encoder"].training
    back = from_torch(theirs)
    same_state(model.state_dict(), theirs.state_dict())
    same_state(back.state_dict(), theirs.state_dict())
    assert [m.training for m in back.modules()] == [m.training for m in model.modules()]
    again = to_torch(back)
    same_state(back.state_dict(), again.state_dict())


def test_shared_modules_stay_shared() -> None:
    layer = nn.Linear(3, 3)
    theirs = to_torch(nn.Sequential(layer, nn.Tanh(), layer))
    assert theirs[0] is theirs[2]
    back = from_torch(theirs)
    assert back[0] is back[2]
    assert list(back.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_copies_are_independent() -> None:
    ours = nn.Linear(2, 2)
    before = ours.weight.data.copy()
    theirs = to_torch(ours)
    with torch.no_grad():
        theirs.weight.add_(1.0)
    np.testing.assert_array_equal(ours.weight.data, before)
    back = from_torch(theirs)
    with mg.no_grad():
        back.weight.add_(1.0)
    np.testing.assert_array_equal(theirs.weight.detach().numpy(), before + 1.0)


class Custom(nn.Module):
    def forward(self, x: Any) -> Any:
        return x


def test_unsupported_types_are_named() -> None:
    with pytest.raises(TypeError, match=r"to_torch: microgradnet\.nn\.neuron\.MLP has no "):
        to_torch(nn.MLP(2, [3, 1]))
    with pytest.raises(TypeError, match=r"to_torch: .*Custom has no counterpart"):
        to_torch(nn.Sequential(nn.Linear(2, 2), Custom()))

    class TorchCustom(torch.nn.Module):
        pass

    with pytest.raises(TypeError, match=r"from_torch: .*TorchCustom has no counterpart"):
        from_torch(TorchCustom())
    with pytest.raises(TypeError, match=r"from_torch: .*torch\.nn\.modules\.rnn\.LSTM"):
        from_torch(torch.nn.LSTM(2, 2))
    with pytest.raises(TypeError, match="Embedding with max_norm"):
        from_torch(torch.nn.Embedding(4, 2, max_norm=1.0))
    with pytest.raises(TypeError, match="MultiheadAttention with add_bias_kv"):
        from_torch(torch.nn.MultiheadAttention(4, 2, add_bias_kv=True))
    with pytest.raises(TypeError, match=r"Softmax with dim=None"):
        from_torch(torch.nn.Softmax())
    with pytest.raises(ValueError, match="AvgPool1d: PyTorch's AvgPool1d has no divisor_override"):
        to_torch(nn.AvgPool1d(2, divisor_override=3))
    with pytest.raises(TypeError, match=r"dtypes \['float16'\]"):
        from_torch(torch.nn.Linear(2, 2).half())


@pytest.mark.parametrize("convert", [to_torch, from_torch])
def test_without_torch_the_error_names_the_extra(
    convert: Callable[[Any], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(
        ModuleNotFoundError, match=r"needs torch.*pip install 'microgradnet\[parity\]'"
    ):
        convert(nn.Linear(1, 1))
