"""Property-based gradient checks for users' own operations and models.

``gradcheck`` and ``gradgradcheck`` compare analytic gradients with finite differences at one
point; ``check_gradients`` runs them as a hypothesis property over drawn inputs; ``strategies``
draws shapes, arrays, tensors, values and random graphs. Install the ``testing`` extra
(hypothesis) for the last two.
"""

from __future__ import annotations

import importlib
from typing import Any

from .gradcheck import GradcheckError, GradcheckWarning, gradcheck, gradgradcheck, numerical_grad

__all__ = [
    "GradcheckError",
    "GradcheckWarning",
    "check_gradients",
    "gradcheck",
    "gradgradcheck",
    "numerical_grad",
    "strategies",
]


def __getattr__(name: str) -> Any:
    # hypothesis is imported only when these are used.
    if name == "strategies":
        return importlib.import_module(f"{__name__}.strategies")
    if name == "check_gradients":
        return importlib.import_module(f"{__name__}.properties").check_gradients
    raise AttributeError(f"module 'microgradnet.testing' has no attribute {name!r}")
