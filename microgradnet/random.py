"""The project's random numbers: one numpy `Generator` behind initialisation, dropout and shuffling.

`manual_seed` reseeds it in place, so code that holds a reference to `default_generator` sees the
new seed too.
"""

from __future__ import annotations

import numpy as np

#: The generator that `microgradnet.nn.init`, dropout and data shuffling draw from.
default_generator: np.random.Generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the project's generator, making initialisation, dropout and shuffling reproducible.

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
    return default_generator
