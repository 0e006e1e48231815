"""Memory: the seed network trained for many iterations holds no more memory than for a few.

With the cycle collector off, anything a step leaves behind (a reference cycle, a cache that
grows) would raise the peak of a long loop above that of a short one. The loops are measured in
a steady state: the interpreter keeps freed tuples and floats in free lists (up to 2,000 tuples of
each length), which fill with traced blocks over the first couple of thousand steps, so a traced
warm-up runs first.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

from .workloads import Problem, Trainer, seed_network

WARMUP = 2500
#: Steady-state peaks differ by tens of bytes from loop to loop; an object left behind per step
#: would add at least 16 bytes for each extra step, far beyond this.
SLACK = 1024


def growth(factory: Callable[[Problem], Trainer], short: int, long: int) -> dict[str, int]:
    """The tracemalloc peaks (bytes above the start) of a short and a long training loop."""
    trainer = factory(seed_network())
    collecting = gc.isenabled()
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        for _ in range(WARMUP):
            trainer.step()
        peaks = []
        for n in (short, long):
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            for _ in range(n):
                trainer.step()
            peaks.append(tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()
        if collecting:
            gc.enable()
    return {
        "short": short,
        "long": long,
        "peak_short": peaks[0],
        "peak_long": peaks[1],
        "growth": peaks[1] - peaks[0],
    }
