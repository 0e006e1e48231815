"""micrograd's demo notebook runs on microgradnet with only its import lines changed, and prints
micrograd's numbers.

tests/data/micrograd_demo.txt holds the notebook's code (plots left out);
tests/data/micrograd_moons_reference.json what micrograd itself printed running it (made by
tests/data/make_micrograd_moons_reference.py). The full run, 100 steps over 100 points, takes a
few seconds.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

DATA = Path(__file__).resolve().parent / "data"
REFERENCE = json.loads((DATA / "micrograd_moons_reference.json").read_text(encoding="utf-8"))
STEP = re.compile(r"^step (\d+) loss (\S+), accuracy (\S+)%$")

MICROGRAD_IMPORTS = {
    "from micrograd.engine import Value\n": "from microgradnet import Value\n",
    "from micrograd.nn import Neuron, Layer, MLP\n": (
        "from microgradnet.nn import Neuron, Layer, MLP\n"
    ),
}
SKLEARN_IMPORT = "from sklearn.datasets import make_moons, make_blobs\n"


def stored_make_moons(n_samples: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """The data set micrograd's run drew, for machines without scikit-learn."""
    assert (n_samples, noise) == (100, 0.1)
    return np.array(REFERENCE["moons_X"]), np.array(REFERENCE["moons_labels"])


def demo_code() -> tuple[str, dict[str, Any]]:
    """The notebook's code with the import lines changed, and the namespace to run it in."""
    code = (DATA / "micrograd_demo.txt").read_text(encoding="utf-8")
    for old, new in MICROGRAD_IMPORTS.items():
        assert code.count(old) == 1, old
        code = code.replace(old, new)
    namespace: dict[str, Any] = {"__name__": "micrograd_demo"}
    if importlib.util.find_spec("sklearn") is None:
        assert code.count(SKLEARN_IMPORT) == 1
        code = code.replace(SKLEARN_IMPORT, "\n")
        namespace["make_moons"] = stored_make_moons
    assert "micrograd." not in code
    return code, namespace


def run_demo() -> list[str]:
    code, namespace = demo_code()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "micrograd_demo.txt", "exec"), namespace)
    return out.getvalue().splitlines()


def test_the_demo_prints_micrograd_s_model_losses_and_accuracies() -> None:
    lines = run_demo()
    assert lines[0] == REFERENCE["model_repr"]
    assert lines[1] == REFERENCE["parameters_line"] == "number of parameters 337"
    steps = [STEP.match(line) for line in lines[3:]]
    assert len(steps) == 100 and all(steps)
    assert [int(m.group(1)) for m in steps] == list(range(100))  # type: ignore[union-attr]
    loss = [float(m.group(2)) for m in steps]  # type: ignore[union-attr]
    accuracy = [float(m.group(3)) for m in steps]  # type: ignore[union-attr]
    for k, (got, want) in enumerate(zip(loss, REFERENCE["loss"], strict=True)):
        assert abs(got - want) <= 1e-9, f"step {k}: loss {got}, micrograd's {want}"
    assert accuracy == REFERENCE["accuracy_percent"]
    assert accuracy[-1] == 100.0
    # the loss before training, printed as Value(...) by both (in their own formats)
    initial = float(lines[2].split("data=")[1].split(",")[0])
    assert initial == pytest.approx(REFERENCE["loss"][0], rel=1e-5)


def test_the_stored_moons_are_what_make_moons_draws_after_the_notebook_s_seed() -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    np.random.seed(1337)
    X, y = datasets.make_moons(n_samples=100, noise=0.1)
    stored_X, stored_y = stored_make_moons(100, 0.1)
    np.testing.assert_array_equal(X, stored_X)
    np.testing.assert_array_equal(y, stored_y)


def test_the_reference_is_micrograd_s_run_of_the_same_code() -> None:
    note = REFERENCE["note"]
    assert "make_micrograd_moons_reference.py" in note and "micrograd_demo.txt" in note
    assert REFERENCE["made_with"]["micrograd"] == "0.1.0"
    # micrograd's published demo.ipynb shows these at its first steps
    assert REFERENCE["loss"][0] == 0.8958441028683222
    assert REFERENCE["accuracy_percent"][:3] == [50.0, 81.0, 77.0]
