"""Checkpoints: `save` and `load` nested data of arrays and Python numbers in a numpy ``.npz``.

A checkpoint is a zip of ``.npy`` members, readable with ``numpy.load`` alone: one member per
array, named by its key path (``model/0.weight``, ``optimizer/state/0/exp_avg``), and a member
``%manifest`` holding, as JSON text, the shape of the nested data with the Python numbers,
bools, strings and Nones inline. Nothing is pickled, so loading a file never runs code from it.
Writes are atomic: a failed save leaves the previous file as it was.
"""

from __future__ import annotations

import json
import os
import secrets
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["load", "save"]

PathLike = str | os.PathLike[str]

#: The member holding the manifest; key paths escape "%", so none can be named like it.
_MANIFEST = "%manifest"
_ROOT = "%root"
_FORMAT = {"format": "microgradnet", "version": 1}
_MAX_DEPTH = 1000
_SCALARS = (bool, int, float, str, type(None))

_PICKLE_REFUSED = (
    "microgradnet checkpoints may not contain pickled objects: unpickling runs code chosen by "
    "whoever wrote the file. Save arrays of numbers, bools or strings and plain Python values "
    "instead"
)


def _member_name(path: tuple[str | int, ...]) -> str:
    if not path:
        return _ROOT
    return "/".join(str(k).replace("%", "%25").replace("/", "%2F") for k in path)


def _encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The JSON manifest of ``obj``; its arrays go into ``arrays`` under their member names.

    Python scalars stay as JSON values; containers and arrays become one-key objects
    (``{"dict": [[key, item], ...]}``, ``{"list": [...]}``, ``{"tuple": [...]}``,
    ``{"array": name}``, ``{"scalar": name}`` for numpy scalars).
    """
    # An explicit stack, not recursion: (object, key path, where its encoding goes).
    root: list[Any] = [None]
    stack: list[tuple[Any, tuple[str | int, ...], list[Any], int]] = [(obj, (), root, 0)]
    while stack:
        item, path, slot, index = stack.pop()
        if len(path) > _MAX_DEPTH:
            raise ValueError(
                f"save: the data is nested more than {_MAX_DEPTH} levels deep at "
                f"{_shown(path[:3])}...; does a container contain itself?"
            )
        if isinstance(item, _SCALARS):
            slot[index] = item
        elif isinstance(item, np.ndarray | np.generic):
            kind = "array" if isinstance(item, np.ndarray) else "scalar"
            slot[index] = {kind: _add_array(item, path, arrays)}
        elif isinstance(item, dict):
            pairs: list[Any] = []
            for key, value in item.items():
                if isinstance(key, bool) or not isinstance(key, str | int):
                    raise TypeError(
                        f"save: the key {key!r} at {_shown(path)} is a {type(key).__name__}; "
                        "keys must be strings or integers"
                    )
                pair: list[Any] = [key, None]
                pairs.append(pair)
                stack.append((value, (*path, key), pair, 1))
            slot[index] = {"dict": pairs}
        elif isinstance(item, list | tuple):
            items: list[Any] = [None] * len(item)
            for i, value in enumerate(item):
                stack.append((value, (*path, i), items, i))
            slot[index] = {"tuple" if isinstance(item, tuple) else "list": items}
        else:
            hint = "; save tensor.numpy() or a state_dict()" if hasattr(item, "_ctx") else ""
            raise TypeError(
                f"save: {_shown(path)} is a {type(item).__name__}, which a checkpoint cannot hold "
                f"(arrays, numbers, bools, strings, None, dicts, lists and tuples){hint}"
            )
    return root[0]


def _add_array(
    arr: np.ndarray | np.generic, path: tuple[str | int, ...], arrays: dict[str, np.ndarray]
) -> str:
    if arr.dtype.hasobject:
        raise TypeError(
            f"save: the array at {_shown(path)} has dtype {arr.dtype}, which holds Python "
            f"objects; {_PICKLE_REFUSED}"
        )
    name = _member_name(path)
    if name in arrays:
        raise ValueError(
            f"save: two keys at {_shown(path[:-1])} both give the member name {name!r} "
            "(an integer key and the same number as a string)"
        )
    arrays[name] = np.asarray(arr)
    return name


def _shown(path: tuple[str | int, ...]) -> str:
    return "the top level" if not path else "key path " + "/".join(repr(k) for k in path)


def save(obj: Any, path: PathLike) -> None:
    """Write ``obj`` (nested dicts, lists and tuples of arrays and Python values) to ``path``.

    The file is a numpy ``.npz`` (see the module's description); ``path`` is used as given.
    The write is atomic: the data goes to a temporary file in the same folder, is flushed to
    disk, and then replaces ``path``. If anything fails, the temporary file is removed and an
    existing ``path`` is left untouched.

    Parameters
    ----------
    obj : dict, list, tuple, numpy array or Python scalar
        What to save: e.g. ``{"model": model.state_dict(), "optimizer": opt.state_dict()}``.
        Dict keys are strings or integers.
    path : str or path-like
        The file to write.

    Raises
    ------
    TypeError
        For anything else in ``obj`` (Tensors, object arrays ...), naming its key path.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, microgradnet as mg
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "checkpoint.npz"
    >>> mg.save({"weight": np.eye(2, dtype=np.float32), "epoch": 3}, path)
    >>> mg.load(path)
    {'weight': array([[1., 0.],
           [0., 1.]], dtype=float32), 'epoch': 3}
    """
    arrays: dict[str, np.ndarray] = {}
    manifest = json.dumps({**_FORMAT, "root": _encode(obj, arrays)})
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED) as archive:
                for name, arr in [(_MANIFEST, np.array(manifest)), *arrays.items()]:
                    with archive.open(name + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, arr, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable where the system allows syncing a folder."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load(path: PathLike) -> Any:
    """Read what `save` wrote to ``path``; a plain ``.npz`` gives a dict of its arrays.

    Never unpickles: numpy is asked with ``allow_pickle=False``.

    Raises
    ------
    ValueError
        If the file holds pickled objects (object arrays, or a pickle), or is not an ``.npz``.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, microgradnet as mg
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "state.npz"
    >>> mg.save({"step": 10, "lr": 0.5, "buffers": [np.zeros(2), None]}, path)
    >>> mg.load(path)
    {'step': 10, 'lr': 0.5, 'buffers': [array([0., 0.]), None]}
    """
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as err:
        if "pickle" in str(err):
            raise ValueError(f"load: {os.fspath(path)} is a pickle; {_PICKLE_REFUSED}") from err
        raise
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"load: {os.fspath(path)} holds one array of shape {np.shape(archive)} (.npy), not a "
            "checkpoint (.npz)"
        )
    with archive:
        if _MANIFEST not in archive.files:
            return {name: _read(archive, name, path) for name in archive.files}
        manifest = json.loads(str(archive[_MANIFEST][()]))
        if {k: manifest.get(k) for k in _FORMAT} != _FORMAT:
            raise ValueError(
                f"load: {os.fspath(path)} was written by an unknown checkpoint format "
                f"{manifest.get('format')!r} version {manifest.get('version')!r}"
            )
        return _decode(manifest["root"], archive, path)


def _read(archive: Any, name: str, path: PathLike) -> np.ndarray:
    try:
        return archive[name]  # type: ignore[no-any-return]
    except ValueError as err:
        if "pickle" in str(err):
            raise ValueError(
                f"load: member {name!r} of {os.fspath(path)} is an array of pickled Python "
                f"objects; {_PICKLE_REFUSED}"
            ) from err
        raise


def _decode(tree: Any, archive: Any, path: PathLike) -> Any:
    """Rebuild the object that `_encode` described, without recursion."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(tree, root, 0)]
    tuples: list[tuple[Any, Any, list[Any]]] = []  # filled in as lists, made tuples at the end
    while stack:
        node, slot, index = stack.pop()
        if not isinstance(node, dict):
            slot[index] = node
            continue
        ((kind, body),) = node.items()
        if kind == "array":
            slot[index] = _read(archive, body, path)
        elif kind == "scalar":
            slot[index] = _read(archive, body, path)[()]
        elif kind == "dict":
            out: dict[Any, Any] = {key: None for key, _ in body}
            slot[index] = out
            stack.extend((value, out, key) for key, value in reversed(body))
        else:
            items: list[Any] = [None] * len(body)
            slot[index] = items
            if kind == "tuple":
                tuples.append((slot, index, items))
            stack.extend((value, items, i) for i, value in enumerate(body))
    for slot, index, items in reversed(tuples):
        slot[index] = tuple(items)
    return root[0]
