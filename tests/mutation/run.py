"""Mutation check of the gradient tests: does breaking a backward rule make a test fail?

For every built-in operation (each `Op` subclass in ``microgradnet.ops`` with its own
``backward``), mutants replace its backward rule: every gradient scaled by 1.5, sign-flipped or
zeroed, and, for operations of several inputs, the gradients of the first two inputs swapped.
Each mutant runs the gradient tests in a fresh pytest process, stopping at the first failure. A
mutant is killed when a test fails; a survivor is a backward bug no test sees.

Run from the repository root (``make mutants``)::

    python tests/mutation/run.py                 # all mutants, two at a time
    python tests/mutation/run.py --ops Mul Exp   # only these ops
    python tests/mutation/run.py --list          # the mutants, without running them
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from mutant_plugin import ENV, KINDS, MULTI_INPUT_KINDS, op_class  # noqa: E402

import microgradnet.ops  # noqa: E402
from microgradnet.ops import registry  # noqa: E402

#: The tests that check backward rules, most targeted first (a killed mutant stops early).
TEST_PATTERNS = (
    "test_ops_gradients.py",
    "test_ops_*.py",
    "test_engine.py",
    "test_seed_formulas.py",
    "test_testing_*.py",
)


#: Ops whose mutants cannot change any result, so no test can kill them, and why.
EQUIVALENT = {
    "microgradnet.ops.unary.Sign": "its gradient is zero, and stays zero scaled, negated or zeroed",
    "microgradnet.ops.rounding.Round": "its gradient is zero, like Sign's",
    "microgradnet.ops.rounding.Floor": "its gradient is zero, like Sign's",
    "microgradnet.ops.rounding.Ceil": "its gradient is zero, like Sign's",
    "microgradnet.ops.rounding.Trunc": "its gradient is zero, like Sign's",
    "microgradnet.ops.rounding.FloorDivide": "both gradients are zero, also when swapped",
}


@dataclass(frozen=True)
class Outcome:
    mutant: str
    killed: bool
    seconds: float
    detail: str


def op_classes() -> list[str]:
    """``module.Class`` of every op in ``microgradnet.ops`` that defines its own backward."""
    for info in pkgutil.iter_modules(microgradnet.ops.__path__):
        importlib.import_module(f"microgradnet.ops.{info.name}")
    return sorted(
        f"{cls.__module__}.{cls.__name__}"
        for cls in registry.op_classes()
        if cls.__module__.startswith("microgradnet.ops.")
    )


def several_inputs(target: str) -> bool:
    """Whether the op ``module.Class`` takes more than one input (its ``forward``'s arguments)."""
    forward = inspect.getattr_static(op_class(target), "forward")
    func = forward.__func__ if isinstance(forward, staticmethod) else forward
    if isinstance(func, np.ufunc):  # an elementwise declaration's forward may be numpy's own
        return bool(func.nin > 1)
    parameters = list(inspect.signature(func).parameters.values())
    if not isinstance(forward, staticmethod):
        parameters = parameters[1:]  # self
    inputs = [p for p in parameters if p.default is p.empty or p.kind is p.VAR_POSITIONAL]
    return len(inputs) > 1 or any(p.kind is p.VAR_POSITIONAL for p in inputs)


def mutants_of(target: str) -> list[str]:
    """The mutants of one op: every kind, the multi-input ones only where they apply."""
    multi = several_inputs(target)
    return [f"{target}:{kind}" for kind in KINDS if multi or kind not in MULTI_INPUT_KINDS]


def gradient_test_files() -> list[str]:
    files: list[str] = []
    for pattern in TEST_PATTERNS:
        for path in sorted((ROOT / "tests").glob(pattern)):
            name = str(path.relative_to(ROOT))
            if name not in files:
                files.append(name)
    return files


def run_tests(mutant: str | None, files: list[str], timeout: float) -> Outcome:
    """Run ``files`` with ``mutant`` applied (None: unmutated) in a fresh process."""
    env = dict(os.environ, HYPOTHESIS_PROFILE="dev", PYTHONPATH=str(HERE))
    env.pop(ENV, None)
    if mutant is not None:
        env[ENV] = mutant
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "mutant_plugin",
        "-p",
        "no:cacheprovider",
        *files,
    ]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return Outcome(mutant or "none", True, time.perf_counter() - start, "timed out")
    seconds = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    detail = lines[0].removeprefix("FAILED ") if lines else done.stdout.strip()[-300:]
    # pytest exits 1 when a test failed; anything else (2-5) is an error of the run itself.
    if done.returncode not in (0, 1):
        raise RuntimeError(f"pytest could not run ({done.returncode}):\n{done.stdout}{done.stderr}")
    return Outcome(mutant or "none", done.returncode == 1, seconds, detail)


def files_naming(target: str, files: list[str]) -> list[str]:
    """The test files that name the op (its ``name`` in quotes, or its class): the first place
    to look for a test that kills its mutants."""
    cls = op_class(target)
    words = (f'"{cls.name}"', f"'{cls.name}'", cls.__name__, f".{cls.name}(")
    return [f for f in files if any(w in (ROOT / f).read_text(encoding="utf-8") for w in words)]


def run_in_stages(mutant: str, files: list[str], timeout: float) -> Outcome:
    """Run the files that name the op first (collecting a few files is quick), and all the
    gradient tests only when those let the mutant live."""
    first = files_naming(mutant.split(":")[0], files)
    if first:
        outcome = run_tests(mutant, first, timeout)
        if outcome.killed:
            return outcome
    return run_tests(mutant, files, timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", nargs="*", help="only these op classes (e.g. Mul Exp)")
    parser.add_argument("--workers", type=int, default=2, help="mutants run at once (2)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per mutant")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    args = parser.parse_args(argv)

    classes = op_classes()
    if args.ops:
        classes = [c for c in classes if c.rsplit(".", 1)[1] in args.ops]
    for c in classes:
        if c in EQUIVALENT:
            print(f"skipped  {c}: equivalent mutants ({EQUIVALENT[c]})")
    mutants = [m for c in classes if c not in EQUIVALENT for m in mutants_of(c)]
    if args.list:
        print("\n".join(mutants))
        return 0
    files = gradient_test_files()
    print(f"{len(mutants)} mutants of {len(classes)} ops; tests: {' '.join(files)}", flush=True)

    baseline = run_tests(None, files, args.timeout)
    if baseline.killed:
        print(f"The tests fail without a mutant; fix them first: {baseline.detail}")
        return 2
    print(f"unmutated: pass in {baseline.seconds:.0f} s", flush=True)

    start = time.perf_counter()
    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(args.workers) as pool:
        jobs = [pool.submit(run_in_stages, m, files, args.timeout) for m in mutants]
        for job in jobs:
            outcome = job.result()
            outcomes.append(outcome)
            verdict = "killed  " if outcome.killed else "SURVIVED"
            print(
                f"{verdict} {outcome.mutant:45} {outcome.seconds:5.1f} s  {outcome.detail}",
                flush=True,
            )

    survivors = [o.mutant for o in outcomes if not o.killed]
    killed = len(outcomes) - len(survivors)
    print(
        f"\nMutation score: {killed}/{len(outcomes)} killed "
        f"({100 * killed / max(len(outcomes), 1):.0f}%) in {time.perf_counter() - start:.0f} s"
    )
    if survivors:
        print("Survivors (a backward bug no test sees):")
        print("\n".join(f"  {s}" for s in survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
