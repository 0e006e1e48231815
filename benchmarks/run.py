"""Run the benchmark suite: check every implementation against hand-written numpy, then time them.

    python -m benchmarks.run                 # everything (``make bench``)
    python -m benchmarks.run --quick         # one short round, for a smoke test
    python -m benchmarks.run -w A B -i numpy tensor --rounds 5

Implementations run interleaved (every workload and implementation once per round, after a
warm-up that also picks how many steps each sample times), on one BLAS thread. The medians, their
ratios to numpy and to PyTorch, and the memory check are printed and written as JSON.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy is imported

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Iterator, Sequence  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from time import perf_counter, process_time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import microgradnet  # noqa: E402

from . import impl_compiled, impl_micrograd, impl_numpy, impl_tensor, impl_value, memory  # noqa: E402
from .compare import check  # noqa: E402
from .workloads import WORKLOADS, Factory, Trainer  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "latest.json"


#: micrograd's demo code on `Value`, as a multiple of micrograd's time with its cycle collector
#: paused: the largest ratio the target allows.
VALUE_TARGET = 0.7


def implementations(names: Sequence[str] | None = None) -> dict[str, dict[str, Factory]]:
    """The trainers by workload of the implementations ``names`` (all available when None) and of
    numpy, the reference; PyTorch's only when it is installed."""
    impls: dict[str, dict[str, Factory]] = {
        "numpy": impl_numpy.TRAINERS,
        "tensor": impl_tensor.TRAINERS,
        "nn": impl_tensor.NN_TRAINERS,
        "value": impl_value.TRAINERS,
        "compiled": impl_compiled.TRAINERS,
        **impl_micrograd.TRAINERS,
    }
    if names is None or "torch" in names:
        with contextlib.suppress(ImportError):
            from . import impl_torch

            impls["torch"] = impl_torch.TRAINERS
    if names is None:
        return impls
    unknown = set(names) - set(impls)
    if unknown:
        raise SystemExit(
            f"unknown or unavailable implementations: {sorted(unknown)}; available: {sorted(impls)}"
        )
    return {k: v for k, v in impls.items() if k in names or k == "numpy"}


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit BLAS to one thread with threadpoolctl when it is installed (the environment
    variables already do it for libraries loaded after them)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1):
        yield


#: The clock of the timed samples: wall time, or with ``--cpu-time`` the process's CPU time,
#: which other programs on a busy machine disturb less.
CLOCKS = {"wall": perf_counter, "cpu": process_time}


def time_steps(trainer: Trainer, number: int, clock: Callable[[], float] = perf_counter) -> float:
    """Seconds per step over ``number`` steps; then, untimed, the trainer's ``settle()`` if it
    has one (micrograd with its cycle collector paused frees its graphs there, so that their
    collection does not land in another implementation's timed steps)."""
    step = trainer.step
    start = clock()
    for _ in range(number):
        step()
    elapsed = clock() - start
    settle = getattr(trainer, "settle", None)
    if settle is not None:
        settle()
    return elapsed / number


def calibrate(trainer: Trainer, budget: float) -> int:
    """Warm up for about ``budget`` seconds; return how many steps fill one such sample."""
    trainer.step()
    steps, elapsed = 0, 0.0
    while elapsed < budget:
        elapsed += time_steps(trainer, 1)
        steps += 1
    return max(1, round(steps * budget / elapsed))


def format_seconds(s: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def format_target(target: tuple[float, str] | None) -> str:
    if target is None:
        return ""
    limit, unit = target
    return f"<= {limit:g}x" if unit == "x" else f"<= {format_seconds(limit)}"


def run_checks(keys: Sequence[str], impls: dict[str, dict[str, Factory]]) -> list[dict[str, Any]]:
    """Every implementation against numpy, in float64 and in the workload's own dtype."""
    floors = impl_numpy.TRAINERS
    rows = []
    for key in keys:
        dtypes = dict.fromkeys([np.dtype(np.float64), np.dtype(WORKLOADS[key].dtype)])
        for name, trainers in impls.items():
            if name == "numpy" or key not in trainers:
                continue
            for dtype in dtypes:
                error, tol = check(key, trainers[key], floors[key], dtype)
                rows.append(
                    {
                        "workload": key,
                        "impl": name,
                        "dtype": str(dtype),
                        "error": error,
                        "tolerance": tol,
                        "ok": error <= tol,
                    }
                )
    return rows


@dataclass
class Timing:
    """The samples (seconds per step) of one implementation on one workload."""

    workload: str
    impl: str
    number: int  # steps per sample
    samples: list[float] = field(default_factory=list)
    median: float = 0.0
    vs_numpy: float | None = None
    vs_torch: float | None = None
    target: str = ""
    meets_target: bool | None = None


def run_timings(
    keys: Sequence[str],
    impls: dict[str, dict[str, Factory]],
    rounds: int,
    budget: float,
    clock: Callable[[], float] = perf_counter,
) -> list[Timing]:
    """Median seconds per step of each (workload, implementation), sampled interleaved."""
    entries: list[tuple[Timing, Trainer]] = []
    for key in keys:
        problem = WORKLOADS[key].make(WORKLOADS[key].dtype)
        for name, trainers in impls.items():
            if key in trainers:
                trainer = trainers[key](problem)
                entries.append((Timing(key, name, calibrate(trainer, budget)), trainer))
    for _ in range(rounds):
        for t, trainer in entries:
            t.samples.append(time_steps(trainer, t.number, clock))
    timings = [t for t, _ in entries]
    for t in timings:
        t.median = statistics.median(t.samples)
    medians = {(t.workload, t.impl): t.median for t in timings}
    for t in timings:
        numpy_median, torch_median = (medians.get((t.workload, r)) for r in ("numpy", "torch"))
        t.vs_numpy = None if numpy_median is None else t.median / numpy_median
        t.vs_torch = None if torch_median is None else t.median / torch_median
        target = WORKLOADS[t.workload].targets.get(t.impl)
        if target is not None and t.vs_numpy is not None:
            limit, unit = target
            t.target = format_target(target)
            t.meets_target = (t.vs_numpy if unit == "x" else t.median) <= limit
    return timings


def run_memory(impls: dict[str, dict[str, Factory]], quick: bool) -> dict[str, Any]:
    """Peak memory of short and long seed-network loops: Tensor over 100 and 10,000 iterations
    (1,000 when quick); Value, ten times slower under tracing, over 100 and 2,000 (not when
    quick)."""
    loops = {name: (100, 1000 if quick else 10_000) for name in ("tensor", "compiled")}
    if not quick:
        loops["value"] = (100, 2000)
    return {
        name: memory.growth(impls[name]["A"], short, long)
        for name, (short, long) in loops.items()
        if name in impls
    }


def environment() -> dict[str, Any]:
    """The machine and the versions the figures were measured with."""
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "microgradnet": microgradnet.__version__,
    }
    if "torch" in sys.modules:
        versions["torch"] = sys.modules["torch"].__version__
    blas = ""
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i['version']}" for i in threadpool_info())
    return {
        "cpu": cpu,
        "machine": platform.machine(),
        "system": platform.system(),
        "blas": blas,
        "versions": versions,
    }


def print_report(checks: list[dict[str, Any]], timings: list[Timing], mem: dict[str, Any]) -> None:
    for c in checks:
        if not c["ok"]:
            print(
                f"WRONG: {c['impl']} on {c['workload']} ({c['dtype']}): relative error "
                f"{c['error']:.2e} > {c['tolerance']:.0e}"
            )
    print(f"{'workload':<44} {'impl':<14} {'median':>10} {'x numpy':>8} {'x torch':>8}  target")
    for t in timings:
        ratios = [f"{r:8.2f}" if r is not None else " " * 8 for r in (t.vs_numpy, t.vs_torch)]
        verdict = "" if t.meets_target is None else " ok" if t.meets_target else " MISSED"
        w = WORKLOADS[t.workload]
        print(
            f"{w.key + ' ' + w.title:<44} {t.impl:<14} {format_seconds(t.median):>10} "
            f"{ratios[0]} {ratios[1]}  {t.target}{verdict}"
        )
    medians = {(t.workload, t.impl): t.median for t in timings}
    for impl, reference in (
        ("value-mg", "micrograd-nogc"),
        ("value-mg-nogc", "micrograd-nogc"),
        ("value-mg", "micrograd"),
    ):
        if ("B", impl) in medians and ("B", reference) in medians:
            ratio = medians["B", impl] / medians["B", reference]
            verdict = f"  <= {VALUE_TARGET}: {'ok' if ratio <= VALUE_TARGET else 'MISSED'}"
            shown = verdict if (impl, reference) == ("value-mg", "micrograd-nogc") else ""
            print(f"B {impl} / {reference}: {ratio:.2f}{shown}")
    for name, m in mem.items():
        print(
            f"memory, seed network, {name}: tracemalloc peak {m['peak_short']} B over "
            f"{m['short']} iterations, {m['peak_long']} B over {m['long']} "
            f"(growth {m['growth']} B)"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-w",
        "--workloads",
        nargs="+",
        choices=sorted(WORKLOADS),
        default=sorted(WORKLOADS),
        help="which workloads (all)",
    )
    parser.add_argument("-i", "--impls", nargs="+", help="which implementations (all available)")
    parser.add_argument("--rounds", type=int, default=11, help="timed rounds (11)")
    parser.add_argument(
        "--budget", type=float, default=0.05, help="seconds per timed sample (0.05)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 round of 5 ms samples, shorter memory loops"
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with the process's CPU time instead of wall time",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory benchmark")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"output ({RESULTS})")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.budget = 1, 0.005
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; the exit status is 1 when an implementation is wrong or memory grows."""
    args = parse_args(argv)
    impls = implementations(args.impls)
    with one_blas_thread():
        checks = run_checks(args.workloads, impls)
        clock = CLOCKS["cpu" if args.cpu_time else "wall"]
        timings = run_timings(args.workloads, impls, args.rounds, args.budget, clock)
        mem = {} if args.no_memory else run_memory(impls, args.quick)
    print_report(checks, timings, mem)
    report = {
        "environment": environment(),
        "rounds": args.rounds,
        "budget_s": args.budget,
        "clock": "cpu" if args.cpu_time else "wall",
        "checks": checks,
        "timings": [asdict(t) for t in timings],
        "memory": mem,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1))
    grows = any(m["growth"] > memory.SLACK for m in mem.values())
    wrong = grows or not all(c["ok"] for c in checks)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
