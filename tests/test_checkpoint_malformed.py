"""Malformed, hostile and foreign files: `mg.load` raises `CheckpointError` naming the file, the
member and what is wrong, never numpy's or Python's internal errors, and never inflates memory."""

from __future__ import annotations

import io
import json
import pickle
import struct
import tempfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgradnet as mg

MANIFEST = "%manifest.npy"


def npy(descr: Any, shape: Any, data: bytes = b"", header: str | None = None) -> bytes:
    """An ``.npy`` member with the header as given (numpy would refuse to write most of these)."""
    text = (
        header
        if header is not None
        else repr({"descr": descr, "fortran_order": False, "shape": shape})
    )
    raw = text.encode("latin1")
    raw += b" " * (64 - (10 + len(raw) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(raw)) + raw + data


def array_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def manifest(obj: Any) -> bytes:
    return array_bytes(np.array(json.dumps(obj)))


def checkpoint(root: Any, **members: bytes) -> dict[str, bytes]:
    """Members of a checkpoint whose manifest has the given root."""
    return {MANIFEST: manifest({"format": "microgradnet", "version": 1, "root": root}), **members}


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def good_file(path: Path) -> Path:
    mg.save({"w": np.arange(6.0).reshape(2, 3), "epoch": 3}, path)
    return path


def deep_manifest(levels: int) -> bytes:
    text = '{"format": "microgradnet", "version": 1, "root": '
    text += '{"list": [' * levels + "1" + "]}" * levels + "}"
    return array_bytes(np.array(text))


# (what the file is, how to make it, the member named, what the message must say)
CASES: list[tuple[str, Callable[[Path], Any], str | None, str]] = [
    ("empty", lambda p: p.write_bytes(b""), None, r"the file is empty \(0 bytes\)"),
    (
        "truncated to half",
        lambda p: p.write_bytes(good_file(p).read_bytes()[: p.stat().st_size // 2]),
        None,
        "truncated or damaged: its zip directory",
    ),
    (
        "truncated by one byte",
        lambda p: p.write_bytes(good_file(p).read_bytes()[:-1]),
        None,
        "truncated or damaged",
    ),
    ("text", lambda p: p.write_text("epoch 3\n"), None, "not a microgradnet checkpoint.*b'epoch 3"),
    (
        "pickle",
        lambda p: p.write_bytes(pickle.dumps({"w": [1.0]})),
        None,
        "is a Python pickle.*refused, because loading a pickle runs code.*safetensors",
    ),
    (
        "PyTorch zip",
        lambda p: write_zip(
            p,
            {
                "model/data.pkl": pickle.dumps({"w": 1}),
                "model/version": b"3\n",
                "model/data/0": b"",
            },
        ),
        None,
        r"PyTorch checkpoint \(torch.save\), whose member 'model/data.pkl' is a pickle: refused, "
        r"because loading a pickle runs code.*safetensors.torch.save_file",
    ),
    (
        "zip of other files",
        lambda p: write_zip(p, {"readme.txt": b"hi"}),
        "readme.txt",
        "not an .npy array, so the file is not a checkpoint",
    ),
    (
        "safetensors under another name",
        lambda p: p.write_bytes(struct.pack("<Q", 2) + b"{}"),
        None,
        "looks like a safetensors file; name it",
    ),
    (
        "absurd shape",
        lambda p: write_zip(p, checkpoint({"array": "w"}, **{"w.npy": npy("<f8", (10**12,) * 2)})),
        "w.npy",
        r"declares float64 of shape \(1000000000000, 1000000000000\) \(8000000000000000000000000 "
        r"bytes\), but the member holds 0 bytes",
    ),
    (
        "negative shape",
        lambda p: write_zip(p, checkpoint({"array": "w"}, **{"w.npy": npy("<f8", (-5,))})),
        "w.npy",
        r"declares the shape \(-5,\)",
    ),
    (
        "shape larger than the data",
        lambda p: write_zip(
            p, checkpoint({"array": "w"}, **{"w.npy": npy("<f8", (1000,), bytes(80))})
        ),
        "w.npy",
        r"shape \(1000,\) \(8000 bytes\), but the member holds 80 bytes",
    ),
    (
        "shape smaller than the data",
        lambda p: write_zip(
            p, checkpoint({"array": "w"}, **{"w.npy": npy("<f8", (2,), bytes(80))})
        ),
        "w.npy",
        r"shape \(2,\) \(16 bytes\), but the member holds 80 bytes",
    ),
    (
        "shape of strings",
        lambda p: write_zip(p, checkpoint({"array": "w"}, **{"w.npy": npy("<f8", ("a",))})),
        "w.npy",
        r"\.npy header is malformed: shape is not valid",
    ),
    (
        "header not a dict",
        lambda p: write_zip(p, checkpoint({"array": "w"}, **{"w.npy": npy(0, 0, header="[1]")})),
        "w.npy",
        r"\.npy header is malformed: Header is not a dictionary",
    ),
    (
        "header nested deeply",
        lambda p: write_zip(
            p, checkpoint({"array": "w"}, **{"w.npy": npy(0, 0, header="[" * 5000 + "]" * 5000)})
        ),
        "w.npy",
        r"\.npy header is malformed",
    ),
    (
        "header cut short",
        lambda p: write_zip(p, checkpoint({"array": "w"}, **{"w.npy": b"\x93NUMPY\x01\x00\xff"})),
        "w.npy",
        r"\.npy header is malformed",
    ),
    (
        "bad magic",
        lambda p: write_zip(p, checkpoint({"array": "w"}, **{"w.npy": b"NOTNUMPY" + bytes(64)})),
        "w.npy",
        r"\.npy header is malformed: the magic string is not correct",
    ),
    (
        "object dtype",
        lambda p: write_zip(p, checkpoint({"array": "w"}, **{"w.npy": npy("|O", (1,), bytes(8))})),
        "w.npy",
        r"dtype object \(Python objects, which only a pickle can store",
    ),
    *[
        (
            f"{kind} dtype",
            lambda p, arr=arr: write_zip(
                p, checkpoint({"array": "w"}, **{"w.npy": array_bytes(arr)})
            ),
            "w.npy",
            f"the array has dtype {message}",
        )
        for kind, arr, message in [
            ("string", np.array(["abc"]), r"<U3 \(strings"),
            ("bytes", np.array([b"abc"]), r"\|S3 \(byte strings"),
            ("complex", np.array([1 + 2j]), r"complex128 \(complex numbers"),
            ("structured", np.zeros(2, [("a", "<f8")]), r"\[\('a', '<f8'\)\] \(record fields"),
            ("datetime", np.array(["2020-01-01"], "M8[s]"), r"datetime64\[s\] \(dates"),
            ("timedelta", np.array([1], "m8[s]"), r"timedelta64\[s\] \(time spans"),
        ]
    ],
    (
        "string array in a plain npz",
        lambda p: np.savez(p, s=np.array(["x"])),
        "s.npy",
        r"dtype <U1 \(strings",
    ),
    (
        "compressed member",
        lambda p: np.savez_compressed(p, w=np.ones(3)),
        "w.npy",
        r"is compressed \(zip method 8\); checkpoints store arrays uncompressed.*numpy.savez",
    ),
    (
        "manifest a JSON list",
        lambda p: write_zip(p, {MANIFEST: manifest([1, 2])}),
        MANIFEST,
        "the manifest is a JSON list, not an object",
    ),
    (
        "manifest not JSON",
        lambda p: write_zip(p, {MANIFEST: array_bytes(np.array("{not json"))}),
        MANIFEST,
        "the manifest is not valid JSON",
    ),
    (
        "manifest a float array",
        lambda p: write_zip(p, {MANIFEST: array_bytes(np.ones(3))}),
        MANIFEST,
        r"manifest is an array of dtype float64 and shape \(3,\), where a 0-d string",
    ),
    (
        "manifest without root",
        lambda p: write_zip(p, {MANIFEST: manifest({"format": "microgradnet", "version": 1})}),
        MANIFEST,
        "the manifest has no 'root' entry",
    ),
    (
        "manifest of another format",
        lambda p: write_zip(p, {MANIFEST: manifest({"format": "other", "root": 1})}),
        MANIFEST,
        "unknown checkpoint format 'other' version None",
    ),
    (
        "manifest nested 100,000 deep",
        lambda p: write_zip(p, {MANIFEST: deep_manifest(100_000)}),
        MANIFEST,
        "the manifest nests 200001 levels deep, more than a checkpoint can",
    ),
    (
        "unknown node kind",
        lambda p: write_zip(p, checkpoint({"dict": [["a", {"set": [1]}]]})),
        MANIFEST,
        "manifest at key path 'a' has the unknown kind 'set'",
    ),
    (
        "node of two kinds",
        lambda p: write_zip(p, checkpoint({"list": [{"list": [], "dict": []}]})),
        MANIFEST,
        "manifest at key path 0 is .*expected a JSON value or one of",
    ),
    (
        "dict body a string",
        lambda p: write_zip(p, checkpoint({"dict": "abc"})),
        MANIFEST,
        'manifest at the top level is a dict whose items are "abc", not a list',
    ),
    (
        "dict key a list",
        lambda p: write_zip(p, checkpoint({"dict": [[[1], 2]]})),
        MANIFEST,
        r"has the entry \[\[1\], 2\], not a \[key, value\] pair",
    ),
    (
        "dict key a bool",
        lambda p: write_zip(p, checkpoint({"dict": [[True, 2]]})),
        MANIFEST,
        r"has the entry \[true, 2\], not a \[key, value\] pair",
    ),
    (
        "array named by a number",
        lambda p: write_zip(p, checkpoint({"array": 5})),
        MANIFEST,
        "names its array by 5, not a member name",
    ),
    (
        "array missing",
        lambda p: write_zip(p, checkpoint({"tuple": [{"array": "gone"}]})),
        MANIFEST,
        "the manifest names the array 'gone', which the file lacks",
    ),
    (
        "scalar not 0-d",
        lambda p: write_zip(p, checkpoint({"scalar": "w"}, **{"w.npy": array_bytes(np.ones(3))})),
        MANIFEST,
        r"is a scalar, but member 'w' has shape \(3,\)",
    ),
]


@pytest.mark.parametrize(
    ("make", "member", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_malformed_file_raises_a_checkpoint_error_naming_what_is_wrong(
    tmp_path: Path, make: Callable[[Path], Any], member: str | None, message: str
) -> None:
    path = tmp_path / "c.npz"
    make(path)
    with pytest.raises(mg.CheckpointError, match=message) as error:
        mg.load(path)
    assert isinstance(error.value, ValueError)
    assert error.value.path == str(path) and error.value.member == member
    assert str(error.value).startswith(f"load: {path}" + ("" if member is None else ", member"))


def test_a_file_written_by_pytorch_is_refused(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(mg.CheckpointError, match=r"PyTorch checkpoint.*'model/data.pkl'.*pickle"):
        mg.load(path)


def test_a_damaged_array_fails_its_checksum(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    mg.save({"w": np.zeros(1000)}, path)
    data = bytearray(path.read_bytes())
    data[data.find(bytes(64), 400) + 10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(mg.CheckpointError, match=r"member 'w.npy': the member is damaged.*CRC"):
        mg.load(path)


def test_a_zip_entry_larger_than_the_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "c.npz", checkpoint({"array": "w"}, **{"w.npy": npy("<f8", (4,))}))
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")  # the directory entry of the last member, w.npy
    struct.pack_into("<LL", data, central + 20, 10**9, 10**9)  # its compressed and full sizes
    path.write_bytes(bytes(data))
    with pytest.raises(mg.CheckpointError, match=r"declares 1000000000 bytes at offset .* beyond"):
        mg.load(path)


def deflated_zeros_zip(path: Path, nbytes: int) -> Path:
    """A zip whose one member, an .npy of ``nbytes`` of float64 zeros, is deflated (~1000:1).

    Built from one deflated megabyte repeated: a full flush ends each block on a byte boundary
    with a fresh dictionary, so the same bytes decode to each further megabyte.
    """
    header = npy("<f8", (nbytes // 8,))
    block = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = deflate.compress(header) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH) == repeated
    crc = zlib.crc32(header)
    for _ in range(nbytes // len(block)):
        crc = zlib.crc32(block, crc)
    data = start + repeated * (nbytes // len(block)) + deflate.flush()
    name, full = b"w.npy", len(header) + nbytes
    with open(path, "wb") as f:
        f.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), full, 5, 0))
        f.write(name + data)
        directory = f.tell()
        f.write(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(data),
                full,
                5,
                0,
                0,
                0,
                0,
                0,
                0,
            )
            + name
        )
        size = f.tell() - directory
        f.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, size, directory, 0))
    return path


def test_a_compressed_bomb_is_refused_without_inflating(tmp_path: Path) -> None:
    declared = 1 << 30
    path = deflated_zeros_zip(tmp_path / "bomb.npz", declared)
    assert path.stat().st_size < 2 << 20  # a 1 GiB array in a file of about 1 MB
    with zipfile.ZipFile(path) as archive, archive.open("w.npy") as member:
        assert member.read(1 << 20)[128:] == bytes((1 << 20) - 128)  # it does inflate to zeros
    tracemalloc.start()
    try:
        with pytest.raises(mg.CheckpointError, match=r"member 'w.npy': the member is compressed"):
            mg.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * declared
    assert peak < 1 << 20  # nothing was inflated at all


@settings(max_examples=150, deadline=None)
@given(
    cut=st.integers(0, 10_000),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), max_size=3),
)
def test_a_cut_or_bit_flipped_checkpoint_loads_or_raises_a_checkpoint_error(
    cut: int, flips: list[tuple[int, int]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.npz"
        mg.save({"w": np.arange(6.0).reshape(2, 3), "opt": {"step": 3, "m": [np.ones(2)]}}, path)
        data = bytearray(path.read_bytes())
        for where, mask in flips:
            data[where % len(data)] ^= mask
        path.write_bytes(bytes(data[: len(data) - cut % len(data)]))
        try:
            mg.load(path)
        except mg.CheckpointError as error:
            assert str(error).startswith(f"load: {path}")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["array", "scalar", "dict", "list", "tuple", "x"]), inner, max_size=2
        )
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(root=JSON)
def test_any_manifest_loads_or_raises_a_checkpoint_error(root: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_zip(
            Path(folder) / "c.npz", checkpoint(root, **{"w.npy": array_bytes(np.ones(2))})
        )
        try:
            mg.load(path)
        except mg.CheckpointError as error:
            assert error.member == MANIFEST
