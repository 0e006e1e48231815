"""`RMSprop`: divide the step by a running root mean square of the gradient."""

from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, hyperparameter


class RMSprop(Optimizer):
    """RMSprop (Hinton), PyTorch's update rule.

    With gradient ``g`` (plus ``weight_decay * p``): ``v = alpha * v + (1 - alpha) * g**2``; the
    denominator is ``sqrt(v) + eps``, or, when ``centered``, ``sqrt(v - m**2) + eps`` with ``m``
    the running mean of ``g``. Then ``p -= lr * g / denominator``, or with ``momentum``,
    ``b = momentum * b + g / denominator`` and ``p -= lr * b``.

    Parameters
    ----------
    params : iterable
        As for `Adam`.
    lr : float
        Scales every step.
    alpha : float
        Decay rate of the running mean of the squared gradient.
    eps : float
        Added to the root mean square, keeping the division finite.
    weight_decay : float
        Coefficient of ``p`` added to ``g``.
    momentum : float
        Momentum of the step.
    centered : bool
        Normalise by the running variance of the gradient instead of its mean square.

    Examples
    --------
    >>> import microgradnet as mg
    >>> w = mg.Value(3.0)
    >>> opt = mg.optim.RMSprop([w], lr=0.01, alpha=0.0)
    >>> (w * w).backward()
    >>> opt.step()
    >>> round(w.data, 6)
    2.99
    """

    lr: float = hyperparameter(default=1e-2, minimum=0.0)
    alpha: float = hyperparameter(default=0.99, minimum=0.0)
    eps: float = hyperparameter(default=1e-8, minimum=0.0)
    weight_decay: float = hyperparameter(default=0.0, minimum=0.0)
    momentum: float = hyperparameter(default=0.0, minimum=0.0)
    centered: bool = hyperparameter(default=False)

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        grad = self._decayed(grad, param, group)
        alpha = group["alpha"]
        square_avg = alpha * state.get("square_avg", 0.0) + (1 - alpha) * grad * grad
        state.update(step=state.get("step", 0) + 1, square_avg=square_avg)
        if group["centered"]:
            grad_avg = alpha * state.get("grad_avg", 0.0) + (1 - alpha) * grad
            state["grad_avg"] = grad_avg
            denom = (square_avg - grad_avg * grad_avg) ** 0.5 + group["eps"]
        else:
            denom = square_avg**0.5 + group["eps"]
        if group["momentum"] > 0:
            buf = group["momentum"] * state.get("momentum_buffer", 0.0) + grad / denom
            state["momentum_buffer"] = buf
            return param - group["lr"] * buf
        return param - group["lr"] * grad / denom
