"""`SGD`: stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, hyperparameter


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's update rule.

    With gradient ``g`` of parameter ``p``: ``g += weight_decay * p``; with momentum, the buffer
    ``b`` starts as ``g`` and becomes ``momentum * b + (1 - dampening) * g``, and ``g`` becomes
    ``g + momentum * b`` (Nesterov) or ``b``; then ``p -= lr * g``.

    Parameters
    ----------
    params : iterable
        As for `Adam`.
    lr : float
        The step size (PyTorch's default, 0.001, since its version 2).
    momentum : float
        The momentum factor (0: none).
    dampening : float
        Dampening of the momentum.
    weight_decay : float
        L2 penalty added to the gradient.
    nesterov : bool
        Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).

    Examples
    --------
    >>> import microgradnet as mg
    >>> w = mg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = mg.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    >>> w, opt.state[w]["momentum_buffer"]
    (tensor([ 0.46, -0.92], requires_grad=True), array([ 3.4, -6.8]))
    """

    lr: float = hyperparameter(default=1e-3, minimum=0.0)
    momentum: float = hyperparameter(default=0.0, minimum=0.0)
    dampening: float = hyperparameter(default=0.0)
    weight_decay: float = hyperparameter(default=0.0, minimum=0.0)
    nesterov: bool = hyperparameter(default=False)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum needs momentum > 0 and dampening 0, got momentum "
                f"{group['momentum']} and dampening {group['dampening']}"
            )

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        grad = self._decayed(grad, param, group)
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                # A copy: the gradient's array may be zeroed in place (``zero_grad``, ``zero_``).
                buf = grad.copy() if isinstance(grad, np.ndarray) else grad
            else:
                buf = momentum * buf + (1 - group["dampening"]) * grad
            state["momentum_buffer"] = buf
            grad = grad + momentum * buf if group["nesterov"] else buf
        return param - group["lr"] * grad
