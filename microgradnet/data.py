"""Mini-batches: `batches` walks through arrays of examples together, in order or shuffled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import random
from .tensor import Tensor

__all__ = ["batches"]


def batches(
    *arrays: Any,
    batch_size: int,
    shuffle: bool = False,
    drop_last: bool = False,
    generator: np.random.Generator | int | None = None,
) -> Iterator[tuple[Any, ...]]:
    """Yield tuples of matching slices of ``arrays`` along their first axis.

    Parameters
    ----------
    *arrays : numpy arrays or Tensors
        The same number of examples each (their first dimension); a Tensor gives Tensors (no
        graph), an array gives arrays.
    batch_size : int
        Examples per batch; the last batch may be smaller unless ``drop_last``.
    shuffle : bool
        Visit the examples in a fresh random order on each call.
    drop_last : bool
        Leave out a last batch smaller than ``batch_size``.
    generator : numpy Generator or int, optional
        Where the order comes from: a generator, a seed, or (None) the project's generator,
        which `microgradnet.manual_seed` makes reproducible.

    Yields
    ------
    tuple
        One slice per array, always a tuple (also for a single array).

    Examples
    --------
    >>> import numpy as np
    >>> from microgradnet.data import batches
    >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in batches(x, y, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    >>> [yb.tolist() for (yb,) in batches(y, batch_size=2, shuffle=True, generator=0)]
    [[2, 4], [3, 0], [1]]
    """
    if not arrays:
        raise ValueError("batches: give at least one array")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batches: batch_size must be a positive integer, got {batch_size!r}")
    shapes = [np.shape(a) for a in arrays]
    if any(len(s) == 0 for s in shapes) or len({s[0] for s in shapes}) != 1:
        raise ValueError(
            f"batches: the arrays must have the same first dimension, got shapes {shapes}"
        )
    n = shapes[0][0]
    if shuffle:
        rng = random.default_generator if generator is None else np.random.default_rng(generator)
        order = rng.permutation(n)
    else:
        order = np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        index = order[start : start + batch_size]
        yield tuple(Tensor(a.data[index]) if isinstance(a, Tensor) else a[index] for a in arrays)
