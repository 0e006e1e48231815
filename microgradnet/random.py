"""The project's random numbers: one numpy `Generator` behind initialisation, dropout and shuffling.

`manual_seed` reseeds it in place, so code that holds a reference to `default_generator` sees the
new seed too. The neuron-level modules (`nn.Neuron`, `nn.Layer`, `nn.MLP`) draw their weights from
Python's `random` module instead, as micrograd does, so that ``random.seed(1337)`` gives
micrograd's weights; `manual_seed` seeds that module as well.
"""

from __future__ import annotations

import random

import numpy as np

#: The generator that `microgradnet.nn.init`, dropout and data shuffling draw from.
default_generator: np.random.Generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the project's generator and Python's `random`, making initialisation, dropout and
    shuffling reproducible.

    `default_generator` serves `Tensor` initialisation, dropout and shuffling; Python's `random`
    module serves the weights of `nn.Neuron`, `nn.Layer` and `nn.MLP`, which draw as micrograd
    does. Both get ``seed``.

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    numpy.random.Generator
        `default_generator`, now in the state ``seed`` gives.

    Examples
    --------
    >>> import microgradnet as mg
    >>> a = mg.manual_seed(0).random()
    >>> b = mg.manual_seed(0).random()
    >>> a == b
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"manual_seed: expected a non-negative integer, got {seed!r}")
    default_generator.bit_generator.state = np.random.PCG64(int(seed)).state
    random.seed(int(seed))
    return default_generator
