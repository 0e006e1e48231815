"""Learning-rate schedules: each sets the ``"lr"`` of an optimizer's groups once per epoch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base class: ``lr = factor(epoch) * initial lr`` for each group, set by `step`.

    Building a schedule records each group's current ``"lr"`` as its ``"initial_lr"`` and applies
    the factor of epoch 0, as PyTorch's schedules do. Call `step` once per epoch, after the
    optimizer's steps of that epoch.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def factors(self, epoch: int) -> list[float]:
        """The factor each group's initial learning rate is multiplied by at ``epoch``."""
        raise NotImplementedError

    def step(self) -> None:
        """Move to the next epoch and set the learning rates for it."""
        self.last_epoch += 1
        for group, base, factor in zip(
            self.optimizer.param_groups, self.base_lrs, self.factors(self.last_epoch)
        ):
            group["lr"] = base * factor

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group, as last set."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The epoch and initial learning rates (not the optimizer, nor functions)."""
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` returned."""
        self.last_epoch = int(state_dict["last_epoch"])
        self.base_lrs = [float(lr) for lr in state_dict["base_lrs"]]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Examples
    --------
    >>> import microgradnet as mg
    >>> opt = mg.optim.SGD([mg.Value(1.0)], lr=1.0)
    >>> schedule = mg.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(schedule.get_last_lr()[0])
    ...     schedule.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def factors(self, epoch: int) -> list[float]:
        return [self.gamma ** (epoch // self.step_size)] * len(self.base_lrs)


class LambdaLR(LRScheduler):
    """Set the learning rate to the initial one times ``lr_lambda(epoch)``.

    Parameters
    ----------
    optimizer : Optimizer
        Whose learning rates to set.
    lr_lambda : callable or list of callables
        The factor as a function of the epoch, or one function per parameter group.

    Examples
    --------
    >>> import microgradnet as mg
    >>> opt = mg.optim.SGD([mg.Value(1.0)], lr=1.0)
    >>> schedule = mg.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 - 0.9 * k / 100)
    >>> for _ in range(50):
    ...     schedule.step()
    >>> schedule.get_last_lr()
    [0.55]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
    ) -> None:
        n = len(optimizer.param_groups)
        if callable(lr_lambda):
            self.lr_lambdas = [lr_lambda] * n
        else:
            self.lr_lambdas = list(lr_lambda)
            if len(self.lr_lambdas) != n:
                raise ValueError(
                    f"LambdaLR: got {len(self.lr_lambdas)} functions for {n} parameter groups"
                )
        super().__init__(optimizer)

    def factors(self, epoch: int) -> list[float]:
        return [f(epoch) for f in self.lr_lambdas]
