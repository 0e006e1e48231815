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


#: The names that need hypothesis, and the modules that hold them; imported on first use.
_WITH_HYPOTHESIS = {"strategies": "strategies", "check_gradients": "properties"}


def __getattr__(name: str) -> Any:
    if name not in _WITH_HYPOTHESIS:
        raise AttributeError(f"module 'microgradnet.testing' has no attribute {name!r}")
    try:
        module = importlib.import_module(f"{__name__}.{_WITH_HYPOTHESIS[name]}")
    except ModuleNotFoundError as err:
        if err.name != "hypothesis":
            raise
        raise ModuleNotFoundError(
            f"microgradnet.testing.{name} needs hypothesis: install the testing extra, "
            "pip install 'microgradnet[testing]'",
            name="hypothesis",
        ) from err
    return module if name == "strategies" else getattr(module, name)
