"""``.safetensors`` files: chosen by suffix, readable without PyTorch, interchangeable with it."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import microgradnet as mg

safetensors_numpy = pytest.importorskip("safetensors.numpy")

STATE = {
    "layer.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
    "layer.bias": np.array([0.5, -1.0]),
    "steps": np.array(7, dtype=np.int64),
    "mask": np.array([True, False]),
    "half": np.array([1.5], dtype=np.float16),
    "empty": np.zeros((0, 4), dtype=np.uint8),
}


def assert_same_arrays(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        np.testing.assert_array_equal(a[k], b[k])


def test_a_state_dict_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    mg.save(STATE, path)
    assert path.read_bytes()[8:9] == b"{"  # the safetensors layout, not a zip
    assert_same_arrays(mg.load(path), STATE)
    assert_same_arrays(safetensors_numpy.load_file(path), STATE)


def test_the_suffix_is_case_insensitive_and_other_suffixes_stay_npz(tmp_path: Path) -> None:
    mg.save(STATE, tmp_path / "W.SafeTensors")
    assert (tmp_path / "W.SafeTensors").read_bytes()[8:9] == b"{"
    mg.save(STATE, tmp_path / "w.bin")
    assert (tmp_path / "w.bin").read_bytes()[:2] == b"PK"


def test_non_contiguous_and_big_endian_arrays_are_saved_by_value(tmp_path: Path) -> None:
    state = {
        "t": np.arange(6.0).reshape(2, 3).T,
        "be": np.arange(3, dtype=">i4"),
        "s": np.ones(8)[::2],
    }
    mg.save(state, tmp_path / "w.safetensors")
    loaded = mg.load(tmp_path / "w.safetensors")
    for k, v in state.items():
        np.testing.assert_array_equal(loaded[k], v)


def test_a_file_written_by_safetensors_numpy_loads(tmp_path: Path) -> None:
    safetensors_numpy.save_file(STATE, tmp_path / "w.safetensors", metadata={"by": "numpy"})
    assert_same_arrays(mg.load(tmp_path / "w.safetensors"), STATE)


def test_a_file_written_by_pytorch_loads_without_pytorch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    tensors = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "n": torch.tensor([3])}
    safetensors_torch.save_file(tensors, tmp_path / "w.safetensors")
    monkeypatch.setitem(sys.modules, "torch", None)  # any import of torch now fails
    loaded = mg.load(tmp_path / "w.safetensors")
    assert_same_arrays(
        loaded, {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "n": np.array([3])}
    )


def test_pytorch_weights_load_into_linear_with_equal_outputs(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    theirs = torch.nn.Linear(4, 3).double()
    safetensors_torch.save_file(theirs.state_dict(), tmp_path / "w.safetensors")
    ours = mg.nn.Linear(4, 3)
    ours.load_state_dict(mg.load(tmp_path / "w.safetensors"))
    x = np.random.default_rng(0).normal(size=(5, 4))
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())
    np.testing.assert_array_equal(ours.bias.numpy(), theirs.bias.detach().numpy())
    # The same weights; the products may differ in the last bit (summation order).
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), expected, rtol=1e-12, atol=1e-15)


def test_microgradnet_weights_load_into_pytorch_with_equal_outputs(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    mg.manual_seed(0)
    ours = mg.nn.Sequential(mg.nn.Linear(4, 3), mg.nn.Tanh(), mg.nn.Linear(3, 2))
    mg.save(ours.state_dict(), tmp_path / "w.safetensors")
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2))
    theirs.double().load_state_dict(safetensors_torch.load_file(tmp_path / "w.safetensors"))
    x = np.random.default_rng(0).normal(size=(5, 4))
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    for (name, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_array_equal(a, b.numpy(), err_msg=name)
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), expected, rtol=1e-12, atol=1e-15)


def test_a_value_mlp_round_trips(tmp_path: Path) -> None:
    mg.manual_seed(0)
    model = mg.nn.MLP(2, [3, 1])
    mg.save(model.state_dict(), tmp_path / "mlp.safetensors")
    mg.manual_seed(1)
    other = mg.nn.MLP(2, [3, 1])
    other.load_state_dict(mg.load(tmp_path / "mlp.safetensors"))
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            {"model": {"0.weight": np.ones(2)}},
            r"'model' is a dict, but a .safetensors file holds only arrays.*\.npz",
        ),
        ({"epoch": 3}, "'epoch' is a int, but a .safetensors file holds only arrays"),
        ({"w": mg.tensor([1.0])}, "'w' is a Tensor"),
        ({0: np.ones(1)}, "the key 0 is a int; a .safetensors file names its arrays by strings"),
        ([np.ones(1)], "holds a mapping of names to arrays, not a list"),
        ({"c": np.array([1j])}, r"the array 'c' has dtype complex128 \(complex"),
        ({"s": np.array(["a"])}, r"the array 's' has dtype <U1 \(strings"),
        ({"o": np.array([None])}, r"the array 'o' has dtype object"),
        ({"m": np.ma.masked_array([1.0], mask=[1])}, "the array 'm' is a masked array"),
    ],
)
def test_what_safetensors_cannot_hold_is_named(tmp_path: Path, obj: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        mg.save(obj, tmp_path / "w.safetensors")
    assert list(tmp_path.iterdir()) == []


def crafted(path: Path, header: Any, data: bytes = b"") -> Path:
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)
    return path


@pytest.mark.parametrize(
    ("make", "member", "message"),
    [
        (lambda p: p.write_bytes(b""), None, r"the file is empty \(0 bytes\)"),
        (lambda p: p.write_bytes(b"\x07"), None, "not a valid safetensors file"),
        (
            lambda p: (
                mg.save({"w": np.ones(2)}, p.with_suffix(".npz"))
                or p.write_bytes(p.with_suffix(".npz").read_bytes())
            ),
            None,
            "a zip archive .* not a safetensors file",
        ),
        (
            lambda p: p.write_bytes(b"\x80\x04junk-pickle"),
            None,
            "is a Python pickle.*loading a pickle runs code",
        ),
        (lambda p: p.write_bytes(struct.pack("<Q", 10**15)), None, "header too large"),
        (
            lambda p: crafted(
                p, {"w": {"dtype": "F64", "shape": [10**12], "data_offsets": [0, 8]}}, bytes(8)
            ),
            None,
            "invalid shape, data type, or offset",
        ),
        (
            lambda p: crafted(
                p, {"w": {"dtype": "F64", "shape": [-1], "data_offsets": [0, 8]}}, bytes(8)
            ),
            None,
            "invalid JSON in header",
        ),
        (
            lambda p: crafted(
                p, {"w": {"dtype": "F64", "shape": [4], "data_offsets": [0, 32]}}, bytes(8)
            ),
            None,
            "invalid|incomplete",
        ),
        (lambda p: crafted(p, [1, 2]), None, "invalid JSON in header"),
        (lambda p: crafted(p, {"w": 5}), None, "invalid JSON in header"),
        (
            lambda p: p.write_bytes(struct.pack("<Q", 100_000) + b"[" * 100_000),
            None,
            "invalid JSON in header",
        ),
        (
            lambda p: crafted(
                p, {"w": {"dtype": "BF16", "shape": [4], "data_offsets": [0, 8]}}, bytes(8)
            ),
            "w",
            "dtype BF16, which numpy cannot hold",
        ),
        (
            lambda p: crafted(
                p, {"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, bytes(8)
            ),
            "w",
            "dtype C64",
        ),
    ],
)
def test_a_malformed_safetensors_file_raises_a_checkpoint_error(
    tmp_path: Path, make: Any, member: str | None, message: str
) -> None:
    path = tmp_path / "w.safetensors"
    make(path)
    with pytest.raises(mg.CheckpointError, match=message) as error:
        mg.load(path)
    assert error.value.path == str(path) and error.value.member == member


def test_without_the_package_the_error_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mg.save(STATE, tmp_path / "w.safetensors")
    for name in ["safetensors", "safetensors.numpy"]:
        monkeypatch.setitem(sys.modules, name, None)
    for action in (
        lambda: mg.load(tmp_path / "w.safetensors"),
        lambda: mg.save(STATE, tmp_path / "v.safetensors"),
    ):
        with pytest.raises(ModuleNotFoundError, match=r"pip install 'microgradnet\[interop\]'"):
            action()
    mg.save(STATE, tmp_path / "w.npz")  # the .npz format needs no extra
    assert_same_arrays(mg.load(tmp_path / "w.npz"), STATE)


def test_a_pytorch_pt_file_is_still_refused(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "w.pt")
    with pytest.raises(mg.CheckpointError, match=r"PyTorch checkpoint.*pickle.*safetensors"):
        mg.load(tmp_path / "w.pt")
