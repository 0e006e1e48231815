"""Checkpoints: exact round trips of nested data, models and optimizers; what cannot be saved."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet.checkpoint import atomic


def assert_same(a: Any, b: Any) -> None:
    """Equal values of the same types, arrays with the same dtype and shape, all the way down."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert type(k) is type(next(x for x in b if x == k))
            assert_same(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, np.ndarray | np.generic):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


NESTED = {
    "float64": np.linspace(-1, 1, 6).reshape(2, 3),
    "float32": np.arange(4, dtype=np.float32),
    "int8": np.array([-3, 7], dtype=np.int8),
    "bool": np.array([[True], [False]]),
    "empty": np.zeros((0, 3)),
    "zero-d": np.array(2.5),
    "numpy scalar": np.float32(1.25),
    "uint64": np.array([2**64 - 1], dtype=np.uint64),
    "float16": np.array([0.5, -2], dtype=np.float16),
    "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    "big-endian": np.arange(3, dtype=">i4"),
    "python": {"int": 10**30, "float": 0.1, "nan": float("nan"), "inf": -float("inf")},
    "flags": [True, False, None, "text"],
    "tuple": (1, (2.0, np.ones(2)), []),
    "int keys": {0: {"step": 3}, 7: "seven"},
    "awkward/key%2F": {"": np.zeros(1), "/": np.ones(1)},
    "empty dict": {},
}


def test_round_trip_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    mg.save(NESTED, path)
    assert_same(mg.load(path), NESTED)


@pytest.mark.parametrize("obj", [np.arange(3), [np.eye(2), 1], 4.5, "x", None])
def test_other_roots(tmp_path: Path, obj: Any) -> None:
    mg.save(obj, tmp_path / "c.npz")
    assert_same(mg.load(tmp_path / "c.npz"), obj)


def test_arrays_are_members_named_by_key_path(tmp_path: Path) -> None:
    mg.save(
        {"model": {"0.weight": np.eye(2)}, "optimizer": {"state": {0: np.ones(1)}}}, tmp_path / "c"
    )
    with np.load(tmp_path / "c", allow_pickle=False) as archive:
        assert sorted(archive.files) == ["%manifest", "model/0.weight", "optimizer/state/0"]


def test_model_and_optimizer_state_round_trip(tmp_path: Path) -> None:
    w = mg.tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    v = mg.Value(0.5)
    opt = mg.optim.Adam([{"params": [w]}, {"params": [v], "lr": 0.1}], weight_decay=0.01)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        (v * v * 3.0).backward()
        opt.step()
    checkpoint = {"weights": {"w": w.numpy().copy(), "v": v.data}, "optimizer": opt.state_dict()}
    mg.save(checkpoint, tmp_path / "c.npz")
    loaded = mg.load(tmp_path / "c.npz")
    assert_same(loaded, checkpoint)
    opt2 = mg.optim.Adam([{"params": [w]}, {"params": [v]}])
    opt2.load_state_dict(loaded["optimizer"])
    assert_same(opt2.state_dict(), opt.state_dict())


def test_a_pickled_npz_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, weight=np.ones(2), payload=np.array([{"code": 1}], dtype=object))
    with pytest.raises(mg.CheckpointError, match=r"member 'payload.npy'.*object.*pickle"):
        mg.load(path)


def test_a_pickle_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"weight": [1.0]}))
    with pytest.raises(mg.CheckpointError, match=r"is a Python pickle.*loading a pickle runs code"):
        mg.load(path)


def test_a_plain_npz_loads_as_a_dict_of_arrays(tmp_path: Path) -> None:
    np.savez(tmp_path / "plain.npz", a=np.arange(3), b=np.eye(2, dtype=np.float32))
    assert_same(
        mg.load(tmp_path / "plain.npz"), {"a": np.arange(3), "b": np.eye(2, dtype=np.float32)}
    )


def test_a_npy_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.zeros((2, 2)))
    with pytest.raises(
        mg.CheckpointError, match=r"one array of shape \(2, 2\) \(.npy\), not a checkpoint"
    ):
        mg.load(tmp_path / "a.npy")


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"w": mg.tensor([1.0])}, "key path 'w' is a Tensor.*save tensor.numpy"),
        ({"a": [np.array([None])]}, "array at key path 'a'/0 has dtype object .*pickle"),
        ({"s": np.array(["a", "bé"])}, "array at key path 's' has dtype <U2 \\(strings"),
        ({"b": [np.bytes_(b"x")]}, "array at key path 'b'/0 has dtype \\|S1 \\(byte strings"),
        ({"c": {"z": np.array([1j])}}, "key path 'c'/'z' has dtype complex128 \\(complex"),
        ({"c": np.complex64(1)}, "key path 'c' has dtype complex64"),
        ({"r": np.zeros(2, [("x", "f8")])}, "key path 'r' has dtype .* \\(record fields"),
        ({"t": np.array(["2020-01-01"], "M8[D]")}, "key path 't' has dtype datetime64\\[D\\]"),
        ({"m": np.ma.masked_array([1.0, 2.0], mask=[0, 1])}, "key path 'm' is a masked array"),
        ({(1, 2): 1}, "the key \\(1, 2\\) at the top level is a tuple"),
        ({"s": {1, 2}}, "key path 's' is a set"),
        ({0: np.ones(1), "0": np.ones(1)}, "both give the member name"),
    ],
)
def test_what_cannot_be_saved_is_named(tmp_path: Path, obj: Any, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        mg.save(obj, tmp_path / "c.npz")
    assert list(tmp_path.iterdir()) == []


def test_nesting_is_limited_to_what_loading_accepts(tmp_path: Path) -> None:
    deepest: Any = np.ones(1)
    for _ in range(100):
        deepest = {"k": deepest}
    mg.save(deepest, tmp_path / "c.npz")
    assert_same(mg.load(tmp_path / "c.npz"), deepest)
    with pytest.raises(ValueError, match=r"nested more than 100 levels deep"):
        mg.save([deepest], tmp_path / "c.npz")


def test_a_container_holding_itself_is_refused(tmp_path: Path) -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match=r"does a container contain itself"):
        mg.save(loop, tmp_path / "c.npz")


def test_an_interrupted_save_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.npz"
    mg.save({"epoch": 1, "w": np.zeros(3)}, path)
    before = path.read_bytes()
    write_array = np.lib.format.write_array
    calls = []

    def fail_on_the_second_array(fp: Any, array: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(array)
        if len(calls) == 2:
            raise OSError("disk full")
        write_array(fp, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", fail_on_the_second_array)
    with pytest.raises(OSError, match=r"disk full"):
        mg.save({"epoch": 2, "w": np.ones(3), "b": np.ones(2)}, path)
    assert len(calls) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]  # no temporary file left
    assert path.read_bytes() == before
    assert_same(mg.load(path), {"epoch": 1, "w": np.zeros(3)})


def test_save_flushes_to_disk_before_replacing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.npz"
    order: list[str] = []
    real_fsync, real_replace = atomic.os.fsync, atomic.os.replace
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (order.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(
        atomic.os, "replace", lambda a, b: (order.append("replace"), real_replace(a, b))
    )
    mg.save({"x": 1}, path)
    assert order[:2] == ["fsync", "replace"]
    assert mg.load(path) == {"x": 1}


def tensor_model(seed: int) -> mg.nn.Sequential:
    mg.manual_seed(seed)
    return mg.nn.Sequential(mg.nn.Linear(3, 5), mg.nn.ReLU(), mg.nn.Linear(5, 2))


def train_steps(model: mg.nn.Module, opt: mg.optim.Optimizer, x: np.ndarray, steps: int) -> None:
    for _ in range(steps):
        opt.zero_grad()
        (model(mg.tensor(x)) ** 2).sum().backward()
        opt.step()


def test_a_checkpoint_resumes_model_and_optimizer_exactly(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(8, 3))
    model = tensor_model(0)
    opt = mg.optim.Adam(model.parameters(), lr=0.01)
    train_steps(model, opt, x, 3)
    path = tmp_path / "checkpoint.npz"
    mg.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, path)
    train_steps(model, opt, x, 2)

    checkpoint = mg.load(path)
    assert checkpoint["epoch"] == 3
    resumed = tensor_model(1)
    resumed_opt = mg.optim.Adam(resumed.parameters(), lr=0.5)
    resumed.load_state_dict(checkpoint["model"])
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    train_steps(resumed, resumed_opt, x, 2)
    for a, b in zip(model.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_value_mlp_round_trips(tmp_path: Path) -> None:
    mg.manual_seed(0)
    model = mg.nn.MLP(2, [3, 1])
    mg.save(model.state_dict(), tmp_path / "mlp.npz")
    mg.manual_seed(1)
    other = mg.nn.MLP(2, [3, 1])
    other.load_state_dict(mg.load(tmp_path / "mlp.npz"))
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]


def test_loading_into_a_different_model_names_the_differences(tmp_path: Path) -> None:
    mg.save(tensor_model(0).state_dict(), tmp_path / "c.npz")
    state = mg.load(tmp_path / "c.npz")
    wider = mg.nn.Sequential(mg.nn.Linear(3, 6), mg.nn.ReLU(), mg.nn.Linear(6, 2), mg.nn.Tanh())
    with pytest.raises(RuntimeError, match=r"0.weight \(state \(5, 3\), model \(6, 3\)\)"):
        wider.load_state_dict(state)
    deeper = mg.nn.Sequential(
        mg.nn.Linear(3, 5), mg.nn.ReLU(), mg.nn.Identity(), mg.nn.Linear(5, 2)
    )
    with pytest.raises(RuntimeError) as error:
        deeper.load_state_dict(state)
    assert "missing keys: 3.weight, 3.bias" in str(error.value)
    assert "unexpected keys: 2.weight, 2.bias" in str(error.value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (np.array([None, None, None], dtype=object), r"bias \(state dtype object, model float64\)"),
        (np.array(["a", "b", "c"]), r"bias \(state dtype <U1, model float64\)"),
        (np.array([1j, 2, 3]), r"bias \(state dtype complex128, model float64\)"),
        (np.array([True, False, True]), r"bias \(state dtype bool, model float64\)"),
        (np.ma.masked_array([1.0, 2, 3], mask=[0, 1, 0]), r"bias \(a masked array, whose mask"),
        ([[1.0], [2.0, 3.0]], r"bias \(not an array: .*inhomogeneous"),
    ],
)
def test_load_state_dict_refuses_values_of_the_wrong_dtype_by_key(value: Any, problem: str) -> None:
    layer = mg.nn.Linear(2, 3)
    before = layer.state_dict()
    with pytest.raises(
        RuntimeError, match=r"load_state_dict of Linear: dtype mismatches: " + problem
    ):
        layer.load_state_dict({"weight": np.zeros((3, 2)), "bias": value})
    assert_same(layer.state_dict(), before)  # nothing was copied


def test_load_state_dict_accepts_integers_and_other_float_widths() -> None:
    layer = mg.nn.Linear(2, 3, dtype=np.float32)
    layer.load_state_dict({"weight": np.ones((3, 2), dtype=np.float64), "bias": np.arange(3)})
    assert layer.weight.dtype == np.float32 and layer.bias.numpy().tolist() == [0.0, 1.0, 2.0]


def test_load_state_dict_checks_value_parameters_too() -> None:
    neuron = mg.nn.Neuron(2)
    state = neuron.state_dict()
    state[next(iter(state))] = np.array("1.5")
    with pytest.raises(
        RuntimeError, match=r"dtype mismatches: .* \(state dtype <U3, model float64\)"
    ):
        neuron.load_state_dict(state)
