"""The interop extras stay optional: microgradnet, microgradnet.interop and microgradnet.onnx
import without PyTorch, onnx or onnxruntime, and each entry point names the extra it needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"torch", "onnx", "onnxruntime"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Block())
import numpy as np
import microgradnet as mg
from microgradnet import nn, onnx as mg_onnx
from microgradnet.interop import from_torch, to_torch
model = nn.Sequential(nn.Linear(2, 1))
print(model(mg.tensor(np.ones((1, 2)))).shape == (1, 1))
for call in (lambda: to_torch(model), lambda: from_torch(model),
             lambda: mg_onnx.export(model, np.ones((1, 2)), "m.onnx"),
             lambda: mg_onnx.load("m.onnx")):
    try:
        call()
    except ModuleNotFoundError as err:
        print(err)
"""


def test_imports_and_errors_without_the_extras(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT)},
        check=True,
    ).stdout.splitlines()
    assert out[0] == "True"
    assert out[1:] == [
        "microgradnet.interop.to_torch needs torch, which is not installed: install the extra "
        "'parity', pip install 'microgradnet[parity]'",
        "microgradnet.interop.from_torch needs torch, which is not installed: install the extra "
        "'parity', pip install 'microgradnet[parity]'",
        "microgradnet.onnx.export needs onnx, which is not installed: install the extra 'onnx', "
        "pip install 'microgradnet[onnx]'",
        "microgradnet.onnx.load needs onnx, which is not installed: install the extra 'onnx', "
        "pip install 'microgradnet[onnx]'",
    ]
