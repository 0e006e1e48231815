"""The benchmark suite's quick mode runs, and its correctness comparison catches wrong answers.

Timings are not checked: they depend on the machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bench(monkeypatch):
    """The benchmarks package (a folder beside the tests, not an installed package)."""
    monkeypatch.syspath_prepend(str(ROOT))
    import benchmarks.run

    return benchmarks


def test_quick_run_agrees_with_numpy_and_keeps_memory_flat(bench, tmp_path, capsys):
    out = tmp_path / "latest.json"
    status = bench.run.main(
        ["--quick", "-i", "tensor", "nn", "value", "compiled", "value-mg", "--json", str(out)]
    )
    report = json.loads(out.read_text())
    assert status == 0, capsys.readouterr().out
    checked = {(c["workload"], c["impl"], c["dtype"]) for c in report["checks"]}
    assert ("C", "tensor", "float32") in checked and ("C", "nn", "float64") in checked
    assert {("A", "value", "float64"), ("B", "value", "float64")} <= checked
    assert {("C", "compiled", "float32"), ("B", "value-mg", "float64")} <= checked
    assert all(c["ok"] and c["error"] <= c["tolerance"] for c in report["checks"])
    timed = {(t["workload"], t["impl"]) for t in report["timings"]}
    assert {("D", "numpy"), ("D", "tensor"), ("B", "value"), ("C", "nn")} <= timed
    assert all(t["median"] > 0 and t["vs_numpy"] > 0 for t in report["timings"])
    assert report["memory"]["tensor"]["growth"] <= bench.memory.SLACK
    assert report["memory"]["compiled"]["growth"] <= bench.memory.SLACK
    assert "A seed network" in capsys.readouterr().out


@pytest.mark.parametrize("key", ["A", "B", "C", "D", "E"])
def test_a_slightly_wrong_implementation_is_caught(bench, key):
    floor = bench.impl_numpy.TRAINERS[key]

    def skewed(problem):
        """The floor run on data nudged by one part in a million."""
        nudged = bench.workloads.Problem(
            problem.x * (1 + 1e-6), problem.y, problem.weights, problem.lr, problem.extra
        )
        return floor(nudged)

    error, tol = bench.compare.check(key, skewed, floor, np.float64)
    assert tol < error < 1e-3
    assert bench.compare.check(key, floor, floor, np.float64) == (0.0, tol)


def test_relative_error_is_infinite_for_mismatched_results(bench):
    relative_error = bench.compare.relative_error
    assert relative_error([np.ones(3)], [np.ones(3), np.ones(3)]) == float("inf")
    assert relative_error([np.ones(3)], [np.ones((3, 1))]) == float("inf")
    assert relative_error([np.full(3, np.nan)], [np.ones(3)]) == float("inf")
    assert relative_error([np.zeros(2)], [np.zeros(2)]) == 0.0
