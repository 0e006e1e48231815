"""`CheckpointError`: a file that `load` cannot read as a checkpoint, and why."""

from __future__ import annotations

import os

PathLike = str | os.PathLike[str]


class CheckpointError(ValueError):
    """A file is not a checkpoint `microgradnet.load` can read, or is damaged or malformed.

    The message names the file, the member (an array of an ``.npz``, a tensor of a
    ``.safetensors`` file) where there is one, and what is wrong; the three are also attributes.

    Attributes
    ----------
    path : str
        The file.
    member : str or None
        The member at fault, or None when the fault is the file's as a whole.
    problem : str
        What is wrong.

    Examples
    --------
    >>> import tempfile, pathlib, microgradnet as mg
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "empty.npz"
    >>> _ = path.write_bytes(b"")
    >>> try:
    ...     mg.load(path)
    ... except mg.CheckpointError as error:
    ...     print(error.problem)
    the file is empty (0 bytes)
    """

    def __init__(self, path: PathLike, problem: str, member: str | None = None) -> None:
        self.path = os.fspath(path)
        self.member = member
        self.problem = problem
        where = self.path if member is None else f"{self.path}, member {member!r}"
        super().__init__(f"load: {where}: {problem}")
