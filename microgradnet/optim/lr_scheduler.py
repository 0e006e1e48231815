"""Learning-rate schedules: each sets the ``"lr"`` of an optimizer's groups once per epoch."""

from __future__ import annotations

import math
from bisect import bisect_right
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

    def lrs(self, epoch: int) -> list[float]:
        """Each group's learning rate at ``epoch``: its initial one times the factor."""
        return [base * factor for base, factor in zip(self.base_lrs, self.factors(epoch))]

    def step(self) -> None:
        """Move to the next epoch and set the learning rates for it."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.lrs(self.last_epoch)):
            group["lr"] = lr

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
    >>> [schedule.lrs(epoch)[0] for epoch in range(5)]
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


class LinearLR(LRScheduler):
    """Move the factor linearly from ``start_factor`` to ``end_factor`` over ``total_iters``
    epochs, then hold it (a warm-up).

    Examples
    --------
    >>> import microgradnet as mg
    >>> opt = mg.optim.SGD([mg.Value(1.0)], lr=1.0)
    >>> schedule = mg.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3)
    >>> [schedule.lrs(epoch)[0] for epoch in range(5)]  # the schedule, without stepping
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
    ) -> None:
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ValueError(
                f"LinearLR: start_factor {start_factor} must be in (0, 1] and "
                f"end_factor {end_factor} in [0, 1]"
            )
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer)

    def factors(self, epoch: int) -> list[float]:
        done = min(epoch, self.total_iters) / self.total_iters if self.total_iters else 1.0
        factor = self.start_factor + (self.end_factor - self.start_factor) * done
        return [factor] * len(self.base_lrs)


class CosineAnnealingLR(LRScheduler):
    """``lr = eta_min + (initial - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``: half a cosine
    from the initial learning rate down to ``eta_min`` over ``T_max`` epochs.

    Examples
    --------
    >>> import microgradnet as mg
    >>> opt = mg.optim.SGD([mg.Value(1.0)], lr=1.0)
    >>> schedule = mg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
    >>> [round(lr, 6) for epoch in range(3) for lr in schedule.lrs(epoch)]
    [1.0, 0.5, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803 - PyTorch's name
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive integer, got {T_max}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lrs(self, epoch: int) -> list[float]:
        wave = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * wave for base in self.base_lrs]


class OneCycleLR(LRScheduler):
    """The one-cycle policy (Smith), stepped once per batch: the learning rate rises from
    ``max_lr / div_factor`` to ``max_lr`` over ``pct_start`` of ``total_steps``, then anneals to
    ``max_lr / div_factor / final_div_factor``; momentum (or Adam's first beta) moves the
    opposite way between ``max_momentum`` and ``base_momentum``. PyTorch's phases and formulas.

    Examples
    --------
    >>> import microgradnet as mg
    >>> opt = mg.optim.SGD([mg.Value(1.0)], lr=0.1, momentum=0.9)
    >>> schedule = mg.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> lrs = []
    >>> for _ in range(10):
    ...     lrs.append(schedule.get_last_lr()[0])
    ...     schedule.step()
    >>> round(lrs[0], 6), round(max(lrs), 6), f"{lrs[-1]:.1e}"
    (0.04, 1.0, '4.0e-06')
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float = 0.85,
        max_momentum: float = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
    ) -> None:
        name = "OneCycleLR"
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError(f"{name}: give total_steps, or epochs and steps_per_epoch")
            total_steps = epochs * steps_per_epoch
        if total_steps < 1:
            raise ValueError(f"{name}: total_steps must be positive, got {total_steps}")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"{name}: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{name}: anneal_strategy must be 'cos' or 'linear', not {anneal_strategy!r}"
            )
        groups = optimizer.param_groups
        maxes = list(max_lr) if isinstance(max_lr, Sequence) else [max_lr] * len(groups)
        if len(maxes) != len(groups):
            raise ValueError(f"{name}: {len(maxes)} values of max_lr for {len(groups)} groups")
        self.total_steps, self.anneal_strategy = total_steps, anneal_strategy
        self.cycle_momentum = cycle_momentum
        self.use_beta1 = "betas" in optimizer.defaults
        if cycle_momentum and not self.use_beta1 and "momentum" not in optimizer.defaults:
            raise ValueError(f"{name}: the optimizer has neither momentum nor betas to cycle")
        for group, top in zip(groups, maxes):
            group["initial_lr"] = top / div_factor
            group["max_lr"] = top
            group["min_lr"] = group["initial_lr"] / final_div_factor
            if cycle_momentum:
                group["max_momentum"], group["base_momentum"] = max_momentum, base_momentum
                self._set_momentum(group, max_momentum)
        ends = (
            [pct_start * total_steps - 1, 2 * pct_start * total_steps - 2, total_steps - 1]
            if three_phase
            else [pct_start * total_steps - 1, total_steps - 1]
        )
        # Per phase: its last step, and the group keys its learning rate and momentum go between.
        self.phases: list[tuple[float, str, str, str, str]] = (
            [
                (ends[0], "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (ends[1], "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (ends[2], "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
            if three_phase
            else [
                (ends[0], "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (ends[1], "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        )
        super().__init__(optimizer)

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def lrs(self, epoch: int) -> list[float]:
        if epoch > self.total_steps:
            raise ValueError(
                f"OneCycleLR: stepped {epoch} times, more than total_steps={self.total_steps}"
            )
        out = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr_a, lr_b, m_a, m_b) in enumerate(self.phases):
                if epoch <= end or i == len(self.phases) - 1:
                    pct = (epoch - start) / (end - start)
                    out.append(self._anneal(group[lr_a], group[lr_b], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m_a], group[m_b], pct))
                    break
                start = end
        return out


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after another, switching at the epochs in ``milestones``; each
    starts again from its epoch 0 when its turn comes, as in PyTorch.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet.optim import lr_scheduler
    >>> opt = mg.optim.SGD([mg.Value(1.0)], lr=1.0)
    >>> warm = lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> decay = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    >>> schedule = lr_scheduler.SequentialLR(opt, [warm, decay], milestones=[2])
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(schedule.get_last_lr()[0])
    ...     schedule.step()
    >>> lrs
    [0.5, 0.75, 1.0, 0.5, 0.25]
    """

    def __init__(
        self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int]
    ) -> None:
        if len(schedulers) < 1 or len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: {len(schedulers)} schedulers need "
                f"{max(len(schedulers) - 1, 0)} milestones, got {len(milestones)}"
            )
        if any(s.optimizer is not optimizer for s in schedulers):
            raise ValueError("SequentialLR: every scheduler must drive the same optimizer")
        self.optimizer = optimizer
        self.schedulers = list(schedulers)
        self.milestones = list(milestones)
        self.base_lrs = list(self.schedulers[0].base_lrs)
        self.last_epoch = 0
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        # Each scheduler stepped once when it was built; the first takes that step again.
        for s in self.schedulers:
            s.last_epoch -= 1
        self.schedulers[0].step()

    def step(self) -> None:
        """Move to the next epoch: step the scheduler whose turn it is, restarting it at its
        milestone."""
        self.last_epoch += 1
        i = bisect_right(self.milestones, self.last_epoch)
        scheduler = self.schedulers[i]
        if i > 0 and self.milestones[i - 1] == self.last_epoch:
            scheduler.last_epoch = -1
        scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        """The epoch and each scheduler's state."""
        return {
            "last_epoch": self.last_epoch,
            "schedulers": [s.state_dict() for s in self.schedulers],
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` returned."""
        self.last_epoch = int(state_dict["last_epoch"])
        for s, saved in zip(self.schedulers, state_dict["schedulers"]):
            s.load_state_dict(saved)
