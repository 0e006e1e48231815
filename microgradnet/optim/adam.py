"""`Adam` and `AdamW`: adaptive moment estimation, with L2 or decoupled weight decay."""

from __future__ import annotations

import math
from typing import Any

from .optimizer import Optimizer, hyperparameter


class Adam(Optimizer):
    """Adam (Kingma and Ba), PyTorch's update rule.

    At step ``t`` with gradient ``g`` (plus ``weight_decay * p``): ``m = beta1 * m + (1 - beta1)
    * g``, ``v = beta2 * v + (1 - beta2) * g**2``, and ``p -= lr / (1 - beta1**t) * m /
    (sqrt(v) / sqrt(1 - beta2**t) + eps)``.

    Parameters
    ----------
    params : iterable of Tensor or Value, or of parameter-group dicts
        What to update (groups as in `Optimizer`).
    lr : float
        The step size before the bias corrections.
    betas : (float, float)
        Decay rates of the running means of the gradient and of its square.
    eps : float
        Added to the bias-corrected ``sqrt(v)``.
    weight_decay : float
        Coefficient of ``p`` added to ``g`` (see `AdamW` for decoupled decay).

    Examples
    --------
    >>> import microgradnet as mg
    >>> w = mg.Value(3.0)
    >>> opt = mg.optim.Adam([w], lr=0.5)
    >>> (w * w).backward()
    >>> opt.step()
    >>> round(w.data, 6)
    2.5
    """

    #: Weight decay shrinks the parameter directly (AdamW) instead of adding to the gradient.
    _decoupled = False

    lr: float = hyperparameter(default=1e-3, minimum=0.0)
    betas: tuple[float, float] = hyperparameter(default=(0.9, 0.999), convert=tuple)
    eps: float = hyperparameter(default=1e-8, minimum=0.0)
    weight_decay: float = hyperparameter(default=0.0, minimum=0.0)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        for i, beta in enumerate(group["betas"]):
            if not 0.0 <= beta < 1.0:
                raise ValueError(
                    f"{type(self).__name__}: invalid beta parameter at index {i}: {beta}"
                )
        super()._check_hyperparameters(group)

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        lr, weight_decay = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if self._decoupled:
            param = param * (1 - lr * weight_decay) if weight_decay else param
        else:
            grad = self._decayed(grad, param, group)
        step = state.get("step", 0) + 1
        m = beta1 * state.get("exp_avg", 0.0) + (1 - beta1) * grad
        v = beta2 * state.get("exp_avg_sq", 0.0) + (1 - beta2) * grad * grad
        state.update(step=step, exp_avg=m, exp_avg_sq=v)
        denom = v**0.5 / math.sqrt(1 - beta2**step) + group["eps"]
        return param - lr / (1 - beta1**step) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), PyTorch's update rule.

    Each step first shrinks the parameter, ``p *= 1 - lr * weight_decay``, then takes the Adam
    step without weight decay in the gradient. Parameters as `Adam`; ``weight_decay`` defaults to
    0.01.

    Examples
    --------
    >>> import microgradnet as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> opt = mg.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = mg.tensor([0.0])
    >>> opt.step()
    >>> w
    tensor([0.95], requires_grad=True)
    """

    _decoupled = True
    weight_decay: float = hyperparameter(default=1e-2, minimum=0.0)
