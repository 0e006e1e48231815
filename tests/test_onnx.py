"""ONNX export and load: the seed network, the moons MLP, a digits-sized CNN and a character GPT
export, pass `onnx.checker`, give onnxruntime's outputs (at another batch size than the example)
and round-trip through `load` with equal outputs and gradients; a model written by onnx's own
helpers (and one by PyTorch's exporter) loads and fine-tunes; ops without an ONNX form and
constants taken from the data are clear errors. Skipped without onnx and onnxruntime."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import microgradnet as mg  # noqa: E402
from examples.moons import tensor_mlp_like, value_mlp  # noqa: E402
from microgradnet import nn  # noqa: E402
from microgradnet import onnx as mg_onnx  # noqa: E402
from microgradnet.demo import seed_network  # noqa: E402
from microgradnet.nn import functional as F  # noqa: E402, N812

ORT_TOL = {np.float32: 1e-5, np.float64: 1e-9}


class Block(nn.Module):
    """A pre-norm transformer block: causal self-attention and a ReLU MLP, with residuals."""

    def __init__(self, width: int, heads: int, length: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width),
            nn.ReLU(),
            nn.Linear(4 * width, width),
        )
        self.mask = ~np.tril(np.ones((length, length), dtype=bool))

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        h = self.ln1(x)
        t = x.shape[1]
        x = x + self.attn(h, h, h, attn_mask=self.mask[:t, :t], need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class CharGPT(nn.Module):
    """A character-level GPT: token and position embeddings, blocks, a final norm, logits."""

    def __init__(self, vocab: int, width: int, heads: int, length: int) -> None:
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(length, width)
        self.blocks = nn.Sequential(*[Block(width, heads, length) for _ in range(2)])
        self.ln = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab)

    def forward(self, idx: Any) -> mg.Tensor:
        t = idx.shape[1]
        x = self.tokens(idx) + self.positions(np.arange(t))
        return self.head(self.ln(self.blocks(x)))


def _cast(model: nn.Module, dtype: Any) -> nn.Module:
    """``model`` with its parameters and floating buffers in ``dtype``. (Layers are built in
    float64 and cast: building them with dtype=float32 casts np.empty's leftover bytes, which
    can overflow, a RuntimeWarning.)"""
    for t in [*model.parameters(), *model.buffers()]:
        if np.issubdtype(t.data.dtype, np.floating):
            t.data = t.data.astype(dtype)
    return model


def _cnn() -> nn.Module:
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 10),
    )
    rng = np.random.default_rng(5)
    model.load_state_dict(
        {
            **model.state_dict(),
            "1.running_mean": rng.normal(size=8),
            "1.running_var": rng.uniform(0.5, 2.0, 8),
        }
    )
    return model


def _floats(*shape: int, dtype: Any, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def _tokens(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 11, size=shape)


#: name, model factory, example inputs (batch 3), other inputs (batch 5)
MODELS: list[tuple[str, Callable[[Any], nn.Module], Callable[..., np.ndarray]]] = [
    (
        "seed",
        lambda dt: _cast(seed_network(0), dt),
        lambda n, dt, s: np.random.default_rng(s).integers(0, 2, (n, 3)).astype(dt),
    ),
    (
        "moons",
        lambda dt: _cast(tensor_mlp_like(value_mlp(0)), dt),
        lambda n, dt, s: _floats(n, 2, dtype=dt, seed=s),
    ),
    ("cnn", lambda dt: _cast(_cnn(), dt), lambda n, dt, s: _floats(n, 1, 8, 8, dtype=dt, seed=s)),
    ("gpt", lambda dt: _cast(CharGPT(11, 16, 2, 8), dt), lambda n, dt, s: _tokens(n, 6, seed=s)),
]


def _ort_runs(name: str, dtype: Any) -> bool:
    """Whether onnxruntime's CPU provider has kernels for the model in ``dtype``: it has no
    float64 convolution."""
    return not (name == "cnn" and dtype == np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "factory", "inputs"), MODELS, ids=[m[0] for m in MODELS])
def test_models_export_run_and_round_trip(
    name: str, factory: Any, inputs: Any, dtype: Any, tmp_path: Path
) -> None:
    mg.manual_seed(0)
    model = factory(dtype)
    assert all(p.dtype == dtype for p in model.parameters())
    path = tmp_path / f"{name}.onnx"
    mg_onnx.export(model, inputs(3, dtype, 0), path, dynamic_axes={"input": {0: "batch"}})
    model.eval()
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert [i.name for i in proto.graph.initializer] == [n for n, _ in model.named_parameters()]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"

    x = inputs(5, dtype, 1)
    want = model(mg.tensor(x))
    assert want.dtype == dtype
    if _ort_runs(name, dtype):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        (got,) = session.run(None, {"input": x})
        assert got.dtype == dtype
        tol = ORT_TOL[dtype]
        np.testing.assert_allclose(got, want.data, rtol=tol, atol=tol)

    loaded = mg_onnx.load(path)
    mine = dict(model.named_parameters())
    theirs = dict(loaded.named_parameters())
    assert list(theirs) == list(mine)
    floats = np.issubdtype(x.dtype, np.floating)
    xa, xb = mg.tensor(x, requires_grad=floats), mg.tensor(x, requires_grad=floats)
    a, b = model(xa), loaded(xb)
    np.testing.assert_allclose(
        b.data,
        a.data,
        rtol=1e-12 if dtype == np.float64 else 1e-6,
        atol=1e-12 if dtype == np.float64 else 1e-6,
    )
    g = _floats(*a.shape, dtype=dtype, seed=2)
    a.backward(g)
    b.backward(g)
    pairs = [(xa.grad, xb.grad)] if floats else []
    pairs += [(mine[k].grad, theirs[k].grad) for k in mine]
    tol = 1e-10 if dtype == np.float64 else 1e-4
    for ga, gb in pairs:
        assert ga is not None and gb is not None and ga.dtype == gb.dtype == dtype
        np.testing.assert_allclose(gb, ga, rtol=tol, atol=tol)


def _helper_mlp(dtype: Any = np.float32) -> Any:
    """A 3-8-1 tanh MLP written with onnx.helper alone (Gemm, Tanh), as another tool would."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.normal(size=(8, 3)).astype(dtype) * 0.5, "fc1.weight"),
        numpy_helper.from_array(np.zeros(8, dtype), "fc1.bias"),
        numpy_helper.from_array(rng.normal(size=(1, 8)).astype(dtype) * 0.5, "fc2.weight"),
        numpy_helper.from_array(np.zeros(1, dtype), "fc2.bias"),
    ]
    nodes = [
        helper.make_node("Gemm", ["x", "fc1.weight", "fc1.bias"], ["h"], transB=1),
        helper.make_node("Tanh", ["h"], ["a"]),
        helper.make_node("Gemm", ["a", "fc2.weight", "fc2.bias"], ["y"], transB=1),
    ]
    kind = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", kind, ["n", 3])],
        [helper.make_tensor_value_info("y", kind, ["n", 1])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def _fine_tune(model: nn.Module, x: np.ndarray, y: np.ndarray) -> list[float]:
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = F.mse_loss(model(x), mg.tensor(y))
        loss.backward()
        assert all(p.grad is not None and np.any(p.grad) for p in model.parameters())
        opt.step()
        losses.append(float(loss.item()))
    return losses


def test_a_model_written_with_onnx_helpers_loads_and_fine_tunes(tmp_path: Path) -> None:
    path = tmp_path / "mlp.onnx"
    onnx.save(_helper_mlp(), str(path))
    model = mg_onnx.load(path)
    assert [n for n, _ in model.named_parameters()] == [
        "fc1.weight",
        "fc1.bias",
        "fc2.weight",
        "fc2.bias",
    ]
    x = np.random.default_rng(1).normal(size=(32, 3)).astype(np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(model(x).data, session.run(None, {"x": x})[0], rtol=1e-5, atol=1e-6)
    y = np.sin(x.sum(axis=1, keepdims=True))
    losses = _fine_tune(model, x, y)
    assert losses[-1] < 0.5 * losses[0]
    # The fine-tuned weights export again, and onnxruntime agrees with them.
    again = tmp_path / "tuned.onnx"
    mg_onnx.export(model, x, again, dynamic_axes={"input": [0]})
    (got,) = ort.InferenceSession(str(again), providers=["CPUExecutionProvider"]).run(
        None, {"input": x[:7]}
    )
    np.testing.assert_allclose(got, model(x[:7]).data, rtol=1e-5, atol=1e-6)


def test_a_model_exported_by_pytorch_loads_and_fine_tunes(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(36, 1),
    ).eval()
    x = np.random.default_rng(2).normal(size=(8, 1, 8, 8)).astype(np.float32)
    path = tmp_path / "torch.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter is deprecated, and works
        torch.onnx.export(
            net,
            (torch.from_numpy(x),),
            str(path),
            dynamo=False,
            input_names=["x"],
            dynamic_axes={"x": {0: "n"}},
        )
    model = mg_onnx.load(path)
    np.testing.assert_allclose(
        model(x).data, net(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5
    )
    y = np.random.default_rng(3).normal(size=(8, 1)).astype(np.float32)
    losses = _fine_tune(model, x, y)
    assert losses[-1] < 0.5 * losses[0]


def test_opset_13_and_reductions(tmp_path: Path) -> None:
    class Reductions(nn.Module):
        def forward(self, x: mg.Tensor) -> mg.Tensor:
            return x.amax(dim=1) + x.amin(dim=-1) * x.sum(dim=1) - x[:, 1:3].mean(dim=1) + x[:, 0]

    x = _floats(4, 5, dtype=np.float64)
    for opset in (13, 18):
        path = tmp_path / f"r{opset}.onnx"
        mg_onnx.export(Reductions(), x, path, opset=opset, dynamic_axes={"input": {0: "b"}})
        (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
            None, {"input": x[:2]}
        )
        np.testing.assert_allclose(got, Reductions()(mg.tensor(x[:2])).data, rtol=1e-12)
    with pytest.raises(ValueError, match=r"opset 9 is outside \[13, "):
        mg_onnx.export(Reductions(), x, tmp_path / "old.onnx", opset=9)


class Functional(nn.Module):
    def __init__(self, fn: Callable[[mg.Tensor], mg.Tensor]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.fn(x)


def test_an_op_without_onnx_form_is_named(tmp_path: Path) -> None:
    class Cube(mg.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

    with pytest.raises(ValueError, match="export: the op Cube has no ONNX form; exportable ops"):
        mg_onnx.export(
            Functional(lambda x: Cube.apply(x)),
            _floats(2, 3, dtype=np.float64),
            tmp_path / "cube.onnx",
        )


def test_constants_taken_from_the_data_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"the op getitem .*changes with the input's values"):
        mg_onnx.export(
            Functional(lambda x: F.max_pool1d(x, 2)),
            _floats(2, 3, 6, dtype=np.float64),
            tmp_path / "f.onnx",
        )


def test_leaky_relu_as_a_function_exports_as_the_onnx_operator(tmp_path: Path) -> None:
    x = _floats(2, 3, 6, dtype=np.float64)
    path = tmp_path / "leaky.onnx"
    # ONNX keeps the slope as a float32 attribute: 0.125 is exact there.
    mg_onnx.export(Functional(lambda t: F.leaky_relu(t, 0.125)), x, path)
    assert [n.op_type for n in onnx.load(str(path)).graph.node] == ["LeakyRelu"]
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input": x}
    )
    np.testing.assert_allclose(got, F.leaky_relu(mg.tensor(x), 0.125).data, rtol=1e-12)


def test_layers_that_choose_by_value_export_whole(tmp_path: Path) -> None:
    model = nn.Sequential(nn.LeakyReLU(0.1), nn.MaxPool1d(2), nn.AdaptiveMaxPool1d(1))
    x = _floats(2, 3, 6, dtype=np.float32)
    path = tmp_path / "layers.onnx"
    mg_onnx.export(model, x, path, dynamic_axes={"input": {0: "b"}})
    kinds = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert {"LeakyRelu", "MaxPool", "GlobalMaxPool"} <= set(kinds)
    other = _floats(4, 3, 6, dtype=np.float32, seed=3)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input": other}
    )
    np.testing.assert_allclose(got, model(mg.tensor(other)).data, rtol=1e-6)
    np.testing.assert_allclose(
        mg_onnx.load(path)(other).data, model(mg.tensor(other)).data, rtol=1e-6
    )


def test_export_restores_training_mode_and_checks_names(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    mg_onnx.export(model, _floats(3, 2, dtype=np.float64), tmp_path / "d.onnx")
    assert model.training and model[1].training
    with pytest.raises(ValueError, match=r"dynamic_axes names \['x'\]"):
        mg_onnx.export(
            model, _floats(3, 2, dtype=np.float64), tmp_path / "e.onnx", dynamic_axes={"x": [0]}
        )


def test_load_names_unsupported_operators(tmp_path: Path) -> None:
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Erf", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
    )
    path = tmp_path / "erf.onnx"
    onnx.save(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8),
        str(path),
    )
    with pytest.raises(ValueError, match=r"load: the operators \['Erf'\] are not supported"):
        mg_onnx.load(path)


@pytest.mark.parametrize("entry", ["export", "load"])
def test_without_onnx_the_error_names_the_extra(
    entry: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'microgradnet\[onnx\]'"):
        if entry == "export":
            mg_onnx.export(nn.Linear(1, 1), np.zeros((1, 1)), tmp_path / "m.onnx")
        else:
            mg_onnx.load(tmp_path / "m.onnx")
