"""The ``.npz`` checkpoint: a zip of uncompressed ``.npy`` members plus a JSON manifest.

A checkpoint is readable with ``numpy.load`` alone: one member per array, named by its key path
(``model/0.weight.npy``), and a member ``%manifest.npy`` holding, as a 0-d string array, the JSON
manifest that `tree` describes. Reading trusts nothing in the file: every size a header declares
is checked against what the file holds before anything is allocated, members are read in
bounded chunks straight into the arrays returned, and compressed members are refused, so
loading never takes much more memory than the arrays it returns (a few megabytes of deflated
zeros could otherwise expand to gigabytes). Nothing is unpickled.
"""

from __future__ import annotations

import json
import math
import os
import struct
import zipfile
from typing import IO, Any

import numpy as np

from . import tree
from .arrays import refusal
from .atomic import atomic_file
from .errors import CheckpointError, PathLike

MANIFEST = "%manifest"
_FORMAT = {"format": "microgradnet", "version": 1}
_CHUNK = 1 << 20
#: What the zipfile module raises for a damaged archive.
_ZIP_ERRORS = (zipfile.BadZipFile, EOFError, struct.error, UnicodeDecodeError, NotImplementedError)
#: What numpy raises for a malformed ``.npy`` header.
_HEADER_ERRORS = (ValueError, TypeError, SyntaxError, RecursionError, EOFError)
PICKLE_REFUSED = (
    "refused, because loading a pickle runs code chosen by whoever wrote the file. In PyTorch, "
    "save the weights with safetensors.torch.save_file(model.state_dict(), 'w.safetensors') "
    "and load that file"
)


def save(obj: Any, path: PathLike) -> None:
    """Write ``obj`` as an ``.npz`` checkpoint (see `microgradnet.save`)."""
    arrays: dict[str, np.ndarray] = {}
    manifest = json.dumps({**_FORMAT, "root": tree.encode(obj, arrays)})
    with (
        atomic_file(path) as f,
        zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED) as archive,
    ):
        for name, arr in [(MANIFEST, np.array(manifest)), *arrays.items()]:
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


def load(path: PathLike) -> Any:
    """Read an ``.npz`` checkpoint, or a plain ``.npz`` as a dict of its arrays."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(16)
        if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise CheckpointError(path, _not_a_zip(head, f, size))
        try:
            archive = zipfile.ZipFile(f)
        except _ZIP_ERRORS as err:
            raise CheckpointError(
                path,
                "the file starts as a zip archive but is truncated or damaged: its zip directory, "
                f"stored at the end, cannot be read ({err})",
            ) from err
        with archive:
            reader = _Reader(archive, path, size)
            if MANIFEST not in reader.members:
                return {name: reader.array(name) for name in reader.members}
            member = MANIFEST + ".npy"
            manifest = tree.parse(str(reader.array(MANIFEST)[()]), path, member)
            if {k: manifest.get(k) for k in _FORMAT} != _FORMAT:
                raise CheckpointError(
                    path,
                    f"written by an unknown checkpoint format {manifest.get('format')!r} "
                    f"version {manifest.get('version')!r}",
                    member,
                )
            if "root" not in manifest:
                raise CheckpointError(path, "the manifest has no 'root' entry", member)
            return tree.decode(manifest["root"], reader.array, path, member)


class _Reader:
    """The members of an opened archive, checked as a whole, and each read on demand."""

    def __init__(self, archive: zipfile.ZipFile, path: PathLike, size: int) -> None:
        self.archive, self.path = archive, path
        self.members: dict[str, zipfile.ZipInfo] = {}
        infos = archive.infolist()
        for info in infos:
            if info.filename.endswith(".pkl"):
                raise CheckpointError(
                    path,
                    f"the file is a PyTorch checkpoint (torch.save), whose member "
                    f"{info.filename!r} is a pickle: {PICKLE_REFUSED}",
                )
        for info in infos:
            name = info.filename
            problem = _member_problem(info, size)
            if problem is None and name[:-4] in self.members:
                problem = "the archive holds two members of this name"
            if problem is not None:
                raise CheckpointError(path, problem, name)
            self.members[name[:-4]] = info

    def array(self, name: str) -> np.ndarray:
        """The array in member ``name`` (its name without ``.npy``), read and checked."""
        info = self.members.get(name)
        if info is None:
            raise CheckpointError(
                self.path,
                f"the manifest names the array {name!r}, which the file lacks",
                MANIFEST + ".npy",
            )
        try:
            with self.archive.open(info) as stream:
                dtype, shape, fortran = self._header(stream, info)
                arr = np.empty(shape[::-1] if fortran else shape, dtype)
                _fill(stream, arr)
        except _ZIP_ERRORS as err:
            raise CheckpointError(
                self.path, f"the member is damaged ({err})", info.filename
            ) from err
        return arr.T if fortran else arr

    def _header(self, stream: IO[bytes], info: zipfile.ZipInfo) -> tuple[np.dtype[Any], Any, bool]:
        """The dtype, shape and order the member's header declares, once they check out."""
        member = info.filename
        try:
            shape, fortran, dtype = _npy_header(stream)
        except _HEADER_ERRORS as err:
            raise CheckpointError(
                self.path, f"the .npy header is malformed: {err}", member
            ) from err
        if any(isinstance(n, bool) or n < 0 for n in shape) or len(shape) > 64:
            raise CheckpointError(self.path, f"the .npy header declares the shape {shape}", member)
        if member == MANIFEST + ".npy":
            if dtype.kind != "U" or shape:
                raise CheckpointError(
                    self.path,
                    f"the manifest is an array of dtype {dtype} and shape {shape}, where a 0-d "
                    "string array belongs",
                    member,
                )
        elif (problem := refusal(dtype)) is not None:
            raise CheckpointError(self.path, f"the array has {problem}", member)
        declared = math.prod(shape) * dtype.itemsize
        held = info.file_size - stream.tell()
        if declared != held:
            raise CheckpointError(
                self.path,
                f"the .npy header declares {dtype} of shape {shape} ({declared} bytes), "
                f"but the member holds {held} bytes of data",
                member,
            )
        return dtype, shape, fortran


def _member_problem(info: zipfile.ZipInfo, size: int) -> str | None:
    if not info.filename.endswith(".npy"):
        return "it is not an .npy array, so the file is not a checkpoint or numpy .npz"
    if info.flag_bits & 0x1:
        return "the member is encrypted"
    if info.compress_type != zipfile.ZIP_STORED:
        return (
            f"the member is compressed (zip method {info.compress_type}); checkpoints store "
            "arrays uncompressed, so that a file's size bounds the memory loading it takes. "
            "numpy.savez (not savez_compressed) writes such files"
        )
    if info.file_size != info.compress_size or info.header_offset + info.file_size > size:
        return (
            f"the member's zip entry declares {info.file_size} bytes at offset "
            f"{info.header_offset}, beyond the file's {size} bytes: the file is truncated or "
            "damaged"
        )
    return None


def _npy_header(stream: IO[bytes]) -> tuple[Any, bool, np.dtype[Any]]:
    """The shape, Fortran order and dtype an ``.npy`` header declares (numpy's parser)."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(stream)
    raise ValueError(f"format version {version} holds no array a checkpoint can")


def _fill(stream: IO[bytes], arr: np.ndarray) -> None:
    """Read ``arr``'s bytes from ``stream`` in chunks; the stream checks its CRC at the end."""
    view = arr.reshape(-1).view(np.uint8).data
    done = 0
    while done < len(view):
        n = stream.readinto(view[done : done + _CHUNK])  # type: ignore[attr-defined]
        if not n:
            raise EOFError(f"the data ends after {done} of {len(view)} bytes")
        done += n


def _not_a_zip(head: bytes, f: IO[bytes], size: int) -> str:
    """What the file is instead of a checkpoint, from its first bytes."""
    if size == 0:
        return "the file is empty (0 bytes)"
    if head.startswith(b"\x93NUMPY"):
        f.seek(0)
        try:
            shape = _npy_header(f)[0]
        except _HEADER_ERRORS:
            return "the file is a damaged .npy array, not a checkpoint (.npz)"
        return f"the file holds one array of shape {shape} (.npy), not a checkpoint (.npz)"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return (
            f"the file is a Python pickle (pickle.dump, or torch.save before 1.6): {PICKLE_REFUSED}"
        )
    if head[8:9] == b"{" and int.from_bytes(head[:8], "little") < size:
        return "the file looks like a safetensors file; name it *.safetensors to load it as one"
    return (
        "the file is not a microgradnet checkpoint (a zip archive of .npy arrays): it starts "
        f"with the bytes {head[:8]!r}"
    )
