"""The ``.safetensors`` format, through the ``safetensors`` package's numpy API (extra ``interop``).

A safetensors file is an 8-byte header length, a JSON header giving each tensor's dtype, shape
and byte range, then the raw little-endian data: it holds a flat mapping of names to arrays and
nothing else. So a state dict saves as it is, and nested data (a model's and an optimizer's
state together, an epoch number) is refused with a pointer to the ``.npz`` format, rather than
flattened into dotted names that could not be told apart from a state dict's own dotted names on
the way back. The package checks the header before anything is read (every byte range inside
the file, matching its dtype and shape), and reads each tensor into its own array, so loading
takes the memory of the arrays it returns. Saving holds the file's bytes in memory once.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

import numpy as np

from .arrays import saveable
from .atomic import atomic_file
from .errors import CheckpointError, PathLike
from .npz import PICKLE_REFUSED

#: safetensors' dtype names that numpy holds and a checkpoint accepts.
_DTYPES = ("BOOL", "U8", "I8", "U16", "I16", "F16", "U32", "I32", "F32", "U64", "I64", "F64")


def save(obj: Any, path: PathLike) -> None:
    """Write the flat mapping ``obj`` of names to arrays as a safetensors file."""
    if not isinstance(obj, Mapping):
        raise TypeError(
            f"save: a .safetensors file holds a mapping of names to arrays, not a "
            f"{type(obj).__name__}; save other data as an .npz checkpoint"
        )
    arrays = {}
    for name, value in obj.items():
        if not isinstance(name, str):
            raise TypeError(
                f"save: the key {name!r} is a {type(name).__name__}; a .safetensors file names "
                "its arrays by strings"
            )
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"save: {name!r} is a {type(value).__name__}, but a .safetensors file holds only "
                "arrays, under flat names (as a state_dict() gives them). Save nested data or "
                "plain values as an .npz checkpoint, or flatten it yourself, e.g. "
                "{f'model.{k}': v for k, v in model.state_dict().items()}"
            )
        # safetensors reads each array's memory as one C-ordered block (and ascontiguousarray
        # would make a 0-d array 1-d).
        arrays[name] = np.require(saveable(value, f"the array {name!r}"), requirements="C")
    numpy_api = _package("saving").numpy
    # save_file would write through a temporary file of its own, which a killed save leaves
    # behind under a name no later save can recognise; so the bytes go through atomic_file.
    data = numpy_api.save(arrays)
    with atomic_file(path) as f:
        f.write(data)


def load(path: PathLike) -> dict[str, np.ndarray]:
    """Read a safetensors file as a dict of name to array."""
    package = _package("loading")
    with open(path, "rb") as f:  # the missing or unreadable file raises as for any file
        head = f.read(16)
    try:
        with package.safe_open(path, framework="np") as file:
            names = file.keys()
            for name in names:
                dtype = file.get_slice(name).get_dtype()
                if dtype not in _DTYPES:
                    raise CheckpointError(
                        path,
                        f"the tensor has dtype {dtype}, which numpy cannot hold or a checkpoint "
                        f"does not accept (one of {', '.join(_DTYPES)} is needed; in PyTorch, "
                        "convert it with tensor.float() or .double() before saving)",
                        name,
                    )
            return {name: file.get_tensor(name) for name in names}
    except package.SafetensorError as err:
        raise CheckpointError(path, _not_safetensors(head, err)) from err


def _not_safetensors(head: bytes, err: Exception) -> str:
    if not head:
        return "the file is empty (0 bytes)"
    if head.startswith(b"PK\x03\x04"):
        return (
            "the file is a zip archive (an .npz checkpoint, or PyTorch's torch.save format), "
            f"not a safetensors file ({err})"
        )
    if head[:1] == b"\x80":
        return f"the file is a Python pickle, not a safetensors file: {PICKLE_REFUSED}"
    return f"the file is not a valid safetensors file ({err})"


def _package(doing: str) -> types.ModuleType:
    try:
        import safetensors
        import safetensors.numpy
    except ImportError as err:
        raise ModuleNotFoundError(
            f"{doing} .safetensors files needs the safetensors package, which microgradnet's "
            "optional extra 'interop' installs: pip install 'microgradnet[interop]'",
            name="safetensors",
        ) from err
    return safetensors
