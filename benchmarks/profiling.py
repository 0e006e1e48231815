"""Profile one implementation on one workload with cProfile.

python -m benchmarks.profiling A tensor               # 2,000 steps, top 25 by own time
python -m benchmarks.profiling B value --steps 20 --sort cumulative
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections.abc import Sequence

from .run import implementations
from .workloads import WORKLOADS


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.profiling",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("impl")
    parser.add_argument("--steps", type=int, default=2000, help="steps profiled (2000)")
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime)")
    parser.add_argument("--limit", type=int, default=25, help="functions shown (25)")
    args = parser.parse_args(argv)
    w = WORKLOADS[args.workload]
    trainer = implementations([args.impl])[args.impl][w.key](w.make(w.dtype))
    trainer.step()
    # CPU time: on a busy machine, wall time charges other programs' turns to whatever runs.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(args.steps):
        trainer.step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
