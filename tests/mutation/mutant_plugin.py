"""A pytest plugin that applies one mutant to a built-in op's backward rule before the tests run.

``run.py`` loads it with ``-p mutant_plugin`` and names the mutant in the environment variable
``MICROGRADNET_MUTANT`` as ``module.Class:kind``; `KINDS` lists the kinds.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from hypothesis import Phase, settings

Grads = tuple[Any, ...]


def _each(change: Callable[[Any], Any]) -> Callable[[Grads], Grads]:
    """A mutant that changes every gradient a rule returns (None stays None)."""
    return lambda grads: tuple(None if g is None else change(g) for g in grads)


def _swap(grads: Grads) -> Grads:
    """The gradients of the first two inputs exchanged."""
    return (grads[1], grads[0], *grads[2:])


#: How each kind of mutant changes the gradients a backward rule returns.
KINDS: dict[str, Callable[[Grads], Grads]] = {
    "scale": _each(lambda g: g * 1.5),
    "negate": _each(lambda g: -g),
    "zero": _each(lambda g: g * 0.0),
    "swap": _swap,
}

#: Kinds that only mean something for operations of two or more inputs.
MULTI_INPUT_KINDS = frozenset({"swap"})

ENV = "MICROGRADNET_MUTANT"


def op_class(target: str) -> Any:
    """The op class ``module.Class`` names, among those declared in that module (including the
    classes that `microgradnet.ops.elementwise` makes, which are not module attributes)."""
    from microgradnet.ops.registry import op_classes

    module_name, class_name = target.rsplit(".", 1)
    importlib.import_module(module_name)
    for cls in op_classes():
        if cls.__module__ == module_name and cls.__name__ == class_name:
            return cls
    raise LookupError(f"no op class {target}")


def mutate(spec: str) -> None:
    """Replace the backward rule that ``spec`` (``module.Class:kind``) names by a mutant of it."""
    target, kind = spec.split(":")
    cls = op_class(target)
    original = cls.__dict__["backward"]
    change = KINDS[kind]

    def backward(self: Any, grad: Any) -> Grads:
        grads = tuple(original(self, grad))
        return change(grads) if len(grads) > 1 or kind not in MULTI_INPUT_KINDS else grads

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
