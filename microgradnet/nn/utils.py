"""Training utilities: gradient clipping by norm (`clip_grad_norm_`) and by value
(`clip_grad_value_`), in place, as in PyTorch."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..engine import Node
from ..tensor import Tensor


def _with_grads(parameters: Node | Iterable[Node]) -> list[Node]:
    params = [parameters] if isinstance(parameters, Node) else list(parameters)
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(
    parameters: Node | Iterable[Node],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients of ``parameters`` in place so that their joint ``norm_type``-norm is
    at most ``max_norm``; return the norm they had (a 0-d `Tensor`).

    As in PyTorch the scale is ``max_norm / (norm + 1e-6)``, applied only when below 1;
    ``norm_type`` may be ``inf``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> w = mg.tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = np.array([3.0, 4.0])
    >>> mg.nn.utils.clip_grad_norm_([w], 1.0)
    tensor(5.)
    >>> w.grad.round(6)
    tensor([0.6, 0.8])
    """
    params = _with_grads(parameters)
    if not params:
        return Tensor(0.0)
    grads = [np.asarray(p.grad if p.holds_float else p.grad.data, dtype=np.float64) for p in params]
    norm_type = float(norm_type)
    if norm_type == np.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        norms = [np.linalg.norm(g.ravel(), norm_type) for g in grads]
        total = float(np.linalg.norm(np.array(norms), norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the "
            f"gradients is {total}, so they cannot be clipped"
        )
    coef = min(max_norm / (total + 1e-6), 1.0)
    if coef < 1.0:
        for p in params:
            _scale(p, coef)
    return Tensor(total)


def _scale(p: Node, factor: float) -> None:
    if p.holds_float:
        p.grad = p.grad * factor
    else:
        data = p.grad.data
        data *= np.asarray(factor, dtype=data.dtype)


def clip_grad_value_(parameters: Node | Iterable[Node], clip_value: float) -> None:
    """Clamp every gradient of ``parameters`` into ``[-clip_value, clip_value]``, in place.

    Examples
    --------
    >>> import microgradnet as mg
    >>> w = mg.tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = np.array([3.0, -0.5])
    >>> mg.nn.utils.clip_grad_value_([w], 1.0)
    >>> w.grad
    tensor([ 1. , -0.5])
    """
    c = float(clip_value)
    for p in _with_grads(parameters):
        if p.holds_float:
            p.grad = min(max(p.grad, -c), c)
        else:
            np.clip(p.grad.data, -c, c, out=p.grad.data)


__all__ = ["clip_grad_norm_", "clip_grad_value_"]
