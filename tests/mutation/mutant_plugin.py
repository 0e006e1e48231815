"""A pytest plugin that applies one mutant to a built-in op's backward rule before the tests run.

``run.py`` loads it with ``-p mutant_plugin`` and names the mutant in the environment variable
``MICROGRADNET_MUTANT`` as ``module.Class:kind``; see `mutate` for the kinds.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from hypothesis import Phase, settings

#: How each kind of mutant changes every gradient a backward rule returns (None stays None).
KINDS: dict[str, Callable[[Any], Any]] = {
    "scale": lambda g: g * 1.5,
    "negate": lambda g: -g,
}

ENV = "MICROGRADNET_MUTANT"


def mutate(spec: str) -> None:
    """Replace the backward rule that ``spec`` (``module.Class:kind``) names by a mutant of it."""
    target, kind = spec.split(":")
    module_name, class_name = target.rsplit(".", 1)
    cls = getattr(importlib.import_module(module_name), class_name)
    original = cls.__dict__["backward"]
    change = KINDS[kind]

    def backward(self: Any, grad: Any) -> tuple[Any, ...]:
        return tuple(None if g is None else change(g) for g in original(self, grad))

    cls.backward = backward


def pytest_configure(config: Any) -> None:
    """Apply the mutant; run hypothesis as the dev profile does, but reproducibly and without
    shrinking (a mutant needs one failure, not the smallest)."""
    spec = os.environ.get(ENV)
    if spec:
        mutate(spec)
    settings.register_profile(
        "mutants",
        parent=settings.get_profile("dev"),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        report_multiple_bugs=False,
    )
    settings.load_profile("mutants")
