"""`Adagrad`: per-element learning rates that shrink with the sum of squared gradients."""

from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, hyperparameter


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan and Singer), PyTorch's update rule.

    At step ``t`` with gradient ``g`` (plus ``weight_decay * p``): ``s += g**2`` (``s`` starts at
    ``initial_accumulator_value``) and ``p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) +
    eps)``.

    Parameters
    ----------
    params : iterable
        As for `Adam`.
    lr : float
        The initial learning rate, before ``lr_decay``.
    lr_decay : float
        How fast the learning rate decays with the step count.
    weight_decay : float
        Coefficient of ``p`` added to ``g`` before it is squared into ``s``.
    initial_accumulator_value : float
        The starting sum of squared gradients.
    eps : float
        Added to ``sqrt(s)``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> w = mg.tensor([3.0, -1.0], requires_grad=True)
    >>> opt = mg.optim.Adagrad([w], lr=0.5)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w, opt.state[w]["sum"]
    (tensor([ 2.5, -0.5], requires_grad=True), array([36.,  4.]))
    """

    lr: float = hyperparameter(default=1e-2, minimum=0.0)
    lr_decay: float = hyperparameter(default=0.0, minimum=0.0)
    weight_decay: float = hyperparameter(default=0.0, minimum=0.0)
    initial_accumulator_value: float = hyperparameter(default=0.0, minimum=0.0)
    eps: float = hyperparameter(default=1e-10, minimum=0.0)

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        grad = self._decayed(grad, param, group)
        step = state.get("step", 0) + 1
        total = state.get("sum", group["initial_accumulator_value"]) + grad * grad
        state.update(step=step, sum=total)
        lr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        return param - lr * grad / (total**0.5 + group["eps"])
