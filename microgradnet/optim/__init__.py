"""Optimizers and learning-rate schedules, with PyTorch's names and update rules.

They update `Tensor` parameters in place (under `no_grad`, so their version counters move) and
`Value` parameters by replacing their float.

Examples
--------
>>> import microgradnet as mg
>>> w = mg.tensor([2.0], requires_grad=True)
>>> opt = mg.optim.SGD([w], lr=0.25, momentum=0.9)
>>> for _ in range(3):
...     opt.zero_grad()
...     (w * w).sum().backward()
...     opt.step()
>>> w
tensor([-1.46], requires_grad=True)
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer, hyperparameter
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "hyperparameter",
    "lr_scheduler",
]
