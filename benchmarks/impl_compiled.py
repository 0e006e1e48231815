"""`microgradnet.compile`: the Tensor workloads' steps with `optim.SGD`, compiled.

Each step is ``zero_grad``, the loss of `impl_tensor`'s forward, ``backward`` and ``step``, as
one compiled function: the first call traces it, the second checks the replay against the eager
call, later calls replay it.
"""

from __future__ import annotations

from typing import Any

import microgradnet as mg

from . import impl_tensor
from .workloads import Factory, Problem


def _compiled(base: type[impl_tensor._Trainer]) -> Factory:
    class Compiled(base):  # type: ignore[valid-type, misc]
        def __init__(self, p: Problem) -> None:
            super().__init__(p)
            self.opt = mg.optim.SGD(self.params, lr=self.lr)
            self.train_step = mg.compile(self._train)

        def _train(self) -> Any:
            self.opt.zero_grad()
            loss = self.forward()
            loss.backward()
            self.opt.step()
            return loss

        def step(self) -> None:
            self.loss = self.train_step()

    Compiled.__name__ = Compiled.__qualname__ = f"Compiled{base.__name__}"
    return Compiled


TRAINERS: dict[str, Factory] = {
    key: _compiled(impl_tensor.TRAINERS[key])  # type: ignore[arg-type]
    for key in ("A", "B", "C")
}
