"""Optional packages, imported when an entry point first needs them.

``import microgradnet`` never imports PyTorch, ONNX or onnxruntime; `require` does, at the call
that needs one, and turns its absence into an error that names the extra to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: The extra of ``pyproject.toml`` that installs each optional package.
EXTRAS = {"torch": "parity", "onnx": "onnx", "onnxruntime": "onnx", "safetensors": "interop"}


def require(package: str, user: str) -> ModuleType:
    """Import ``package`` for the entry point ``user``, or raise `ModuleNotFoundError` saying
    which extra installs it.

    Examples
    --------
    >>> require("numpy", "an example").__name__
    'numpy'
    """
    try:
        return importlib.import_module(package)
    except ModuleNotFoundError as err:
        if err.name is None or err.name.split(".")[0] != package.split(".")[0]:
            raise  # the package is there but something it imports is not
        extra = EXTRAS.get(package.split(".")[0], package)
        raise ModuleNotFoundError(
            f"{user} needs {package}, which is not installed: install the extra {extra!r}, "
            f"pip install 'microgradnet[{extra}]'",
            name=package,
        ) from err
