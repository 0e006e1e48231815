"""Checkpoints: `save` and `load` nested data of arrays and Python values, pickle-free.

Two formats, chosen by the file's suffix:

- ``.safetensors``: a flat mapping of names to arrays, the format PyTorch and the Hugging Face
  ecosystem share (`safetensors` module; needs the optional extra ``interop``).
- anything else: microgradnet's ``.npz`` (`npz` module), which holds nested dicts, lists and
  tuples of arrays and plain Python values, such as a model's and an optimizer's state together.

Neither format can hold code, and loading never runs any: a pickle (PyTorch's ``.pt`` files
included) is refused. Saving is atomic (`atomic` module); loading checks every size and dtype a
file declares before it allocates, and any malformed file raises `CheckpointError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import npz, safetensors
from .errors import CheckpointError, PathLike

__all__ = ["CheckpointError", "load", "save"]


def save(obj: Any, path: PathLike) -> None:
    """Write ``obj`` to ``path``: a ``.safetensors`` file if the name says so, else an ``.npz``.

    The write is atomic: the data goes to a temporary file in the same folder, is flushed to
    disk and then replaces ``path``, so a save that fails or is killed leaves an existing file
    as it was. Saving through a symbolic link replaces the file it points to; an existing file
    keeps its permission bits.

    Parameters
    ----------
    obj : dict, list, tuple, numpy array or Python scalar
        For ``.npz``: nested dicts (string or integer keys), lists and tuples of arrays, numpy
        scalars, bools, ints, floats, strings and None, e.g. ``{"model": model.state_dict(),
        "optimizer": opt.state_dict(), "epoch": 3}``. For ``.safetensors``: a flat mapping of
        string names to arrays, such as one ``state_dict()``.
        Arrays hold bools, integers or floats of at most 64 bits.
    path : str or path-like
        The file to write.

    Raises
    ------
    TypeError
        For anything the format cannot hold (Tensors, masked, object, string or complex
        arrays, ...), naming its key path.
    ModuleNotFoundError
        For ``.safetensors`` without the ``safetensors`` package (extra ``interop``).

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, microgradnet as mg
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "checkpoint.npz"
    >>> mg.save({"weight": np.eye(2, dtype=np.float32), "epoch": 3}, path)
    >>> mg.load(path)
    {'weight': array([[1., 0.],
           [0., 1.]], dtype=float32), 'epoch': 3}
    """
    (safetensors if _is_safetensors(path) else npz).save(obj, path)


def load(path: PathLike) -> Any:
    """Read what `save` wrote to ``path``; a plain ``.npz`` gives a dict of its arrays.

    A ``.safetensors`` file (by its name) gives a dict of name to array, whoever wrote it
    (PyTorch's ``safetensors.torch.save_file`` included; PyTorch itself is not needed).

    Raises
    ------
    CheckpointError
        If the file is not a checkpoint, or is truncated, damaged or malformed: the message
        names the file, the member and what is wrong. Pickles (PyTorch's ``.pt`` files
        included) are refused, since loading one runs code.
    ModuleNotFoundError
        For ``.safetensors`` without the ``safetensors`` package (extra ``interop``).

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, microgradnet as mg
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     mg.save({"step": 10, "lr": 0.5, "buffers": [np.zeros(2), None]}, f"{folder}/s.npz")
    ...     mg.load(pathlib.Path(folder) / "s.npz")
    {'step': 10, 'lr': 0.5, 'buffers': [array([0., 0.]), None]}
    """
    return (safetensors if _is_safetensors(path) else npz).load(path)


def _is_safetensors(path: PathLike) -> bool:
    return Path(path).suffix.lower() == ".safetensors"
