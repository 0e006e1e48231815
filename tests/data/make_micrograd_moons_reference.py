"""Make micrograd_moons_reference.json: what micrograd itself prints for its demo notebook.

Run once, by hand, in an environment with micrograd and scikit-learn installed (neither is a
dependency of microgradnet, and the tests do not run this):

    python tests/data/make_micrograd_moons_reference.py

It runs micrograd_demo.txt (the notebook's code cells, plots left out) unchanged, with micrograd's
own ``Value``, ``Neuron``, ``Layer`` and ``MLP``, and stores the model's repr, the parameter
count, the loss and accuracy printed at each of the 100 steps, and the moons data set that
``make_moons`` drew (so the test can run without scikit-learn).
"""

from __future__ import annotations

import contextlib
import io
import json
import platform
import re
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEP = re.compile(r"^step (\d+) loss (\S+), accuracy (\S+)%$")


def run_demo() -> tuple[list[str], dict[str, object]]:
    """The notebook's printed lines and its namespace after the run."""
    code = (HERE / "micrograd_demo.txt").read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "micrograd_demo"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "micrograd_demo.txt", "exec"), namespace)
    return out.getvalue().splitlines(), namespace


def main() -> None:
    lines, namespace = run_demo()
    steps = [STEP.match(line) for line in lines[3:]]
    if len(steps) != 100 or not all(steps):
        raise SystemExit(f"unexpected output from the demo:\n{lines[3:]}")
    X = namespace["X"]
    labels = (namespace["y"] + 1) // 2  # the notebook maps make_moons' 0/1 to -1/1
    reference = {
        "note": (
            "Made by tests/data/make_micrograd_moons_reference.py, which runs "
            "tests/data/micrograd_demo.txt with micrograd's own Value, Neuron, Layer and MLP."
        ),
        "made_with": {
            "python": platform.python_version(),
            **{pkg: metadata.version(pkg) for pkg in ("micrograd", "numpy", "scikit-learn")},
        },
        "model_repr": lines[0],
        "parameters_line": lines[1],
        "initial_loss_line": lines[2],
        "loss": [float(m.group(2)) for m in steps],
        "accuracy_percent": [float(m.group(3)) for m in steps],
        "moons_X": X.tolist(),
        "moons_labels": labels.tolist(),
    }
    path = HERE / "micrograd_moons_reference.json"
    path.write_text(json.dumps(reference, indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {path}: final loss {reference['loss'][-1]}, "
        f"accuracy {reference['accuracy_percent'][-1]}%"
    )


if __name__ == "__main__":
    main()
